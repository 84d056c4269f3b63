"""The budget stores: exact schedules on a fake clock, holds, gates, slots, crash safety.

Memory and host-local stores obey the same contract; the Redis store is tested against a real
redis-server in tests/integration/test_pacing_redis.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ibkr_webapi.pacing import EndpointRule, HostStore, MemoryStore, RateLimitPolicy, Store

GATEWAY = "https://loopback:5000/v1/api"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


StoreFactory = Callable[[FakeClock], Store]


@pytest.fixture(params=["memory", "host"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    def make(clock: FakeClock) -> Store:
        store: Store
        if request.param == "memory":
            store = MemoryStore(clock=clock)
        else:
            store = HostStore(tmp_path, clock=clock)
        store.bind(GATEWAY)
        return store

    return make


POLICY = RateLimitPolicy(
    global_rate="10/second",
    margin=0.1,
    rules=(
        EndpointRule("GET", "/slow", rate="1 per 5 seconds"),
        EndpointRule("GET", "/history", max_in_flight=2),
    ),
)


async def _grant_times(store: Store, clock: FakeClock, paths: list[str]) -> list[float]:
    """Ask for each request in turn, moving the fake clock exactly to when it may go."""
    start = clock.now
    times = []
    for path in paths:
        while True:
            outcome = await store.acquire(POLICY.demand("GET", path), 0)
            if outcome.granted:
                break
            assert outcome.wait is not None and outcome.wait > 0
            clock.now += outcome.wait
        times.append(round(clock.now - start, 6))
    return times


async def test_requests_are_spaced_evenly_with_the_margin(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock)
    times = await _grant_times(store, clock, ["/a"] * 5)
    # (1 s + 0.1 s margin + 1 ms timer slack) / 10, the first grant counted as due 1 ms earlier:
    # never a burst of ten at once.
    assert times == pytest.approx([0.0, 0.1091, 0.2192, 0.3293, 0.4394])


async def test_endpoint_and_global_limits_apply_together(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock)
    times = await _grant_times(store, clock, ["/slow", "/a", "/slow", "/a"])
    assert times == pytest.approx([0.0, 0.1091, 5.1, 5.2091])


async def test_no_window_of_per_plus_margin_holds_more_than_count(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock)
    times = await _grant_times(store, clock, ["/a", "/slow"] * 30)
    for i, start in enumerate(times):
        inside = [t for t in times[i:] if t < start + 1.1 - 1e-9]
        assert len(inside) <= 10


async def test_a_hold_stops_everything_and_is_never_shortened(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock)
    left, started = await store.hold(600)
    assert (left, started) == (600, True)
    left, started = await store.hold(10)  # an in-flight 429 with a shorter Retry-After
    assert (left, started) == (600, False)
    outcome = await store.acquire(POLICY.demand("GET", "/a"), 0)
    assert not outcome.granted and outcome.reason == "hold" and outcome.wait == 600
    clock.now += 600
    assert await store.hold_remaining() == 0
    assert (await store.acquire(POLICY.demand("GET", "/a"), 0)).granted


async def test_the_gate_admits_only_its_holder(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock)
    assert (await store.acquire(POLICY.demand("GET", "/a"), 0)).granted
    clock.now += 1
    assert await store.take_gate(7, 0.1, 60) is None
    assert await store.take_gate(8, 0.1, 60) is not None  # taken
    refused = await store.acquire(POLICY.demand("GET", "/a"), 0)
    assert not refused.granted and refused.reason == "gate" and refused.wait is None
    assert (await store.acquire(POLICY.demand("GET", "/a"), 7)).granted
    await store.release_gate(8)  # not the holder: no effect
    assert not (await store.acquire(POLICY.demand("GET", "/a"), 0)).granted
    await store.release_gate(7)
    clock.now += 1
    assert (await store.acquire(POLICY.demand("GET", "/a"), 0)).granted


async def test_the_holders_first_request_waits_for_earlier_ones_to_arrive(
    make_store: StoreFactory,
) -> None:
    clock = FakeClock()
    store = make_store(clock)
    unpaced = RateLimitPolicy(global_rate=None, rules=()).demand("GET", "/a")
    assert (await store.acquire(unpaced, 0)).granted
    assert await store.take_gate(7, 0.1, 60) is None
    outcome = await store.acquire(unpaced, 7)
    assert not outcome.granted and outcome.reason == "gate"
    assert outcome.wait == pytest.approx(0.1)
    clock.now += 0.1
    assert (await store.acquire(unpaced, 7)).granted


async def test_concurrency_slots_are_capped_and_handed_back(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock)
    caps_only = RateLimitPolicy(global_rate=None, rules=POLICY.rules).demand("GET", "/history")
    first = await store.acquire(caps_only, 0)
    second = await store.acquire(caps_only, 0)
    third = await store.acquire(caps_only, 0)
    assert first.granted and second.granted
    assert not third.granted and third.reason == "cap"
    await store.release(first.slots)
    assert (await store.acquire(caps_only, 0)).granted


async def test_reset_forgets_everything(make_store: StoreFactory) -> None:
    clock = FakeClock()
    store = make_store(clock)
    await store.hold(100)
    await store.reset()
    assert (await store.acquire(POLICY.demand("GET", "/a"), 0)).granted


# -- host-local specifics --------------------------------------------------------------------------


async def test_two_host_stores_share_one_file(tmp_path: Path) -> None:
    clock = FakeClock()
    here, there = HostStore(tmp_path, clock=clock), HostStore(tmp_path, clock=clock)
    here.bind(GATEWAY)
    there.bind(GATEWAY)
    assert (await here.acquire(POLICY.demand("GET", "/slow"), 0)).granted
    refused = await there.acquire(POLICY.demand("GET", "/slow"), 0)
    assert not refused.granted and refused.wait == pytest.approx(5.1)
    await there.hold(30)
    assert await here.hold_remaining() == 30
    other = HostStore(tmp_path, clock=clock)
    other.bind("https://gw2.example:5000/v1/api")  # another gateway: its own budget
    assert await other.hold_remaining() == 0
    assert here.path == there.path != other.path
    for store in (here, there, other):
        await store.aclose()


async def test_clock_set_back_does_not_freeze_the_budget(tmp_path: Path) -> None:
    clock = FakeClock()
    store = HostStore(tmp_path, clock=clock)
    store.bind(GATEWAY)
    assert (await store.acquire(POLICY.demand("GET", "/slow"), 0)).granted
    clock.now -= 3600  # the wall clock jumps back an hour
    refused = await store.acquire(POLICY.demand("GET", "/slow"), 0)
    assert refused.wait is not None and refused.wait <= 5.101 + 1e-6


def _run_child(tmp_path: Path, body: str) -> None:
    """Run ``body`` in another process that then dies without releasing anything."""
    lines = [
        "import asyncio, os",
        "from ibkr_webapi.pacing import HostStore, RateLimitPolicy, EndpointRule",
        "async def main():",
        f"    store = HostStore({str(tmp_path)!r})",
        f"    store.bind({GATEWAY!r})",
        *("    " + line for line in textwrap.dedent(body).strip().splitlines()),
        "    os._exit(0)",
        "asyncio.run(main())",
    ]
    subprocess.run([sys.executable, "-c", "\n".join(lines)], check=True, timeout=60)


async def test_slots_of_a_dead_process_are_reclaimed(tmp_path: Path) -> None:
    _run_child(
        tmp_path,
        """
        policy = RateLimitPolicy(global_rate=None, rules=(
            EndpointRule("GET", "/history", max_in_flight=2),))
        for _ in range(2):
            assert (await store.acquire(policy.demand("GET", "/history"), 0)).granted
        """,
    )
    store = HostStore(tmp_path)
    store.bind(GATEWAY)
    policy = RateLimitPolicy(global_rate=None, rules=POLICY.rules)
    assert (await store.acquire(policy.demand("GET", "/history"), 0)).granted
    assert (await store.acquire(policy.demand("GET", "/history"), 0)).granted
    assert not (await store.acquire(policy.demand("GET", "/history"), 0)).granted
    await store.aclose()


async def test_the_gate_of_a_dead_process_is_free(tmp_path: Path) -> None:
    _run_child(tmp_path, "assert await store.take_gate(99, 0.0, 3600) is None")
    store = HostStore(tmp_path)
    store.bind(GATEWAY)
    assert (
        await store.acquire(RateLimitPolicy(global_rate=None, rules=()).demand("GET", "/a"), 0)
    ).granted
    await store.aclose()


async def test_an_unusable_directory_falls_back_to_this_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    store = HostStore(blocker / "sub")
    store.bind(GATEWAY)
    assert (await store.acquire(POLICY.demand("GET", "/slow"), 0)).granted
    assert not (await store.acquire(POLICY.demand("GET", "/slow"), 0)).granted  # still paced
    assert "pacing within this process only" in caplog.text


def test_state_file_lives_in_the_cache_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ibkr_webapi.pacing import default_state_dir

    monkeypatch.delenv("IBKR_WEBAPI_PACING_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_state_dir() == tmp_path / "ibkr-webapi"
    monkeypatch.setenv("IBKR_WEBAPI_PACING_DIR", str(tmp_path / "x"))
    assert default_state_dir() == tmp_path / "x"
