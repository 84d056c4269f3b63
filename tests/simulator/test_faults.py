"""Fault injection: error rates, path patterns, latency, dropped connections, scheduled faults."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from ibkr_webapi.testing import Faults, GatewaySimulator, SimulatedDisconnect


async def test_no_faults_by_default(sim: GatewaySimulator, client: httpx.AsyncClient) -> None:
    assert {(await client.post("/tickle", json={})).status_code for _ in range(50)} == {200}


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_error_rate_per_status(
    sim: GatewaySimulator, client: httpx.AsyncClient, status: int
) -> None:
    sim.set_faults(Faults(error_rates={status: 1.0}))
    response = await client.post("/tickle", json={})
    assert response.status_code == status and response.json()["statusCode"] == status


async def test_partial_error_rate_is_seeded(make_sim: Callable[..., GatewaySimulator]) -> None:
    async def run() -> list[int]:
        sim = make_sim(faults=Faults(error_rates={503: 0.3}, seed=7))
        async with sim.client() as client:
            return [(await client.post("/tickle", json={})).status_code for _ in range(40)]

    first = await run()
    assert first == await run()
    assert 3 < first.count(503) < 25


async def test_faults_limited_to_a_path_pattern(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    sim.set_faults(Faults(error_rates={503: 1.0}, paths=("/iserver/marketdata/*",)))
    assert (
        await primed.get("/iserver/marketdata/snapshot", params={"conids": 8314})
    ).status_code == 503
    assert (await primed.get("/iserver/accounts")).status_code == 200


async def test_added_latency(sim: GatewaySimulator, client: httpx.AsyncClient) -> None:
    sim.set_faults(latency=0.15)
    started = time.perf_counter()
    assert (await client.post("/tickle", json={})).status_code == 200
    assert time.perf_counter() - started >= 0.15


async def test_dropped_connection_in_process(
    sim: GatewaySimulator, client: httpx.AsyncClient
) -> None:
    sim.set_faults(drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        await client.post("/tickle", json={})
    assert isinstance(caught.value, SimulatedDisconnect)


async def test_scheduled_failures_hit_only_the_next_requests(
    sim: GatewaySimulator, client: httpx.AsyncClient
) -> None:
    sim.fail_next(503, count=2, path="/tickle")
    sim.drop_next(path="/iserver/auth/status")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/iserver/auth/status", json={})
    codes = [(await client.post("/tickle", json={})).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


async def test_forced_session_expiry(sim: GatewaySimulator, primed: httpx.AsyncClient) -> None:
    sim.expire_session()
    assert (await primed.get("/iserver/accounts")).status_code == 401


async def test_faults_do_not_touch_control_routes(
    sim: GatewaySimulator, client: httpx.AsyncClient
) -> None:
    sim.set_faults(Faults(error_rates={500: 1.0}, drop_rate=0.0))
    response = await client.get("http://localhost:5000/_sim/state")
    assert response.status_code == 200 and response.json()["faults"]["error_rates"] == {"500": 1.0}
