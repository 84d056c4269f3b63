"""The client against the simulator over real loopback HTTPS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ibkr_webapi import IBKRClient, PreflightPolicy, RateLimitPolicy
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway

ACCOUNT = "U1234567"


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    config = SimulatorConfig(
        positions={"U1234567": 237, "U7654321": 4},
        rate_limits=False,
        order_submit_delay=0.01,
        order_fill_delay=0.02,
    )
    async with serve_gateway(config, port=0, tls=True) as server:
        yield server


@pytest.fixture(params=["httpx", "aiohttp"])
async def ib(gateway: GatewayServer, request: pytest.FixtureRequest) -> AsyncIterator[IBKRClient]:
    """A client on each network layer (``http_backend``): every test using it runs on both."""
    async with IBKRClient(
        gateway.url,
        verify=gateway.ca_path,
        http_backend=request.param,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        preflight=PreflightPolicy(max_polls=6, interval=0.05),
        reauth_poll_interval=0.05,
    ) as client:
        yield client
