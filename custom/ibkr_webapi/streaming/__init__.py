"""Streaming over the gateway's websocket: ``ib.stream.quotes(...)``, ``orders()``, ``pnl()`` ...

One websocket per client carries every subscription; each subscription is an async context manager
and an async iterator. See docs/streaming.md.
"""

from __future__ import annotations

from .events import (
    AccountsInfo,
    AccountSummaryUpdate,
    BookRow,
    BookUpdate,
    Bulletin,
    Connected,
    Disconnected,
    ErrorFrame,
    LedgerUpdate,
    MalformedFrame,
    Notification,
    OrderUpdate,
    PnlUpdate,
    ServerMessage,
    SessionStatus,
    StreamEvent,
    SystemInfo,
    Trade,
)
from .manager import StreamHost, StreamManager
from .options import QueryTokenSource, SessionHandover, StreamOptions
from .subscriptions import Subscription

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
    "QueryTokenSource",
    "ServerMessage",
    "SessionHandover",
    "SessionStatus",
    "StreamEvent",
    "StreamHost",
    "StreamManager",
    "StreamOptions",
    "Subscription",
    "SystemInfo",
    "Trade",
]
