"""GatewaySimulator: the simulated gateway's state, served as an ASGI app (and steered in tests)."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from ._app import build_app
from ._config import SimulatorConfig
from ._simulator import SimulatorState
from ._websocket import WebsocketHub, hub_of

__all__ = ["DEFAULT_BASE_URL", "GatewaySimulator", "create_app"]

DEFAULT_BASE_URL = "https://localhost:5000/v1/api"


class GatewaySimulator(SimulatorState):
    """An in-memory IBKR Client Portal gateway.

    Serve it with `create_app(simulator)` (ASGI) or `serve_gateway(simulator=...)` (HTTPS), and
    steer it with the methods of its state: expire the session, inject faults, move the clock, add
    positions, fill orders.
    """

    _app: Starlette | None = None

    @property
    def app(self) -> Starlette:
        """The ASGI app serving this simulator (created once)."""
        if self._app is None:
            self._app = build_app(self)
        return self._app

    @property
    def websocket(self) -> WebsocketHub:
        """Controls of the open websockets: drop, stall, malformed frames, early market data end."""
        return hub_of(self)

    def client(self, base_url: str = DEFAULT_BASE_URL, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client wired in-process to this simulator (no sockets)."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=base_url, **kwargs
        )


def create_app(
    simulator: SimulatorState | None = None, *, config: SimulatorConfig | None = None
) -> Starlette:
    """The ASGI app of a simulated gateway: routes under /v1/api, control routes under /_sim.

    Pass a `GatewaySimulator` to keep a handle on its state, or just a config.
    """
    if simulator is None:
        return GatewaySimulator(config).app
    if config is not None:
        raise ValueError("pass either a simulator or a config, not both")
    if isinstance(simulator, GatewaySimulator):
        return simulator.app
    return build_app(simulator)
