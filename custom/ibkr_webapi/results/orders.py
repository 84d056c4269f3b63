"""Order results: what the gateway accepted."""

from __future__ import annotations

import attrs

from ibkr_webapi_client.models import LiveOrder

from ..orders.order import Question
from ..seam import unset_to_none


@attrs.frozen
class PlacedOrder:
    """An order the gateway accepted (after any confirmation questions)."""

    order_id: str
    order_status: str | None
    c_oid: str | None
    answered: tuple[Question, ...] = ()
    recovered: bool = False
    """True when the answer was lost in transit and the order was found among live orders."""


def live_order_ref(order: LiveOrder) -> str | None:
    """The cOID a live order was placed with (the gateway calls it order_ref)."""
    ref = unset_to_none(order.order_ref)
    return ref if isinstance(ref, str) else None
