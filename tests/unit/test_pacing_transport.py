"""Pacer / PacingTransport: IBKR's limits enforced on our side, deterministically (fake clock).

The ``limits`` memory storage reads ``time.time()``; the tests point it at a fake clock that only
moves when the pacer sleeps, so "waits" are exact and instantaneous.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Iterator

import httpx
import limits.aio.storage.memory as limits_memory
import pytest
from limits.aio.storage import MemoryStorage

from ibkr_webapi import errors
from ibkr_webapi.transports.pacing import (
    EndpointRule,
    Pacer,
    PacingTransport,
    RateLimitPolicy,
)

BASE = "https://localhost:5000/v1/api"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock()
    monkeypatch.setattr(limits_memory, "time", types.SimpleNamespace(time=fake.time))
    yield fake


class Arrivals(httpx.AsyncBaseTransport):
    """Records (fake) arrival times and paths of the requests that got through."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.seen: list[tuple[float, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((self.clock.now - 1_000_000.0, request.url.path))
        return httpx.Response(200, json={})

    @property
    def times(self) -> list[float]:
        return [round(t, 3) for t, _ in self.seen]


def _pacer(clock: FakeClock, policy: RateLimitPolicy) -> Pacer:
    return Pacer(policy, clock=clock.time, sleep=clock.sleep)


def _client(pacer: Pacer, inner: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=BASE, transport=PacingTransport(inner, pacer))


async def test_global_rate_delays_requests(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    pacer = _pacer(clock, RateLimitPolicy(global_rate="2/second", rules=()))
    async with _client(pacer, inner) as client:
        for _ in range(5):
            await client.get("/iserver/accounts")
    assert inner.times == [0.0, 0.0, 1.0, 1.0, 2.0]


async def test_endpoint_rule_matches_path_relative_to_base(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    pacer = _pacer(clock, RateLimitPolicy(global_rate=None))  # IBKR's endpoint rules only
    async with _client(pacer, inner) as client:
        await client.get("/iserver/account/orders")
        await client.get("/iserver/account/orders")  # 1 per 5 s
        await client.get("/iserver/accounts")  # no rule: goes at once
    assert inner.seen == [
        (0.0, "/v1/api/iserver/account/orders"),
        (5.0, "/v1/api/iserver/account/orders"),
        (5.0, "/v1/api/iserver/accounts"),
    ]


async def test_endpoint_rule_method_must_match(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    policy = RateLimitPolicy(global_rate=None, rules=(EndpointRule("POST", "/x", rate="1/minute"),))
    async with _client(_pacer(clock, policy), inner) as client:
        await client.get("/x")
        await client.get("/x")
    assert inner.times == [0.0, 0.0]


async def test_wildcard_rule_covers_subpaths(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    pacer = _pacer(clock, RateLimitPolicy(global_rate=None))
    async with _client(pacer, inner) as client:
        await client.get("/fyi/unreadnumber")
        await client.get("/fyi/settings/ABC")  # same /fyi/** budget: 1/s
    assert inner.times == [0.0, 1.0]


def test_default_policy_has_ibkr_rules() -> None:
    policy = RateLimitPolicy()
    assert policy.global_rate == "10/second"
    assert RateLimitPolicy.oauth().global_rate == "50/second"
    keys = {r.key: r for r in policy.rules}
    assert keys["GET /iserver/marketdata/snapshot"].rate == "10/second"
    assert keys["GET /iserver/marketdata/history"].max_in_flight == 5
    assert keys["GET /portfolio/accounts"].rate == "1 per 5 seconds"
    assert keys["GET /sso/validate"].rate == "1/minute"
    assert [r.key for r in policy.matching("POST", "/pa/performance")] == ["* /pa/performance"]
    assert [r.key for r in policy.matching("POST", "/tickle")] == ["* /tickle"]
    assert policy.matching("GET", "/iserver/accounts") == []


def test_policy_rules_can_be_overridden_added_and_removed() -> None:
    policy = RateLimitPolicy().with_rule(
        EndpointRule("GET", "/iserver/account/orders", rate="1/second")
    )
    assert [r.rate for r in policy.matching("GET", "/iserver/account/orders")] == ["1/second"]
    policy = policy.with_rule(EndpointRule("GET", "/iserver/watchlists", rate="2/second"))
    assert policy.matching("GET", "/iserver/watchlists")[0].rate == "2/second"
    policy = policy.without_rule("GET", "/iserver/watchlists")
    assert policy.matching("GET", "/iserver/watchlists") == []
    with pytest.raises(KeyError):
        policy.without_rule("GET", "/nope")
    with pytest.raises(ValueError, match="not a rate"):
        EndpointRule("GET", "/x", rate="fast")


async def test_disabled_policy_never_waits(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    pacer = _pacer(clock, RateLimitPolicy(global_rate="1/minute").disabled())
    async with _client(pacer, inner) as client:
        for _ in range(3):
            await client.get("/iserver/accounts")
    assert inner.times == [0.0, 0.0, 0.0] and clock.sleeps == []


async def test_shared_pacer_gives_two_clients_one_budget(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    pacer = _pacer(clock, RateLimitPolicy(global_rate="2/second", rules=()))
    async with _client(pacer, inner) as first, _client(pacer, inner) as second:
        for _ in range(2):
            await first.get("/iserver/accounts")
            await second.get("/iserver/accounts")
    assert inner.times == [0.0, 0.0, 1.0, 1.0]


async def test_separate_pacers_have_separate_budgets(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    policy = RateLimitPolicy(global_rate="2/second", rules=())
    async with (
        _client(_pacer(clock, policy), inner) as first,
        _client(_pacer(clock, policy), inner) as second,
    ):
        for _ in range(2):
            await first.get("/iserver/accounts")
            await second.get("/iserver/accounts")
    assert inner.times == [0.0, 0.0, 0.0, 0.0]


async def test_history_concurrency_capped_at_five() -> None:
    release = asyncio.Event()
    in_flight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await release.wait()
        in_flight -= 1
        return httpx.Response(200, json={"data": []})

    pacer = Pacer(RateLimitPolicy(global_rate=None))
    async with _client(pacer, httpx.MockTransport(handler)) as client:
        tasks = [
            asyncio.create_task(client.get("/iserver/marketdata/history", params={"conid": i}))
            for i in range(6)
        ]
        for _ in range(20):
            await asyncio.sleep(0)
        assert in_flight == 5
        release.set()
        responses = await asyncio.gather(*tasks)
    assert most == 5
    assert [r.status_code for r in responses] == [200] * 6


async def test_concurrency_slot_held_until_streamed_body_is_closed() -> None:
    class Streaming(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, stream=httpx.ByteStream(b"{}"))

    policy = RateLimitPolicy(
        global_rate=None, rules=(EndpointRule("GET", "/slow", max_in_flight=1),)
    )
    pacer = Pacer(policy)
    async with _client(pacer, Streaming()) as client:
        async with client.stream("GET", "/slow"):
            second = asyncio.create_task(client.get("/slow"))
            for _ in range(10):
                await asyncio.sleep(0)
            assert not second.done()
        assert (await second).status_code == 200


async def test_penalize_blocks_all_requests(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    pacer = _pacer(clock, RateLimitPolicy(global_rate=None))
    await pacer.penalize(30)
    await pacer.penalize(10)  # shorter: does not shorten the first
    async with _client(pacer, inner) as client:
        await client.get("/iserver/accounts")
        await client.post("/iserver/secdef/search", json={})
    assert inner.times == [30.0, 30.0]
    assert await pacer.penalty_remaining() == 0


async def test_penalty_is_shared_through_the_storage(clock: FakeClock) -> None:
    storage = MemoryStorage()  # stands in for Redis shared by two processes
    policy = RateLimitPolicy(global_rate=None)
    here = Pacer(policy, storage=storage, share_penalty=True, clock=clock.time, sleep=clock.sleep)
    there = Pacer(policy, storage=storage, share_penalty=True, clock=clock.time, sleep=clock.sleep)
    await here.penalize(20)
    inner = Arrivals(clock)
    async with _client(there, inner) as client:
        await client.get("/iserver/accounts")
    assert inner.times == [20.0]


async def test_wait_longer_than_max_wait_raises_rate_limit_error(clock: FakeClock) -> None:
    inner = Arrivals(clock)
    pacer = _pacer(clock, RateLimitPolicy(global_rate=None, max_wait=60))
    async with _client(pacer, inner) as client:
        await client.post("/pa/performance", json={})
        with pytest.raises(errors.RateLimitError) as caught:
            await client.post("/pa/performance", json={})
    assert caught.value.retry_after == pytest.approx(900.0)
    assert "max_wait" in caught.value.message
    assert len(inner.seen) == 1


def test_pacer_accepts_a_storage_uri_and_refuses_sync_storage() -> None:
    assert Pacer(storage="async+memory://").storage is not None
    with pytest.raises(errors.ConfigurationError, match="async"):
        Pacer(storage="memory://")
