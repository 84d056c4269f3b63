"""Rate limits per IBKR's table, the penalty box, and switching limits off."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from ibkr_webapi.testing import GatewaySimulator

from .helpers import AAPL

TOO_MANY = {"error": "Too many requests", "statusCode": 429}


@pytest.fixture
def limited(make_sim: Callable[..., GatewaySimulator]) -> GatewaySimulator:
    return make_sim(rate_limits=True, penalty_box=60)


@pytest.fixture
async def http(limited: GatewaySimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with limited.client() as client:
        yield client


async def statuses(
    http: httpx.AsyncClient, count: int, method: str, path: str, **kwargs: Any
) -> list[int]:
    return [(await http.request(method, path, **kwargs)).status_code for _ in range(count)]


async def test_global_limit_is_10_per_second(
    limited: GatewaySimulator, http: httpx.AsyncClient
) -> None:
    codes = await statuses(http, 11, "GET", "/iserver/accounts")
    assert codes == [200] * 10 + [429]
    assert (await http.get("/iserver/accounts")).json() == TOO_MANY


async def test_penalty_box_keeps_refusing_then_opens(
    limited: GatewaySimulator, http: httpx.AsyncClient
) -> None:
    await statuses(http, 11, "GET", "/iserver/accounts")
    limited.advance(5)
    assert (
        await http.get("/iserver/accounts")
    ).status_code == 429  # window long passed, box still closed
    limited.advance(56)
    assert (await http.get("/iserver/accounts")).status_code == 200


async def test_snapshot_limit_is_10_per_second(
    limited: GatewaySimulator, http: httpx.AsyncClient
) -> None:
    await http.get("/iserver/accounts")
    limited.advance(1)
    params = {"conids": AAPL, "fields": "31"}
    assert await statuses(http, 11, "GET", "/iserver/marketdata/snapshot", params=params) == [
        200
    ] * 10 + [429]


@pytest.mark.parametrize(
    "path",
    [
        "/iserver/account/orders",
        "/iserver/account/pnl/partitioned",
        "/portfolio/accounts",
        "/portfolio/subaccounts",
    ],
)
async def test_one_request_per_5_seconds(
    limited: GatewaySimulator, http: httpx.AsyncClient, path: str
) -> None:
    await http.get("/iserver/accounts")
    limited.advance(1)
    assert await statuses(http, 2, "GET", path) == [200, 429]


async def test_slow_endpoint_allows_again_after_5_seconds(
    limited: GatewaySimulator, http: httpx.AsyncClient
) -> None:
    assert (await http.get("/portfolio/accounts")).status_code == 200
    limited.advance(5)
    assert (await http.get("/portfolio/accounts")).status_code == 200


async def test_tickle_limit_is_1_per_second(
    limited: GatewaySimulator, http: httpx.AsyncClient
) -> None:
    assert await statuses(http, 2, "POST", "/tickle", json={}) == [200, 429]


async def test_retry_after_header_when_configured(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    sim = make_sim(rate_limits=True, retry_after_header=True, penalty_box=30)
    async with sim.client() as client:
        await statuses(client, 2, "POST", "/tickle", json={})
        assert (await client.post("/tickle", json={})).headers["Retry-After"] == "30"


async def test_rate_limiting_can_be_switched_off(
    sim: GatewaySimulator, client: httpx.AsyncClient
) -> None:
    assert set(await statuses(client, 30, "POST", "/tickle", json={})) == {200}


async def test_scanner_params_once_per_15_minutes_and_scans_once_a_second(
    limited: GatewaySimulator, http: httpx.AsyncClient
) -> None:
    await http.get("/iserver/accounts")
    limited.advance(1)
    assert await statuses(http, 2, "GET", "/iserver/scanner/params") == [200, 429]
    for _ in range(14):  # keep the session alive; each step outlasts the 60 s penalty box
        limited.advance(60)
        assert (await http.post("/tickle", json={})).status_code == 200
    # 14 minutes on: still inside the window (5 % shorter than 15 minutes, rate_limit_tolerance)
    assert (await http.get("/iserver/scanner/params")).status_code == 429
    limited.advance(61)
    assert (await http.get("/iserver/scanner/params")).status_code == 200
    scan = {"instrument": "STK", "type": "TOP_PERC_GAIN", "location": "STK.US.MAJOR"}
    assert await statuses(http, 2, "POST", "/iserver/scanner/run", json=scan) == [200, 429]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/fyi/unreadnumber"),
        ("GET", "/fyi/notifications?max=5"),
        ("GET", "/fyi/settings"),
        ("GET", "/fyi/deliveryoptions"),
        ("GET", "/fyi/disclaimer/PF"),
    ],
)
async def test_every_fyi_route_once_a_second(
    limited: GatewaySimulator, http: httpx.AsyncClient, method: str, path: str
) -> None:
    assert await statuses(http, 2, method, path) == [200, 429]
    limited.release_penalty_box()
    limited.advance(1.1)
    assert (await http.request(method, path)).status_code == 200
