"""A built-in IBKR Client Portal gateway simulator, for demos, integration tests and offline testing.

    from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig, serve_gateway

    async with serve_gateway(SimulatorConfig(idle_timeout=30)) as gateway:
        async with IBKRClient(gateway.url, verify=gateway.verify) as ib:
            ...

or in-process: `GatewaySimulator().client()` / `httpx.ASGITransport(app=create_app(...))`.
Needs the `simulator` extra (starlette, uvicorn, cryptography). See docs/simulator.md.

Names are imported on first use, so that the pytest plugin (loaded by every pytest run where this
package is installed) does not need the extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._catalogue import Contract
    from ._clock import Clock, ManualClock
    from ._config import RateLimit, SimulatorConfig
    from ._faults import Faults, SimulatedDisconnect
    from ._gateway import GatewaySimulator, create_app
    from ._market import Quote
    from ._oauth1 import OAuth1Consumer, OAuth1Settings
    from ._oauth2 import OAuth2Client, OAuth2Settings
    from ._oauth_files import (
        load_oauth1_consumer,
        load_oauth2_client,
        write_oauth1_credentials,
        write_oauth2_credentials,
    )
    from ._server import GatewayServer, run, serve_gateway
    from ._simulator import Arrival
    from ._websocket import WebsocketHub
    from ._ws_settings import WebsocketSettings

_MODULES = {
    "Arrival": "._simulator",
    "Clock": "._clock",
    "Contract": "._catalogue",
    "Faults": "._faults",
    "GatewayServer": "._server",
    "GatewaySimulator": "._gateway",
    "ManualClock": "._clock",
    "OAuth1Consumer": "._oauth1",
    "OAuth1Settings": "._oauth1",
    "OAuth2Client": "._oauth2",
    "OAuth2Settings": "._oauth2",
    "load_oauth1_consumer": "._oauth_files",
    "load_oauth2_client": "._oauth_files",
    "write_oauth1_credentials": "._oauth_files",
    "write_oauth2_credentials": "._oauth_files",
    "Quote": "._market",
    "RateLimit": "._config",
    "SimulatedDisconnect": "._faults",
    "SimulatorConfig": "._config",
    "WebsocketHub": "._websocket",
    "WebsocketSettings": "._ws_settings",
    "create_app": "._gateway",
    "run": "._server",
    "serve_gateway": "._server",
}

__all__ = [
    "Arrival",
    "Clock",
    "Contract",
    "Faults",
    "GatewayServer",
    "GatewaySimulator",
    "ManualClock",
    "OAuth1Consumer",
    "OAuth1Settings",
    "OAuth2Client",
    "OAuth2Settings",
    "Quote",
    "RateLimit",
    "SimulatedDisconnect",
    "SimulatorConfig",
    "WebsocketHub",
    "WebsocketSettings",
    "create_app",
    "load_oauth1_consumer",
    "load_oauth2_client",
    "run",
    "serve_gateway",
    "write_oauth1_credentials",
    "write_oauth2_credentials",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
