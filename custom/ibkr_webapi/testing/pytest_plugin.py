"""pytest fixtures for testing against the simulated gateway (registered as a pytest11 plugin).

- `ibkr_simulator_config`: the SimulatorConfig used by the other fixtures; override it in a conftest.
- `ibkr_simulator`: an in-process GatewaySimulator (use `.client()` for an httpx client on it).
- `ibkr_gateway`: the same simulator served over loopback HTTPS (`.url`, `.ca_path`, `.verify`).
- `ibkr_client`: an `ibkr_webapi.IBKRClient` connected to `ibkr_gateway`.

pytest loads this module wherever the package is installed, so it imports nothing optional at import
time: the simulator extra and pytest-asyncio are only needed by the tests that use the fixtures.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._config import SimulatorConfig
    from ._server import GatewayServer
    from ._simulator import GatewaySimulator


def _async_fixture() -> Callable[[Any], Any]:
    try:
        plugin = importlib.import_module("pytest_asyncio")
    except ImportError:  # without pytest-asyncio the async fixtures cannot run anyway
        return pytest.fixture
    decorator: Callable[[Any], Any] = plugin.fixture
    return decorator


@pytest.fixture
def ibkr_simulator_config() -> SimulatorConfig:
    """Default simulator settings; override this fixture to change them."""
    from ._config import SimulatorConfig

    return SimulatorConfig()


@pytest.fixture
def ibkr_simulator(ibkr_simulator_config: SimulatorConfig) -> GatewaySimulator:
    """A fresh in-process simulator."""
    from ._simulator import GatewaySimulator

    return GatewaySimulator(ibkr_simulator_config)


@_async_fixture()
async def ibkr_gateway(ibkr_simulator: GatewaySimulator) -> AsyncIterator[GatewayServer]:
    """`ibkr_simulator` served over loopback HTTPS on a free port."""
    from ._server import serve_gateway

    async with serve_gateway(simulator=ibkr_simulator) as gateway:
        yield gateway


@_async_fixture()
async def ibkr_client(ibkr_gateway: GatewayServer) -> AsyncIterator[Any]:
    """An `IBKRClient` talking to `ibkr_gateway`, verifying its certificate.

    Its pacing budget lives in memory: a simulated gateway of one test shares nothing (no
    penalty hold, no budget) with other tests or with your real gateway's host-local budget.
    """
    package = importlib.import_module("ibkr_webapi")
    pacer = package.Pacer(store="memory")
    async with package.IBKRClient(
        ibkr_gateway.url, verify=ibkr_gateway.verify, pacer=pacer
    ) as client:
        yield client
