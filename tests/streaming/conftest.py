"""Fixtures: the simulator over loopback HTTPS with a fast websocket, and a client tuned to match."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ibkr_webapi import IBKRClient, PreflightPolicy, RateLimitPolicy
from ibkr_webapi.streaming import StreamOptions
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, WebsocketSettings, serve_gateway

ACCOUNT = "U1234567"
AAPL, IBM = 265598, 8314
TASK_PREFIX = "ibkr-webapi-stream"

FAST_SOCKET = WebsocketSettings(
    heartbeat_interval=0.3,
    push_interval=0.02,
    market_data_interval=0.05,
    pnl_interval=0.1,
    summary_interval=0.2,
    ledger_interval=0.2,
)


def fast_options(**changes: Any) -> StreamOptions:
    """Short timeouts so reconnects happen quickly (the behaviour, not the speed, is tested)."""
    settings: dict[str, Any] = {
        "heartbeat_timeout": 2.0,
        "tic_interval": 0.5,
        "auth_wait": 0.5,
        "reconnect_initial": 0.05,
        "reconnect_max": 0.3,
        "reauth_interval": 0.2,
        "connect_timeout": 20.0,
        "give_up_after": 60.0,
    }
    settings.update(changes)
    return StreamOptions(**settings)


def sim_config(**changes: Any) -> SimulatorConfig:
    settings: dict[str, Any] = {
        "rate_limits": False,
        "order_submit_delay": 0.05,
        "order_fill_delay": 0.1,
        "websocket": FAST_SOCKET,
    }
    settings.update(changes)
    return SimulatorConfig(**settings)


@pytest.fixture
def config() -> SimulatorConfig:
    return sim_config()


@pytest.fixture
async def gateway(config: SimulatorConfig) -> AsyncIterator[GatewayServer]:
    async with serve_gateway(config, port=0, tls=True) as server:
        yield server


@pytest.fixture
def options() -> StreamOptions:
    return fast_options()


def make_client(gateway: GatewayServer, options: StreamOptions, **kwargs: Any) -> IBKRClient:
    return IBKRClient(
        gateway.url,
        verify=gateway.ca_path,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        preflight=PreflightPolicy(max_polls=6, interval=0.05),
        reauth_poll_interval=0.05,
        streaming=options,
        **kwargs,
    )


@pytest.fixture
async def ib(gateway: GatewayServer, options: StreamOptions) -> AsyncIterator[IBKRClient]:
    async with make_client(gateway, options) as client:
        yield client


def stream_tasks() -> list[asyncio.Task[Any]]:
    """The stream's own tasks still alive (the simulator's are not counted)."""
    return [t for t in asyncio.all_tasks() if t.get_name().startswith(TASK_PREFIX) and not t.done()]


async def eventually(check: Callable[[], bool], within: float = 20.0) -> None:
    """Wait until ``check()`` holds (generous timeout: behaviour, not speed, is tested)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
