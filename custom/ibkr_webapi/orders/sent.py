"""What this client has sent, by client order id (cOID), so a cOID is never sent twice by mistake.

The gateway refuses a cOID it has seen, but only within a brokerage session, and a gateway whose
guard fails would place a second copy. The client therefore keeps its own record: a cOID it sent
whose order was acknowledged, found, or whose fate is unknown is not sent again by a later
``place()`` with the same cOID; that call looks the order up instead. A refusal or a declined
question forgets the cOID (nothing was placed). The record is per client object and bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Literal

import attrs

from ..errors import ConfigurationError

__all__ = ["DEFAULT_CAPACITY", "SentRecord", "SentRecords"]

DEFAULT_CAPACITY = 10_000

State = Literal["sending", "placed", "unknown"]


@attrs.frozen
class SentRecord:
    """One cOID this client sent, where it stands, and the brokerage session it was sent in."""

    state: State
    generation: int
    """The client's session generation (it changes when the client re-opens the session)."""
    brokerage_session: str | None
    """The gateway's brokerage session id read before sending (only when resending is allowed)."""
    order_id: int | None = None


class SentRecords:
    """The last ``capacity`` cOIDs this client sent (oldest forgotten first)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ConfigurationError("capacity must be at least 1")
        self.capacity = capacity
        self._records: OrderedDict[str, SentRecord] = OrderedDict()

    def __len__(self) -> int:
        return len(self._records)

    def get(self, c_oid: str) -> SentRecord | None:
        return self._records.get(c_oid)

    def note(self, c_oid: str, record: SentRecord) -> None:
        self._records[c_oid] = record
        self._records.move_to_end(c_oid)
        while len(self._records) > self.capacity:
            self._records.popitem(last=False)

    def mark(self, c_oid: str, state: State, order_id: int | None = None) -> None:
        """Move a recorded cOID to ``state`` (a cOID not recorded is left alone)."""
        record = self._records.get(c_oid)
        if record is not None:
            self._records[c_oid] = attrs.evolve(
                record, state=state, order_id=order_id if order_id is not None else record.order_id
            )

    def forget(self, c_oid: str) -> None:
        self._records.pop(c_oid, None)
