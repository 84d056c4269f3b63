"""Fixtures for the simulator's own tests: a manual clock, in-process clients, primed sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from ibkr_webapi.testing import GatewaySimulator, ManualClock, SimulatorConfig

from .helpers import prime


def pytest_configure(config: pytest.Config) -> None:
    # The plugin is an entry point once the package is installed; register it by hand otherwise.
    if not config.pluginmanager.has_plugin("ibkr_webapi"):
        config.pluginmanager.import_plugin("ibkr_webapi.testing.pytest_plugin")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_sim(clock: ManualClock) -> Callable[..., GatewaySimulator]:
    """Build a simulator on the manual clock; rate limits off unless asked for."""

    def make(**settings: Any) -> GatewaySimulator:
        settings.setdefault("rate_limits", False)
        return GatewaySimulator(SimulatorConfig(**settings), clock=clock)

    return make


@pytest.fixture
def sim(make_sim: Callable[..., GatewaySimulator]) -> GatewaySimulator:
    return make_sim()


@pytest.fixture
async def client(sim: GatewaySimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with sim.client() as http:
        yield http


@pytest.fixture
async def primed(client: httpx.AsyncClient) -> httpx.AsyncClient:
    await prime(client)
    return client
