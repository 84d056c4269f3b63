"""Knobs of the simulator's websocket (``SimulatorConfig.websocket``). Durations in real seconds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class WebsocketSettings:
    """How the simulated ``/v1/api/ws`` behaves.

    ``session_modes`` lists the hand-overs accepted: ``cookie`` (``api=<session>``), ``cookie-json``
    (``api={"session":"<session>"}``) and ``frame`` (a ``{"session": ...}`` text frame);
    ``allow_no_session`` lets a socket without any of them in, as a gateway does for its own login.
    """

    heartbeat_interval: float = 10.0
    push_interval: float = 0.05
    """How often the feed loop looks at quotes, orders and the session."""
    market_data_interval: float = 0.5
    """Least time between two ``smd`` frames of one conid."""
    market_data_lifetime: float | None = 600.0
    """``smd`` streams end silently this long after their last subscribe (None: never)."""
    pnl_interval: float = 1.0
    summary_interval: float = 5.0
    ledger_interval: float = 10.0
    session_modes: tuple[str, ...] = ("cookie", "cookie-json", "frame")
    allow_no_session: bool = False
    max_market_data_lines: int = 100
    """Concurrent ``smd`` streams per socket; one more gets an error frame."""

    def __post_init__(self) -> None:
        if min(self.heartbeat_interval, self.push_interval, self.market_data_interval) <= 0:
            raise ValueError("websocket intervals must be positive")
