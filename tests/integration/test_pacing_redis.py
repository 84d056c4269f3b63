"""RedisStore against a real redis-server (started by the `redis_url` fixture): the same
contract as the host-local store, shared by separate clients as separate hosts would."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator

import pytest

from ibkr_webapi import EndpointRule, Pacer, RateLimitPolicy, errors
from ibkr_webapi.pacing import RedisStore

GATEWAY = "https://loopback:5000/v1/api"
POLICY = RateLimitPolicy(
    global_rate="10/second",
    margin=0.1,
    rules=(
        EndpointRule("GET", "/slow", rate="1 per 5 seconds"),
        EndpointRule("GET", "/history", max_in_flight=2),
    ),
)


@pytest.fixture
async def stores(redis_url: str) -> AsyncIterator[tuple[RedisStore, RedisStore]]:
    name = f"test-{uuid.uuid4()}"  # every test its own budget
    here, there = RedisStore(redis_url, name=name), RedisStore(redis_url, name=name)
    here.bind(GATEWAY)
    there.bind(GATEWAY)
    yield here, there
    await here.reset()
    await here.aclose()
    await there.aclose()


async def test_two_stores_share_the_rates(stores: tuple[RedisStore, RedisStore]) -> None:
    here, there = stores
    assert (await here.acquire(POLICY.demand("GET", "/slow"), 0)).granted
    refused = await there.acquire(POLICY.demand("GET", "/slow"), 0)
    assert not refused.granted and refused.reason == "rate"
    assert refused.key == "GET /slow" and refused.wait == pytest.approx(5.1, abs=0.1)
    global_only = await there.acquire(POLICY.demand("GET", "/a"), 0)
    assert not global_only.granted and global_only.key == "*"
    assert global_only.wait is not None and 0 < global_only.wait <= 0.11


async def test_hold_gate_and_slots_are_shared(stores: tuple[RedisStore, RedisStore]) -> None:
    here, there = stores
    assert await here.take_gate(11, 0.0, 60) is None
    assert await there.take_gate(12, 0.0, 60) is not None
    blocked = await there.acquire(POLICY.demand("GET", "/a"), 0)
    assert blocked.reason == "gate" and blocked.wait is None
    assert (await there.acquire(POLICY.demand("GET", "/a"), 11)).granted  # the holder's token
    await here.release_gate(11)

    left, started = await there.hold(300)
    assert started and left == pytest.approx(300, abs=1)
    assert (await here.hold(10))[1] is False
    assert await here.hold_remaining() == pytest.approx(300, abs=1)
    held = await here.acquire(POLICY.demand("GET", "/a"), 0)
    assert held.reason == "hold" and held.wait == pytest.approx(300, abs=1)
    await here.reset()

    caps = RateLimitPolicy(global_rate=None, rules=POLICY.rules).demand("GET", "/history")
    first = await here.acquire(caps, 0)
    assert first.granted and (await there.acquire(caps, 0)).granted
    assert (await here.acquire(caps, 0)).reason == "cap"
    await here.release(first.slots)
    assert (await there.acquire(caps, 0)).granted


async def test_slots_of_a_crashed_holder_expire_with_their_lease(redis_url: str) -> None:
    name = f"test-{uuid.uuid4()}"
    crashed = RedisStore(redis_url, name=name, slot_lease=0.3)
    crashed.bind(GATEWAY)
    caps = RateLimitPolicy(global_rate=None, rules=POLICY.rules).demand("GET", "/history")
    for _ in range(2):
        assert (await crashed.acquire(caps, 0)).granted  # never released
    await crashed.aclose()
    survivor = RedisStore(redis_url, name=name)
    survivor.bind(GATEWAY)
    assert not (await survivor.acquire(caps, 0)).granted
    await asyncio.sleep(0.4)
    assert (await survivor.acquire(caps, 0)).granted
    await survivor.reset()
    await survivor.aclose()


async def test_a_pacer_on_redis_spaces_requests(redis_url: str) -> None:
    pacer = Pacer(
        RateLimitPolicy(global_rate="20/second", margin=0.0, rules=()),
        store=RedisStore(redis_url, name=f"test-{uuid.uuid4()}"),
    )
    pacer.bind(GATEWAY)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def one() -> None:
        await (await pacer.acquire("GET", "/a")).release()
        times.append(loop.time())

    await asyncio.gather(*(one() for _ in range(8)))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.05 - 0.005
    await pacer.reset()
    await pacer.aclose()


async def test_an_unreachable_redis_fails_closed() -> None:
    store = RedisStore("redis://127.0.0.1:1/0")
    store.bind(GATEWAY)
    pacer = Pacer(RateLimitPolicy(), store=store)
    pacer.bind(GATEWAY)
    with pytest.raises(errors.PacingUnavailableError, match="nothing was sent"):
        await pacer.acquire("GET", "/iserver/accounts")
    await pacer.aclose()
