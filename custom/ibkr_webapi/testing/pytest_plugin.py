"""pytest fixtures for testing against the simulated gateway (registered as a pytest11 plugin).

- `ibkr_simulator_config`: the SimulatorConfig used by the other fixtures; override it in a conftest.
- `ibkr_simulator`: an in-process GatewaySimulator (use `.client()` for an httpx client on it).
- `ibkr_gateway`: the same simulator served over loopback HTTPS (`.url`, `.ca_path`, `.verify`).
- `ibkr_client`: an `ibkr_webapi.IBKRClient` connected to `ibkr_gateway`.

pytest loads this module wherever the package is installed, so it imports nothing optional at import
time: the `testing` extra (the simulator, pytest-asyncio) is only needed by the tests that use the
async fixtures. See docs/testing.md.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from .._client import IBKRClient
    from ._config import SimulatorConfig
    from ._gateway import GatewaySimulator
    from ._server import GatewayServer

F = TypeVar("F", bound=Callable[..., object])


def _async_fixture(function: F) -> F:
    """An async fixture for pytest-asyncio in any mode (``auto`` or ``strict``)."""
    try:
        plugin = importlib.import_module("pytest_asyncio")
    except ImportError:  # said clearly when a test uses the fixture
        return cast(F, pytest.fixture(_needs_pytest_asyncio(function)))
    fixture: F = plugin.fixture(function)
    return fixture


def _needs_pytest_asyncio(function: F) -> F:
    def fail(*args: object, **kwargs: object) -> object:
        raise pytest.UsageError(
            f"the {function.__name__} fixture is async and needs pytest-asyncio: "
            "pip install 'ibkr-webapi-client[testing]'"
        )

    fail.__name__ = function.__name__
    fail.__doc__ = function.__doc__
    fail.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
    return fail  # type: ignore[return-value]


@pytest.fixture
def ibkr_simulator_config() -> SimulatorConfig:
    """Default simulator settings; override this fixture to change them."""
    from ._config import SimulatorConfig

    return SimulatorConfig()


@pytest.fixture
def ibkr_simulator(ibkr_simulator_config: SimulatorConfig) -> GatewaySimulator:
    """A fresh in-process simulator."""
    from ._gateway import GatewaySimulator

    return GatewaySimulator(ibkr_simulator_config)


@_async_fixture
async def ibkr_gateway(ibkr_simulator: GatewaySimulator) -> AsyncIterator[GatewayServer]:
    """`ibkr_simulator` served over loopback HTTPS on a free port."""
    from ._server import serve_gateway

    async with serve_gateway(simulator=ibkr_simulator) as gateway:
        yield gateway


@_async_fixture
async def ibkr_client(ibkr_gateway: GatewayServer) -> AsyncIterator[IBKRClient]:
    """An `IBKRClient` talking to `ibkr_gateway`, verifying its certificate (account U1234567).

    Its pacing budget lives in memory: a simulated gateway of one test shares nothing (no
    penalty hold, no budget) with other tests or with your real gateway's host-local budget.
    """
    from .._client import IBKRClient
    from ..pacing import Pacer

    account = ibkr_gateway.simulator.config.accounts[0]
    async with IBKRClient(
        ibkr_gateway.url,
        verify=ibkr_gateway.verify,
        account_id=account,
        pacer=Pacer(store="memory"),
    ) as client:
        yield client
