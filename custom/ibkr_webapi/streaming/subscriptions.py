"""Subscriptions: what each ``async with ib.stream.xxx(...)`` wants, and where its updates wait.

A subscription names stream keys (``md+265598``, ``or``, ``sd+U1234567`` ...) and holds one buffer.
The manager routes decoded frames to the subscriptions that want them; the registry turns the set of
live subscriptions into the subscribe frames the socket must carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from .. import errors
from ..snapshot import Quote
from . import frames
from .buffers import BoundedBuffer, Buffer, ConflatingBuffer
from .decoders import order_fingerprint
from .events import (
    AccountSummaryUpdate,
    BookUpdate,
    LedgerUpdate,
    OrderUpdate,
    PnlUpdate,
    StreamEvent,
    Trade,
)

T = TypeVar("T")

__all__ = [
    "AccountSummarySubscription",
    "BookSubscription",
    "EventSubscription",
    "LedgerSubscription",
    "OrderSubscription",
    "PnlSubscription",
    "QuoteSubscription",
    "Registry",
    "Subscription",
    "TradeSubscription",
]


class SubscriptionHost(Protocol):
    """What a subscription needs from the stream manager: joining and leaving the socket."""

    async def attach(self, sub: Subscription[Any]) -> None: ...

    async def detach(self, sub: Subscription[Any]) -> None: ...


class Subscription(Generic[T]):
    """An async context manager and async iterator over one kind of update.

    ``async with`` subscribes (and waits for a working connection), iterating yields updates until
    the block is left, and leaving unsubscribes. The iterator never ends by itself: when the stream
    cannot go on it raises a :class:`errors.StreamError` subclass that says why.
    """

    kind = "stream"

    def __init__(self, manager: SubscriptionHost, keys: tuple[str, ...], buffer: Buffer[T]) -> None:
        self._manager = manager
        self.keys = keys
        self._buffer = buffer
        self._state = "new"  # new -> open -> closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {' '.join(self.keys) or self.kind} {self._state}>"

    @property
    def active(self) -> bool:
        return self._state == "open"

    async def __aenter__(self) -> Subscription[T]:
        if self._state != "new":
            raise errors.ConfigurationError(
                "a stream subscription can be entered once; ask ib.stream for a new one"
            )
        self._state = "open"
        try:
            await self._manager.attach(self)
        except BaseException:
            self._state = "closed"
            await self._manager.detach(self)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Unsubscribe (what leaving the ``async with`` block does)."""
        if self._state == "closed":
            return
        self._state = "closed"
        self._buffer.fail(errors.StreamClosedError("this subscription was closed"))
        await self._manager.detach(self)

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        if self._state == "new":
            raise errors.ConfigurationError(
                "enter the subscription first: `async with ib.stream.quotes(...) as quotes:` "
                "then `async for quote in quotes:`"
            )
        return await self._buffer.get()

    def fail(self, error: BaseException) -> None:
        """End this subscription with ``error`` (after what is already buffered)."""
        self._buffer.fail(error)

    def subscribe_frame(self, key: str) -> str:
        """The frame that subscribes ``key`` for this subscription alone."""
        raise NotImplementedError


class QuoteSubscription(Subscription[Quote]):
    """Level-1 quotes of some conids, conflated per conid."""

    kind = "quotes"

    def __init__(self, manager: SubscriptionHost, conids: list[int], fields: list[str]) -> None:
        self.conids = tuple(conids)
        self.fields = tuple(fields)
        self.quotes: ConflatingBuffer[int, Quote] = ConflatingBuffer()
        super().__init__(manager, tuple(f"md+{c}" for c in conids), self.quotes)

    def subscribe_frame(self, key: str) -> str:
        return frames.market_data(int(key.partition("+")[2]), self.fields)


class OrderSubscription(Subscription[OrderUpdate]):
    """Order changes, never dropped; duplicates (same state twice) are filtered out."""

    kind = "orders"

    def __init__(self, manager: SubscriptionHost, capacity: int, snapshot: bool) -> None:
        self.updates: BoundedBuffer[OrderUpdate] = BoundedBuffer(capacity, "orders")
        self.snapshot = snapshot
        self._seen: dict[int, tuple[object, ...]] = {}
        super().__init__(manager, ("or",), self.updates)

    def subscribe_frame(self, key: str) -> str:
        return frames.orders()

    def offer(self, update: OrderUpdate) -> None:
        """Deliver ``update`` unless this subscription already saw the same state of the order."""
        fingerprint = order_fingerprint(update.raw)
        if self._seen.get(update.order_id) == fingerprint:
            return
        self._seen[update.order_id] = fingerprint
        self.updates.put(update)

    def seen(self, order_id: int) -> bool:
        return order_id in self._seen


class PnlSubscription(Subscription[PnlUpdate]):
    """P&L per account partition, conflated per partition."""

    kind = "pnl"

    def __init__(self, manager: SubscriptionHost) -> None:
        self.updates: ConflatingBuffer[str, PnlUpdate] = ConflatingBuffer()
        super().__init__(manager, ("pl",), self.updates)

    def subscribe_frame(self, key: str) -> str:
        return frames.pnl()


class TradeSubscription(Subscription[Trade]):
    """Executions, never dropped, each execution id once (the server resends history on subscribe)."""

    kind = "trades"

    def __init__(self, manager: SubscriptionHost, capacity: int, days: int | None) -> None:
        self.updates: BoundedBuffer[Trade] = BoundedBuffer(capacity, "trades")
        self.days = days
        self._seen: set[str] = set()
        super().__init__(manager, ("tr",), self.updates)

    def subscribe_frame(self, key: str) -> str:
        return frames.trades(days=self.days)

    def offer(self, trade: Trade) -> None:
        if trade.execution_id in self._seen:
            return
        self._seen.add(trade.execution_id)
        self.updates.put(trade)


class AccountSummarySubscription(Subscription[AccountSummaryUpdate]):
    """Account summary items of one account, conflated per key."""

    kind = "account_summary"

    def __init__(
        self, manager: SubscriptionHost, account: str, keys: tuple[str, ...] | None
    ) -> None:
        self.account = account
        self.summary_keys = keys
        self.updates: ConflatingBuffer[str, AccountSummaryUpdate] = ConflatingBuffer()
        super().__init__(manager, (f"sd+{account}",), self.updates)

    def subscribe_frame(self, key: str) -> str:
        return frames.account_summary(self.account, self.summary_keys)

    def wants(self, key: str) -> bool:
        return self.summary_keys is None or key in self.summary_keys


class LedgerSubscription(Subscription[LedgerUpdate]):
    """The cash ledger of one account, conflated per currency."""

    kind = "ledger"

    def __init__(self, manager: SubscriptionHost, account: str) -> None:
        self.account = account
        self.updates: ConflatingBuffer[str, LedgerUpdate] = ConflatingBuffer()
        super().__init__(manager, (f"ld+{account}",), self.updates)

    def subscribe_frame(self, key: str) -> str:
        return frames.ledger(self.account)


class BookSubscription(Subscription[BookUpdate]):
    """The price ladder of one contract, conflated (the latest ladder wins)."""

    kind = "book"

    def __init__(
        self, manager: SubscriptionHost, account: str, conid: int, exchange: str | None
    ) -> None:
        self.account, self.conid, self.exchange = account, conid, exchange
        self.updates: ConflatingBuffer[int, BookUpdate] = ConflatingBuffer()
        super().__init__(manager, (f"bd+{account}+{conid}",), self.updates)

    def subscribe_frame(self, key: str) -> str:
        return frames.book(self.account, self.conid, self.exchange)


class EventSubscription(Subscription[StreamEvent]):
    """The server's own messages and the connection's life, never dropped."""

    kind = "events"

    def __init__(self, manager: SubscriptionHost, capacity: int) -> None:
        self.updates: BoundedBuffer[StreamEvent] = BoundedBuffer(capacity, "events")
        super().__init__(manager, (), self.updates)


def _merge_fields(frames_by_sub: Iterable[QuoteSubscription]) -> list[str]:
    fields: dict[str, None] = {}
    for sub in frames_by_sub:
        fields.update(dict.fromkeys(sub.fields))
    return list(fields)


class Registry:
    """Live subscriptions by stream key, and the subscribe frame each key needs now."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[Subscription[Any]]] = {}
        self.all: list[Subscription[Any]] = []

    def add(self, sub: Subscription[Any]) -> None:
        self.all.append(sub)
        for key in sub.keys:
            self.by_key.setdefault(key, []).append(sub)

    def remove(self, sub: Subscription[Any]) -> None:
        if sub in self.all:
            self.all.remove(sub)
        for key in sub.keys:
            subs = self.by_key.get(key)
            if subs is not None and sub in subs:
                subs.remove(sub)
                if not subs:
                    del self.by_key[key]

    def of_kind(self, kind: type[T]) -> list[T]:
        return [sub for sub in self.all if isinstance(sub, kind)]

    def frames(self) -> Mapping[str, str]:
        """Stream key -> subscribe frame, combining what every subscriber of the key asked for."""
        desired: dict[str, str] = {}
        for key, subs in self.by_key.items():
            kind = key.partition("+")[0]
            if kind == "md":
                quote_subs = [s for s in subs if isinstance(s, QuoteSubscription)]
                desired[key] = frames.market_data(
                    int(key.partition("+")[2]), _merge_fields(quote_subs)
                )
            elif kind == "sd":
                summary = [s for s in subs if isinstance(s, AccountSummarySubscription)]
                keys: dict[str, None] | None = {}
                for s in summary:
                    if s.summary_keys is None or keys is None:
                        keys = None
                    else:
                        keys.update(dict.fromkeys(s.summary_keys))
                desired[key] = frames.account_summary(
                    key.partition("+")[2], None if keys is None else list(keys)
                )
            elif kind == "tr":
                days = [s.days for s in subs if isinstance(s, TradeSubscription)]
                known = [d for d in days if d is not None]
                desired[key] = frames.trades(days=max(known) if known else None)
            else:
                desired[key] = subs[0].subscribe_frame(key)
        return desired
