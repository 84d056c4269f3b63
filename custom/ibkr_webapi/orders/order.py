"""The order a user describes, its validation, client order ids, and confirmation policies."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypeAlias

import attrs

from ibkr_webapi_client.models import OrderRequest, OrderRequestStrategyParameters

from ..errors import InvalidRequestError

Side: TypeAlias = Literal["BUY", "SELL"]
ORDER_TYPES = frozenset({"MKT", "LMT", "STP", "STOP_LIMIT", "MIDPRICE", "TRAIL", "TRAILLMT"})
TIME_IN_FORCE = frozenset({"DAY", "IOC", "GTC", "OPG", "PAX"})
_NEEDS_PRICE = frozenset({"LMT", "STOP_LIMIT", "TRAILLMT"})
_NEEDS_AUX = frozenset({"STP", "STOP_LIMIT"})


def new_client_order_id() -> str:
    """A fresh client order id (cOID): unique, short, and safe to show in logs."""
    return f"ibkr-{uuid.uuid4().hex[:20]}"


@attrs.frozen(kw_only=True)
class Order:
    """An order to place or modify.

    ``quantity`` or ``cash_qty`` gives the size; ``price`` is the limit price and ``aux_price`` the stop
    price. ``c_oid`` is generated when not given: the same id is reused on any resend, so the gateway
    refuses a second copy of the same order.
    """

    side: Side
    conid: int | None = None
    quantity: float | None = None
    order_type: str = "LMT"
    price: float | None = None
    aux_price: float | None = None
    tif: str = "DAY"
    c_oid: str | None = None
    conidex: str | None = None
    sec_type: str | None = None
    listing_exchange: str | None = None
    outside_rth: bool = False
    cash_qty: float | None = None
    trailing_amt: float | None = None
    trailing_type: Literal["amt", "%"] | None = None
    parent_id: str | None = None
    use_adaptive: bool | None = None
    is_ccy_conv: bool | None = None
    allocation_method: str | None = None
    strategy: str | None = None
    strategy_parameters: Mapping[str, Any] | None = None
    ticker: str | None = None
    referrer: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidRequestError("invalid order: " + "; ".join(problems))

    def with_client_order_id(self) -> Order:
        """This order with a cOID, generating one when it has none."""
        return self if self.c_oid else attrs.evolve(self, c_oid=new_client_order_id())

    def to_request(self, account_id: str) -> OrderRequest:
        """The generated wire model for this order."""
        request = OrderRequest(order_type=self.order_type, side=self.side, tif=self.tif)
        request.acct_id = account_id
        request.outside_rth = self.outside_rth
        optional: dict[str, Any] = {
            "conid": self.conid,
            "quantity": self.quantity,
            "price": self.price,
            "aux_price": self.aux_price,
            "c_oid": self.c_oid,
            "conidex": self.conidex,
            "sec_type": self.sec_type,
            "listing_exchange": self.listing_exchange,
            "cash_qty": self.cash_qty,
            "trailing_amt": self.trailing_amt,
            "trailing_type": self.trailing_type,
            "parent_id": self.parent_id,
            "use_adaptive": self.use_adaptive,
            "is_ccy_conv": self.is_ccy_conv,
            "allocation_method": self.allocation_method,
            "strategy": self.strategy,
            "ticker": self.ticker,
            "referrer": self.referrer,
        }
        for name, value in optional.items():
            if value is not None:
                setattr(request, name, value)
        if self.strategy_parameters is not None:
            request.strategy_parameters = OrderRequestStrategyParameters.from_dict(
                dict(self.strategy_parameters)
            )
        return request


def _problems(order: Order) -> list[str]:
    problems: list[str] = []
    if order.side not in ("BUY", "SELL"):
        problems.append(f"side must be 'BUY' or 'SELL', got {order.side!r}")
    if order.order_type not in ORDER_TYPES:
        problems.append(
            f"order_type must be one of {', '.join(sorted(ORDER_TYPES))}, got {order.order_type!r}"
        )
    if order.tif not in TIME_IN_FORCE:
        problems.append(f"tif must be one of {', '.join(sorted(TIME_IN_FORCE))}, got {order.tif!r}")
    if order.conid is None and not order.conidex:
        problems.append("give conid (or conidex) to say which contract to trade")
    if order.quantity is None and order.cash_qty is None:
        problems.append("give quantity (or cash_qty)")
    if order.quantity is not None and order.quantity <= 0:
        problems.append(f"quantity must be positive, got {order.quantity}; use side='SELL' to sell")
    if order.order_type in _NEEDS_PRICE and order.price is None:
        problems.append(f"{order.order_type} orders need price (the limit price)")
    if order.order_type in _NEEDS_AUX and order.aux_price is None:
        problems.append(f"{order.order_type} orders need aux_price (the stop price)")
    if order.order_type in {"TRAIL", "TRAILLMT"} and (
        order.trailing_amt is None or order.trailing_type is None
    ):
        problems.append(
            f"{order.order_type} orders need trailing_amt and trailing_type ('amt' or '%')"
        )
    if order.order_type == "MKT" and order.price is not None:
        problems.append("MKT orders take no price; use order_type='LMT' for a limit")
    return problems


@attrs.frozen
class Question:
    """One confirmation question the gateway asks before accepting an order."""

    reply_id: str
    messages: tuple[str, ...]
    message_ids: tuple[str, ...]
    order: Order

    @property
    def text(self) -> str:
        """All messages joined, as a person would read them."""
        return "\n".join(self.messages)


ConfirmCallback: TypeAlias = Callable[[Question], bool | Awaitable[bool]]
ConfirmPolicy: TypeAlias = bool | ConfirmCallback


async def decide(policy: ConfirmPolicy, question: Question) -> bool:
    """Apply a confirmation policy: ``False`` declines, ``True`` confirms, a callable decides."""
    if isinstance(policy, bool):
        return policy
    answer = policy(question)
    if inspect.isawaitable(answer):
        answer = await answer
    return bool(answer)
