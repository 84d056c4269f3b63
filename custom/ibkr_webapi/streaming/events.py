"""Typed updates the websocket delivers (market data is :class:`ibkr_webapi.Quote`).

Every class is frozen. ``raw`` keeps the wire object as received (merged, for orders), so a field
this client does not name is still there; JSON values are typed ``object``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import attrs

__all__ = [
    "AccountSummaryUpdate",
    "AccountsInfo",
    "BookRow",
    "BookUpdate",
    "Bulletin",
    "Connected",
    "Disconnected",
    "ErrorFrame",
    "LedgerUpdate",
    "MalformedFrame",
    "Notification",
    "OrderUpdate",
    "PnlUpdate",
    "ServerMessage",
    "SessionStatus",
    "StreamEvent",
    "SystemInfo",
    "Trade",
]

Json = Mapping[str, object]
FINAL_ORDER_STATUSES = frozenset({"Filled", "Cancelled", "Inactive", "ApiCancelled", "Rejected"})


@attrs.frozen
class OrderUpdate:
    """An order's state after a change: the full picture, merged from every row seen for it.

    ``changed`` names the wire keys this update brought; ``source`` is ``"stream"`` for a ``sor``
    frame and ``"rest"`` for the live-order list the client reads when a subscription starts and
    after every reconnect (the server replays nothing).
    """

    order_id: int
    account_id: str | None
    conid: int | None
    status: str | None
    side: str | None
    order_type: str | None
    ticker: str | None
    description: str | None
    filled_quantity: float | None
    remaining_quantity: float | None
    total_quantity: float | None
    price: float | None
    avg_price: float | None
    time_in_force: str | None
    c_oid: str | None
    """The client order id the order was placed with (the gateway's ``order_ref``)."""
    last_execution: datetime | None
    changed: frozenset[str]
    source: Literal["stream", "rest"]
    raw: Json = attrs.field(repr=False, hash=False, eq=False)

    @property
    def is_final(self) -> bool:
        """Filled, cancelled, inactive or rejected: nothing more will happen to the order."""
        return self.status in FINAL_ORDER_STATUSES


@attrs.frozen
class PnlUpdate:
    """P&L of one account partition (``spl``), e.g. ``U1234567.Core``."""

    partition: str
    account_id: str
    daily_pnl: float | None
    unrealized_pnl: float | None
    net_liquidation: float | None
    excess_liquidity: float | None
    market_value: float | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class Trade:
    """One execution (``str``); ``side`` is ``"BUY"`` or ``"SELL"``."""

    execution_id: str
    account_id: str | None
    conid: int | None
    symbol: str | None
    side: str | None
    size: float | None
    price: float | None
    commission: float | None
    net_amount: float | None
    exchange: str | None
    c_oid: str | None
    """The client order id its order was placed with (the gateway's ``order_ref``)."""
    description: str | None
    time: datetime | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class AccountSummaryUpdate:
    """One account summary item (``ssd``): a money amount with its currency, or a text value."""

    account_id: str
    key: str
    amount: float | None
    currency: str | None
    text: str | None
    timestamp: datetime | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class LedgerUpdate:
    """One currency of the cash ledger (``sld``); ``blank`` when the gateway said "no change"."""

    account_id: str
    currency: str
    cash_balance: float | None
    settled_cash: float | None
    net_liquidation: float | None
    unrealized_pnl: float | None
    realized_pnl: float | None
    stock_market_value: float | None
    exchange_rate: float | None
    timestamp: datetime | None
    blank: bool
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class BookRow:
    """One price level of the BookTrader ladder; ``focus`` marks the last traded price."""

    row: int
    price: float | None
    bid_size: float | None
    ask_size: float | None
    focus: bool


@attrs.frozen
class BookUpdate:
    """The whole price ladder of one contract (``sbd``)."""

    account_id: str
    conid: int
    rows: tuple[BookRow, ...]
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


# --- the events stream: the server's own messages and the connection's life --------------------


@attrs.frozen
class Connected:
    """The socket is open and authenticated; every subscription was (re)sent."""

    url: str
    reconnect: bool
    """False for the first connection, True after a drop."""


@attrs.frozen
class Disconnected:
    """The socket went away; the client reconnects by itself (``retry_in`` seconds from now)."""

    reason: str
    retry_in: float | None


@attrs.frozen
class SessionStatus:
    """An ``sts`` frame: the brokerage session's state (``None`` where the frame said nothing)."""

    authenticated: bool | None
    competing: bool | None
    connected: bool | None
    message: str | None
    fail: str | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class SystemInfo:
    """The ``system`` greeting after connecting: who is logged in."""

    username: str | None
    is_paper: bool | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class AccountsInfo:
    """The ``act`` frame: the accounts of this login (like ``/iserver/accounts``)."""

    accounts: tuple[str, ...]
    selected_account: str | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class Notification:
    """An ``ntf`` frame; a prompt about an order carries ``order_id`` and ``options``."""

    id: str | None
    title: str | None
    text: str | None
    url: str | None
    order_id: int | None
    options: tuple[str, ...]
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class Bulletin:
    """A ``blt`` frame: an exchange or IBKR bulletin."""

    id: str | None
    message: str | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class ErrorFrame:
    """An error frame from the server (``{"error": ..., "code": ...}``)."""

    message: str
    code: int | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class ServerMessage:
    """Any other server frame (acknowledgements, topics this client does not decode)."""

    topic: str | None
    raw: Json = attrs.field(repr=False, hash=False, eq=False)


@attrs.frozen
class MalformedFrame:
    """A frame that could not be read; the reader skipped it and carried on."""

    reason: str
    excerpt: str
    """The start of the frame (at most 200 characters)."""


StreamEvent = (
    Connected
    | Disconnected
    | SessionStatus
    | SystemInfo
    | AccountsInfo
    | Notification
    | Bulletin
    | ErrorFrame
    | ServerMessage
    | MalformedFrame
)
"""What ``ib.stream.events()`` yields."""
