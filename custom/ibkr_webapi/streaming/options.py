"""How the websocket connects and keeps itself alive: one frozen settings object.

Several protocol facts are unverified (which session hand-over the server wants, how long market
data lives); they are settings here, with the defaults the reference material supports best.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal, Protocol, runtime_checkable

import attrs

from .. import errors
from .._validators import at_least, at_most, optional_at_least, positive

__all__ = ["QueryTokenSource", "SessionHandover", "StreamOptions"]

SessionHandover = Literal["auto", "cookie", "cookie-json", "frame", "none"]
"""How the ``/tickle`` session reaches the socket.

``cookie``: ``api=<session>``; ``cookie-json``: ``api={"session":"<session>"}`` (what the popular
synchronous client sends to a gateway); ``frame``: a ``{"session": ...}`` text frame after
connecting; ``none``: nothing (the gateway's own login is enough); ``auto``: ``cookie-json`` to a
gateway, plain ``cookie`` with an OAuth query token. Every mode falls back to the frame when the
server answers "waiting for session".
"""


@runtime_checkable
class QueryTokenSource(Protocol):
    """What an OAuth auth object offers the websocket: query parameters for the upgrade request.

    OAuth 1.0a: ``{"oauth_token": <access token>}``; OAuth 2.0: ``{"bearer_token": <token>}`` (the
    parameter name the server wants is unverified: the auth object decides). The stream manager
    uses the client's ``auth`` when it has this method, or ``StreamOptions.query_token``.
    """

    def websocket_params(self) -> Awaitable[Mapping[str, str]]: ...


@attrs.frozen(kw_only=True)
class StreamOptions:
    """Settings of ``ib.stream`` (pass ``IBKRClient(..., streaming=StreamOptions(...))``)."""

    url: str | None = None
    """``wss://.../v1/api/ws``; derived from the client's base URL when None."""
    session_handover: SessionHandover = "auto"
    query_token: Callable[[], Awaitable[Mapping[str, str]]] | None = None
    """Query parameters for the upgrade (OAuth); the client's auth object is asked when None."""
    user_agent: str | None = None
    """The upgrade's User-Agent (IBKR wants one on api.ibkr.com); ``ibkr-webapi/<version>`` when None."""
    open_timeout: float = attrs.field(default=15.0, validator=positive)
    """Seconds for the TCP + TLS + upgrade handshake."""
    auth_wait: float = attrs.field(default=5.0, validator=at_least(0))
    """Seconds to wait for ``sts authenticated:true`` before asking REST ``auth/status``."""
    heartbeat_timeout: float = attrs.field(default=25.0, validator=positive)
    """A socket silent this long (the server sends a heartbeat every 10 s) is dead."""
    tic_interval: float = attrs.field(default=50.0, validator=positive)
    """How often to send ``tic`` (the server wants one at least every minute)."""
    ping_interval: float | None = attrs.field(default=10.0, validator=optional_at_least(0.001))
    """Websocket protocol pings (None: off); an unanswered ping also marks the socket dead."""
    market_data_refresh: float = attrs.field(default=540.0, validator=positive)
    """Re-send every ``smd`` this often: the gateway ends market data after 10-15 minutes."""
    reconnect_initial: float = attrs.field(default=0.5, validator=at_least(0))
    reconnect_max: float = attrs.field(default=30.0, validator=at_least(0))
    reconnect_jitter: float = attrs.field(default=0.5, validator=[at_least(0), at_most(1)])
    """Each wait is multiplied by a random factor in ``[1 - jitter, 1 + jitter]``."""
    give_up_after: float | None = attrs.field(default=600.0, validator=optional_at_least(0))
    """Seconds without a working connection after which subscriptions raise (None: never)."""
    connect_timeout: float = attrs.field(default=60.0, validator=positive)
    """Seconds ``async with ib.stream....`` waits for the first working connection."""
    reauth_interval: float = attrs.field(default=5.0, validator=at_least(0))
    """Minimum seconds between attempts to re-open the brokerage session from the stream."""
    buffer_size: int = attrs.field(default=10_000, validator=at_least(1))
    """Orders, trades and events a consumer may fall behind before it gets an overflow error."""
    trade_days: int | None = None
    """Days of executions (1-7) the ``str`` subscription asks for; None: the server's default."""
    max_frame_bytes: int = 4 * 1024 * 1024

    def __attrs_post_init__(self) -> None:
        for name in ("open_timeout", "auth_wait", "heartbeat_timeout", "tic_interval"):
            if getattr(self, name) <= 0:
                raise errors.ConfigurationError(f"StreamOptions.{name} must be positive")
        if self.market_data_refresh <= 0 or self.connect_timeout <= 0:
            raise errors.ConfigurationError(
                "StreamOptions.market_data_refresh and connect_timeout must be positive"
            )
        if not 0 <= self.reconnect_jitter < 1:
            raise errors.ConfigurationError("StreamOptions.reconnect_jitter must be in [0, 1)")
        if self.reconnect_initial <= 0 or self.reconnect_max < self.reconnect_initial:
            raise errors.ConfigurationError(
                "StreamOptions: 0 < reconnect_initial <= reconnect_max is required"
            )
        if self.trade_days is not None and not 1 <= self.trade_days <= 7:
            raise errors.ConfigurationError("StreamOptions.trade_days must be between 1 and 7")
        if self.buffer_size < 1:
            raise errors.ConfigurationError("StreamOptions.buffer_size must be at least 1")
