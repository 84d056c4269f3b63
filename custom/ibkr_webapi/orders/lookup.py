"""Finding orders on the gateway by their client order id (cOID), after an answer was lost.

Two sources are read, side by side:

* **live orders** (``GET /iserver/account/orders``, after ``force=true`` drops the gateway's cache):
  every order of the *current brokerage session*, working or done. Complete only when the answer
  says ``snapshot: true``.
* **trades** (``GET /iserver/account/trades``): the account's executions of the last days, across
  sessions. An order that filled is found here even after the brokerage session was reset.

Either source seeing the cOID proves the order exists. Not seeing it proves nothing on its own: a
look-up is *complete* only when both sources answered in full, and even then absence holds only for
this brokerage session and this moment (see :mod:`.placement` for when the client dares to resend).
A source that fails makes the look-up incomplete, never "absent".

Both endpoints are limited to one call per 5 s by the gateway, so look-ups that overlap share their
reads: a read that *began* after the caller's answer was lost is fresh enough for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

import attrs

from .. import errors
from ..results.orders import LiveOrder, OrderStatus, Trade

__all__ = ["Evidence", "GatewayReads", "OrderFinder", "SharedRead", "Sighting"]

logger = logging.getLogger("ibkr_webapi")
T = TypeVar("T")

LIVE_ORDERS = "live orders"
TRADES = "trades"


class GatewayReads(Protocol):
    """The reads a look-up makes (the orders resource provides them)."""

    async def live_snapshot(self) -> tuple[list[LiveOrder], bool]:
        """Live orders after a cache reset, and whether the list is complete."""

    async def recent_trades(self) -> list[Trade]:
        """Executions of today and yesterday."""

    async def order_status(self, order_id: int) -> OrderStatus:
        """One order's status by its id."""

    async def brokerage_session(self) -> str | None:
        """The gateway's id of the current brokerage session, when it says."""


@attrs.frozen
class Sighting:
    """An order seen on the gateway."""

    c_oid: str
    order_id: int
    status: str | None
    source: str


@attrs.frozen
class Evidence:
    """What one look-up saw: the orders found by cOID, what was read, and whether it was all read."""

    found: Mapping[str, Sighting]
    checked: tuple[str, ...]
    complete: bool
    """Every source answered with a complete list (so a cOID not found was not there *then*)."""


class SharedRead(Generic[T]):
    """One read at a time, shared by every caller for whom it is fresh enough.

    ``fresh(not_before)`` joins the read in flight when that read began at or after ``not_before``
    (a ``time.monotonic()`` value), and otherwise lets it end and starts a new one. A caller that
    leaves (cancelled) stops the read when nobody else waits for it.
    """

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._task: asyncio.Task[T] | None = None
        self._began = 0.0
        self._waiting = 0

    async def fresh(self, not_before: float) -> T:
        while True:
            task = self._task
            if task is None or task.done():
                self._began = time.monotonic()
                task = self._task = asyncio.ensure_future(self._read())
            began = self._began
            try:
                result = await self._wait(task)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if task.cancelled() and current is not None and not current.cancelling():
                    continue  # the others left and stopped that read: we were not cancelled
                raise
            except errors.IBKRError:
                if began >= not_before:
                    raise
                continue  # a failed read too old for us anyway: read again
            if began >= not_before:
                return result

    async def _wait(self, task: asyncio.Task[T]) -> T:
        self._waiting += 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if self._waiting == 1 and not task.done():
                task.cancel()
            raise
        finally:
            self._waiting -= 1


class OrderFinder:
    """Look-ups by cOID (live orders and trades) and by order id (order status)."""

    def __init__(self, reads: GatewayReads) -> None:
        self._reads = reads
        self._live: SharedRead[tuple[list[LiveOrder], bool]] = SharedRead(reads.live_snapshot)
        self._trades: SharedRead[list[Trade]] = SharedRead(reads.recent_trades)

    @property
    def reads(self) -> GatewayReads:
        return self._reads

    async def look(self, c_oids: Collection[str], *, since: float, label: str = "") -> Evidence:
        """Look for ``c_oids`` with reads that began at or after ``since`` (``time.monotonic()``).

        Returns as soon as every cOID is found; a source that fails is named in ``checked`` and
        makes the evidence incomplete.
        """
        wanted = set(c_oids)
        suffix = f" {label}" if label else ""
        sources: dict[asyncio.Task[tuple[dict[str, Sighting], bool]], str] = {
            asyncio.ensure_future(self._from_live(wanted, since)): LIVE_ORDERS,
            asyncio.ensure_future(self._from_trades(wanted, since)): TRADES,
        }
        found: dict[str, Sighting] = {}
        checked: list[str] = []
        complete = True
        try:
            pending = set(sources)
            while pending and not wanted <= found.keys():
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    name = sources[task]
                    error = task.exception()
                    if error is not None:
                        if not isinstance(error, errors.IBKRError):
                            raise error
                        logger.warning("order look-up: reading %s failed: %s", name, error)
                        checked.append(f"{name}{suffix} (failed: {type(error).__name__})")
                        complete = False
                        continue
                    seen, whole = task.result()
                    checked.append(f"{name}{suffix}" + ("" if whole else " (incomplete)"))
                    complete = complete and whole
                    for c_oid, sighting in seen.items():
                        found.setdefault(c_oid, sighting)
            for task in pending:  # every cOID was found: the other source is not needed
                checked.append(f"{sources[task]}{suffix} (not needed)")
        finally:
            for task in sources:
                task.cancel()
            await asyncio.gather(*sources, return_exceptions=True)
        found = {c: await self._with_status(s) for c, s in found.items()}
        return Evidence(found=found, checked=tuple(checked), complete=complete)

    async def _from_live(self, wanted: set[str], since: float) -> tuple[dict[str, Sighting], bool]:
        orders, complete = await self._live.fresh(since)
        seen = {
            o.c_oid: Sighting(o.c_oid, o.order_id, o.status, LIVE_ORDERS)
            for o in orders
            if o.c_oid is not None and o.c_oid in wanted
        }
        return seen, complete

    async def _from_trades(
        self, wanted: set[str], since: float
    ) -> tuple[dict[str, Sighting], bool]:
        trades = await self._trades.fresh(since)
        seen = {
            t.c_oid: Sighting(t.c_oid, t.order_id, None, TRADES)
            for t in trades
            if t.c_oid is not None and t.c_oid in wanted and t.order_id is not None
        }
        return seen, True

    async def _with_status(self, sighting: Sighting) -> Sighting:
        """A sighting from trades carries no status: ask for it (best effort)."""
        if sighting.status is not None:
            return sighting
        try:
            status = await self._reads.order_status(sighting.order_id)
        except errors.IBKRError as exc:
            logger.info("order %d: status unreadable after a look-up: %s", sighting.order_id, exc)
            return sighting
        return attrs.evolve(sighting, status=status.status)

    async def status(self, order_id: int) -> OrderStatus:
        """One order's status (a failure raises the client's error)."""
        return await self._reads.order_status(order_id)


def describe(checked: Sequence[str]) -> str:
    """``checked`` as a short list for a message."""
    return ", ".join(checked) if checked else "nothing"
