"""Pacing against the simulator over loopback HTTPS, with arrival jitter: no 429, ever.

The simulator counts arrivals per client IP with IBKR's limits; with `arrival_jitter=0.1` every
request waits a random 0-100 ms before it is counted. The volume tests scale the simulator's
limits and the client's policy together (x10: 100 requests/s, the same 100 ms margin) so 1,000
requests take ~11 s; one test runs IBKR's real numbers (10/s) at a smaller volume.
Run the long ones alone with ``pytest -m pacing_long``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from ibkr_webapi import IBKRClient, Pacer, RateLimitPolicy, RetryPolicy, errors
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway
from ibkr_webapi.testing._load import run_load

SCALE = 10
JITTER = SimulatorConfig(arrival_jitter=0.1, penalty_box=600.0, history_delay=0.02)


@pytest.fixture
async def scaled_gateway() -> AsyncIterator[GatewayServer]:
    async with serve_gateway(JITTER.scaled_rate_limits(SCALE), port=0) as gateway:
        yield gateway


def _assert_all_ok(result: dict[str, object]) -> None:
    outcomes = result["outcomes"]
    assert isinstance(outcomes, dict)
    assert set(outcomes) == {"200"}, outcomes


@pytest.mark.pacing_long
async def test_1000_mixed_requests_from_one_client_get_no_429(
    scaled_gateway: GatewayServer,
) -> None:
    result = await run_load(
        scaled_gateway.url, str(scaled_gateway.ca_path), count=1000, scale=SCALE, store="memory"
    )
    assert scaled_gateway.simulator.rate_limited == 0
    _assert_all_ok(result)


async def _workers(
    gateway: GatewayServer, store: str, processes: int = 4, total: int = 1000
) -> list[dict[str, object]]:
    start_at = time.time() + 3.0  # all four begin together, after their imports
    commands = [
        [
            sys.executable,
            "-m",
            "ibkr_webapi.testing._load",
            "--url",
            gateway.url,
            "--ca",
            str(gateway.ca_path),
            "--count",
            str(total // processes),
            "--scale",
            str(SCALE),
            "--store",
            store,
            "--seed",
            str(seed),
            "--concurrency",
            "16",
            "--start-at",
            str(start_at),
        ]
        for seed in range(processes)
    ]
    children = [
        await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(os.environ),
        )
        for command in commands
    ]
    results = []
    for child in children:
        out, err = await asyncio.wait_for(child.communicate(), timeout=300)
        assert child.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out))
    return results


@pytest.mark.pacing_long
async def test_1000_mixed_requests_from_4_processes_sharing_the_host_budget(
    scaled_gateway: GatewayServer,
) -> None:
    results = await _workers(scaled_gateway, "host")
    assert scaled_gateway.simulator.rate_limited == 0
    for result in results:
        _assert_all_ok(result)


@pytest.mark.pacing_long
async def test_1000_mixed_requests_from_4_processes_sharing_a_redis_budget(
    scaled_gateway: GatewayServer, redis_url: str
) -> None:
    results = await _workers(scaled_gateway, redis_url)
    assert scaled_gateway.simulator.rate_limited == 0
    for result in results:
        _assert_all_ok(result)


@pytest.mark.pacing_long
async def test_ibkrs_real_limits_hold_under_jitter() -> None:
    """10 requests/s, 1 per 5 s, 1/s for tickles: IBKR's own numbers, at a smaller volume."""
    async with serve_gateway(JITTER, port=0) as gateway:
        result = await run_load(gateway.url, str(gateway.ca_path), count=80, store="memory")
        arrivals = [a.at for a in gateway.simulator.arrivals]
    assert gateway.simulator.rate_limited == 0
    _assert_all_ok(result)
    for i, start in enumerate(arrivals):  # what the gateway saw: never 11 in a second
        assert sum(1 for t in arrivals[i:] if t < start + 1.0) <= 10


async def test_after_one_injected_429_nothing_reaches_the_gateway_during_the_hold() -> None:
    hold = 2.0
    async with serve_gateway(SimulatorConfig(arrival_jitter=0.02), port=0) as gateway:
        sim = gateway.simulator
        policy = RateLimitPolicy(penalty_hold=hold)
        pacer = Pacer(policy)  # the host-local budget, shared with `impatient` below
        async with (
            IBKRClient(gateway.url, verify=gateway.ca_path, keepalive=None, pacer=pacer) as ib,
            IBKRClient(
                gateway.url,
                verify=gateway.ca_path,
                keepalive=None,
                pacer=Pacer(policy, store="memory"),
            ) as unrelated,  # another budget: proves the simulator is listening all along
        ):
            http = ib.raw.get_async_httpx_client()
            await http.get("/iserver/accounts")
            sim.fail_next(429, path="/iserver/contract/*")
            patient = [asyncio.create_task(http.get("/iserver/contract/265598/info"))]
            patient += [asyncio.create_task(http.get("/iserver/accounts")) for _ in range(5)]
            await asyncio.sleep(0.5)
            # Another process's pacer, say, on the same gateway, for callers that cannot wait.
            impatient = Pacer(RateLimitPolicy(penalty_hold=hold, max_wait=0.2))
            impatient.bind(gateway.url)
            with pytest.raises(errors.RateLimitError) as caught:
                await impatient.acquire("GET", "/iserver/accounts")
            assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= hold
            await asyncio.sleep(0.3)
            assert (await unrelated.raw.get_async_httpx_client().post("/tickle")).status_code == 200
            answers = await asyncio.gather(*patient)
    assert [a.status_code for a in answers] == [200] * 6  # retried after the hold, not into it
    mine = [a for a in sim.arrivals if a.path != "/tickle"]
    refused = next(a for a in mine if a.status == 429)
    during = [a for a in mine if refused.at < a.at < refused.at + hold - 0.05]
    assert during == []
    assert sim.rate_limited == 0


async def test_without_retry_after_the_default_hold_is_ibkrs_penalty_box() -> None:
    async with serve_gateway(SimulatorConfig(), port=0) as gateway:
        sim = gateway.simulator
        async with IBKRClient(
            gateway.url,
            verify=gateway.ca_path,
            keepalive=None,
            pacer=Pacer(RateLimitPolicy(max_wait=5), store="memory"),
        ) as ib:
            await ib.accounts()
            sim.fail_next(429, path="/iserver/secdef/search")
            with pytest.raises(errors.RateLimitError) as first:
                await ib.search_contracts("AAPL")
            seen = len(sim.arrivals)
            for _ in range(3):  # no pre-flight, no retry, nothing: callers learn at once
                with pytest.raises(errors.RateLimitError) as later:
                    await ib.snapshot([265598], fields=["last_price"])
                assert later.value.retry_after is not None and later.value.retry_after > 890
    assert first.value.retry_after == pytest.approx(900, abs=2)
    assert len(sim.arrivals) == seen


@pytest.mark.pacing_long
async def test_500_call_storm_with_expiries_reopens_once_per_expiry_quickly(
    scaled_gateway: GatewayServer,
) -> None:
    sim = scaled_gateway.simulator
    expiries: list[float] = []

    async def expire() -> None:
        for _ in range(3):
            await asyncio.sleep(1.5)
            expiries.append(sim.now())
            sim.expire_session()

    async with IBKRClient(
        scaled_gateway.url,
        verify=scaled_gateway.ca_path,
        keepalive=None,
        pacer=Pacer(RateLimitPolicy().scaled(SCALE), store="memory"),
        retry=RetryPolicy(max_rate_limit_wait=1.0),
        reauth_poll_interval=0.05,
    ) as ib:
        http = ib.raw.get_async_httpx_client()
        conids = (265598, 8314, 272093)
        calls = [http.get(f"/iserver/contract/{conids[i % 3]}/info") for i in range(500)]
        storm = asyncio.gather(*calls)
        await asyncio.gather(storm, expire())
        answers = storm.result()
    assert [a.status_code for a in answers] == [200] * 500
    inits = [a for a in sim.arrivals if a.path == "/iserver/auth/ssodh/init"]
    assert len(inits) == len(expiries) == 3  # one ssodh/init per expiry
    for expired_at, init in zip(expiries, inits, strict=True):
        first_401 = next(a for a in sim.arrivals if a.at >= expired_at and a.status == 401)
        assert first_401.at <= init.at < first_401.at + 1.0
    assert sim.rate_limited == 0


def test_jitter_config_is_validated() -> None:
    with pytest.raises(ValueError, match="arrival_jitter"):
        replace(SimulatorConfig(), arrival_jitter=-1)


async def test_an_impatient_max_wait_still_reads_live_orders_through_their_preflight() -> None:
    """max_wait=1 is below the 5 s spacing of live orders: the call's own second look (the
    gateway's first answer is empty) still goes; a caller's fresh call right after does not."""
    async with (
        serve_gateway(SimulatorConfig(rate_limits=True), port=0, tls=True) as gateway,
        IBKRClient(
            gateway.url,
            verify=gateway.ca_path,
            keepalive=None,
            rate_limits=RateLimitPolicy(max_wait=1),
        ) as ib,
    ):
        assert await ib.live_orders() == []
        assert _looks(gateway) == 2  # the empty pre-flight answer, then the list
        with pytest.raises(errors.RateLimitError) as caught:
            await ib.live_orders()
        assert caught.value.retry_after is not None and caught.value.retry_after > 1
        assert _looks(gateway) == 2  # refused before sending
    assert gateway.simulator.rate_limited == 0


def _looks(gateway: GatewayServer) -> int:
    return sum(1 for a in gateway.simulator.arrivals if a.path.endswith("/iserver/account/orders"))
