"""Pacer: order, priorities, max_wait, the hold, the gate and recovery, on real (short) time.

Assertions on time are lower bounds only (the pacer never grants early); nothing here depends
on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from ibkr_webapi import EndpointRule, Pacer, RateLimitPolicy, errors

GATEWAY = "https://localhost:5000/v1/api"
FAST = RateLimitPolicy(
    global_rate="50/second",
    margin=0.0,
    rules=(
        EndpointRule("GET", "/slow", rate="1 per 0.3 seconds"),
        EndpointRule("GET", "/history", max_in_flight=2),
        EndpointRule("GET", "/rare", rate="1 per 15 minutes"),
    ),
)


def _pacer(policy: RateLimitPolicy = FAST, store: str = "memory") -> Pacer:
    pacer = Pacer(policy, store=store)
    pacer.bind(GATEWAY)
    return pacer


class Log:
    """Records the order (and monotonic time) in which requests were granted."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.granted: list[tuple[str, float]] = []

    async def request(self, name: str, path: str = "/a", *, session: bool = False) -> None:
        permit = await self.pacer.acquire("GET", path, session=session)
        self.granted.append((name, time.monotonic()))
        await permit.release()

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.granted]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.parametrize("store", ["memory", "host"])
async def test_grants_are_spaced_and_in_arrival_order(store: str) -> None:
    log = Log(_pacer(store=store))
    await asyncio.gather(*(log.request(str(i)) for i in range(12)))
    assert log.names == [str(i) for i in range(12)]
    gaps = [b - a for (_, a), (_, b) in zip(log.granted, log.granted[1:], strict=False)]
    assert min(gaps) >= 0.02 - 0.002  # 50/s: never two at once


async def test_a_request_held_by_its_endpoint_does_not_hold_up_others() -> None:
    log = Log(_pacer())
    tasks = [asyncio.create_task(log.request("slow1", "/slow"))]
    await _settle()
    tasks.append(asyncio.create_task(log.request("slow2", "/slow")))
    await _settle()
    tasks += [asyncio.create_task(log.request(f"fast{i}")) for i in range(3)]
    await asyncio.gather(*tasks)
    assert log.names == ["slow1", "fast0", "fast1", "fast2", "slow2"]
    (_, first), (_, second) = log.granted[0], log.granted[-1]
    assert second - first >= 0.3 - 0.002


async def test_gate_holder_and_session_calls_go_first() -> None:
    pacer = _pacer()
    log = Log(pacer)
    queued = [asyncio.create_task(log.request(f"n{i}")) for i in range(6)]
    await _settle()

    async def holder() -> None:
        async with pacer.exclusive():
            await log.request("holder")

    extra = [
        asyncio.create_task(log.request("session", session=True)),
        asyncio.create_task(holder()),
    ]
    await asyncio.gather(*queued, *extra)
    assert log.names.index("holder") <= 2
    assert log.names.index("session") <= 3
    assert [n for n in log.names if n.startswith("n")] == [f"n{i}" for i in range(6)]


async def test_nothing_else_is_granted_while_the_gate_is_held() -> None:
    pacer = _pacer()
    log = Log(pacer)
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def order_flow() -> None:
        async with pacer.exclusive():
            await log.request("order")
            inside.set()
            await leave.wait()
            await log.request("reply")

    flow = asyncio.create_task(order_flow())
    await inside.wait()
    others = [asyncio.create_task(log.request(f"other{i}")) for i in range(5)]
    others.append(asyncio.create_task(log.request("keepalive", session=True)))
    await asyncio.sleep(0.2)  # ten global intervals: they would have gone by now
    assert log.names == ["order"]
    leave.set()
    await asyncio.gather(flow, *others)
    assert log.names[:2] == ["order", "reply"]


async def test_the_gate_is_reentrant_and_shared_with_child_tasks() -> None:
    pacer = _pacer()
    log = Log(pacer)
    async with pacer.exclusive(), pacer.exclusive():
        assert pacer.holds_gate()
        await asyncio.gather(log.request("a"), log.request("b"))
    assert not pacer.holds_gate()
    assert sorted(log.names) == ["a", "b"]


async def test_max_wait_raises_before_anything_is_sent() -> None:
    pacer = _pacer(RateLimitPolicy(global_rate=None, rules=FAST.rules, max_wait=5))
    await (await pacer.acquire("GET", "/rare")).release()
    with pytest.raises(errors.RateLimitError) as caught:
        await pacer.acquire("GET", "/rare")
    assert caught.value.retry_after == pytest.approx(900, abs=1)
    assert "max_wait=5 s" in caught.value.message and "1 per 15 minutes" in caught.value.message


async def test_a_follow_up_look_waits_out_its_endpoint_spacing_but_never_a_hold() -> None:
    """A call's own second look (pre-flight poll) is not cut short by a max_wait below the
    endpoint's spacing; a caller's fresh request still is, and so is a follow-up in a hold."""
    pacer = _pacer(RateLimitPolicy(global_rate=None, rules=FAST.rules, max_wait=0.05))
    await (await pacer.acquire("GET", "/slow")).release()
    with pytest.raises(errors.RateLimitError):
        await pacer.acquire("GET", "/slow")  # 0.3 s spacing > max_wait
    started = time.monotonic()
    with Pacer.follow_up():
        await (await pacer.acquire("GET", "/slow")).release()
    assert time.monotonic() - started >= 0.2  # it waited for the spacing instead of failing
    await pacer.hold(900)
    with Pacer.follow_up(), pytest.raises(errors.RateLimitError) as caught:
        await pacer.acquire("GET", "/slow")
    assert "penalty box" in caught.value.message


async def test_a_hold_stops_every_request_and_raises_for_the_impatient(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ibkr_webapi")
    pacer = _pacer()
    assert await pacer.hold(600) == pytest.approx(600, abs=1)
    await pacer.hold(600)
    await pacer.hold(30)
    holds = [r for r in caplog.records if "holding every request" in r.getMessage()]
    assert len(holds) == 1 and holds[0].levelno == logging.WARNING
    waiting = asyncio.create_task(pacer.acquire("GET", "/a"))
    await asyncio.sleep(0.1)
    assert not waiting.done()  # no max_wait: it waits the hold out
    waiting.cancel()
    impatient = _pacer(RateLimitPolicy(max_wait=60))
    await impatient.hold(900)
    with pytest.raises(errors.RateLimitError) as caught:
        await impatient.acquire("GET", "/iserver/accounts")
    assert caught.value.retry_after == pytest.approx(900, abs=1)
    assert "penalty box" in caught.value.message
    assert await pacer.penalty_remaining() > 500


async def test_queued_requests_fail_once_a_hold_outlasts_their_max_wait() -> None:
    pacer = _pacer(RateLimitPolicy(global_rate="5/second", rules=(), max_wait=30))
    tasks = [asyncio.create_task(pacer.acquire("GET", "/a")) for _ in range(4)]
    await asyncio.sleep(0.05)
    await pacer.hold(900)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failed = [r for r in results if isinstance(r, errors.RateLimitError)]
    assert len(failed) >= 2  # the first one or two went before the hold
    assert all(f.retry_after is not None and f.retry_after > 800 for f in failed)


async def test_while_recovering_only_session_calls_go() -> None:
    pacer = _pacer()
    log = Log(pacer)
    async with pacer.recovering():
        normal = asyncio.create_task(log.request("normal"))
        await log.request("ssodh/init", session=True)
        await asyncio.sleep(0.1)
        assert log.names == ["ssodh/init"]
    await normal
    assert log.names == ["ssodh/init", "normal"]


async def test_session_calls_pass_the_gate_only_while_the_holder_waits_for_them() -> None:
    pacer = _pacer()
    log = Log(pacer)
    go = asyncio.Event()

    async def keepalive() -> None:  # started before the gate was taken, like the real one
        await go.wait()
        await log.request("tickle", session=True)

    tickle = asyncio.create_task(keepalive())
    async with pacer.exclusive():
        go.set()
        await asyncio.sleep(0.1)
        assert log.names == []  # a keepalive must not split an order flow
        async with pacer.holder_waiting():
            await tickle  # the holder needs the session: its calls may go
    assert log.names == ["tickle"]


async def test_concurrency_caps_and_cancellation_do_not_leak_slots() -> None:
    pacer = _pacer()
    first = await pacer.acquire("GET", "/history")
    second = await pacer.acquire("GET", "/history")
    third = asyncio.create_task(pacer.acquire("GET", "/history"))
    await asyncio.sleep(0.05)
    assert not third.done()
    third.cancel()
    await first.release()
    fourth = await asyncio.wait_for(pacer.acquire("GET", "/history"), 5)
    await second.release()
    await fourth.release()
    for _ in range(2):
        await (await asyncio.wait_for(pacer.acquire("GET", "/history"), 5)).release()


async def test_one_pacer_serves_one_gateway() -> None:
    pacer = _pacer()
    pacer.bind("https://127.0.0.1:5000/v1/api/")  # the same gateway, spelled differently
    with pytest.raises(errors.ConfigurationError, match="its own Pacer"):
        pacer.bind("https://other.example:5000/v1/api")


def test_unknown_store_names_are_refused() -> None:
    with pytest.raises(errors.ConfigurationError, match="'host'"):
        Pacer(store="memcached://x")


async def test_disabled_policy_never_waits_but_the_gate_still_holds() -> None:
    pacer = _pacer(RateLimitPolicy.off())
    for _ in range(50):
        await (await pacer.acquire("GET", "/rare")).release()
    await pacer.hold(900)  # no pacing: no hold either
    assert await pacer.penalty_remaining() == 0
    log = Log(pacer)
    async with pacer.exclusive():
        other = asyncio.create_task(log.request("other"))
        await asyncio.sleep(0.05)
        assert not other.done()
    await other
