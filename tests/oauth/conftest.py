"""Fixtures for the OAuth tests: generated credential sets and simulators that act as api.ibkr.com."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ibkr_webapi import IBKRClient, PreflightPolicy, RateLimitPolicy
from ibkr_webapi.testing import (
    GatewayServer,
    OAuth1Consumer,
    OAuth1Settings,
    OAuth2Client,
    OAuth2Settings,
    SimulatorConfig,
    serve_gateway,
    write_oauth1_credentials,
    write_oauth2_credentials,
)

ACCOUNT = "U1234567"
AAPL = 265598


@dataclass(frozen=True)
class OAuth1Set:
    directory: Path
    consumer: OAuth1Consumer


@dataclass(frozen=True)
class OAuth2Set:
    directory: Path
    client: OAuth2Client


@pytest.fixture(scope="session")
def oauth1_set(tmp_path_factory: pytest.TempPathFactory) -> OAuth1Set:
    directory = tmp_path_factory.mktemp("oauth1")
    return OAuth1Set(directory, write_oauth1_credentials(directory, consumer_key="SIMCONSMR"))


@pytest.fixture(scope="session")
def oauth2_set(tmp_path_factory: pytest.TempPathFactory) -> OAuth2Set:
    directory = tmp_path_factory.mktemp("oauth2")
    return OAuth2Set(directory, write_oauth2_credentials(directory, client_id="sim-client"))


def sim_config(**changes: Any) -> SimulatorConfig:
    options: dict[str, Any] = {
        "rate_limits": False,
        "order_submit_delay": 0.01,
        "order_fill_delay": 0.02,
    }
    options.update(changes)
    return SimulatorConfig(**options)


@pytest.fixture
async def gateway1(oauth1_set: OAuth1Set) -> AsyncIterator[GatewayServer]:
    config = sim_config(oauth1=OAuth1Settings(consumers=(oauth1_set.consumer,)))
    async with serve_gateway(config) as server:
        yield server


@pytest.fixture
async def gateway2(oauth2_set: OAuth2Set) -> AsyncIterator[GatewayServer]:
    config = sim_config(oauth2=OAuth2Settings(clients=(oauth2_set.client,)))
    async with serve_gateway(config) as server:
        yield server


def fast(**overrides: Any) -> dict[str, Any]:
    """Client options for tests: no keepalive, no pacing, short polls."""
    options: dict[str, Any] = {
        "keepalive": None,
        "rate_limits": RateLimitPolicy.off(),
        "preflight": PreflightPolicy(max_polls=6, interval=0.05),
        "reauth_poll_interval": 0.05,
    }
    options.update(overrides)
    return options


ClientFactory = Callable[..., IBKRClient]
