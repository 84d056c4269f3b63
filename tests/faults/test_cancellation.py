"""Cancelling the caller's task at every request of an order flow.

For each flow, the number of requests it makes is counted once; then the flow is run again and
again, its task cancelled at request 1, 2, ... N, once just before the request goes out and once
just after the gateway answered it (the answer is then never read). After every cancellation:

* the task ends cancelled (``CancelledError``), nothing else escapes;
* the client's gate is free: the next call goes through;
* no order is left half-placed: after that next call the gateway holds no open question, and the
  order exists at most once;
* placing the same order again never makes a second copy;
* no task is left behind once the client is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Literal

import httpx
import pytest

from ibkr_webapi import IBKRClient, Order, Question, errors
from ibkr_webapi.orders import placement
from ibkr_webapi.testing import GatewaySimulator

from .harness import AAPL, FIGURES, client, copies, simulator

pytestmark = pytest.mark.faults

When = Literal["before", "after"]


class Tripwire(httpx.AsyncBaseTransport):
    """Counts requests; at request ``at`` it cancels ``task`` just before or just after sending."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.count = 0
        self.at = 0
        self.when: When = "before"
        self.task: asyncio.Task[object] | None = None
        self.fired = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count == self.at and self.when == "before":
            await self._fire()
        response = await self.inner.handle_async_request(request)
        if self.count == self.at and self.when == "after":
            await response.aread()  # the gateway has answered
            await self._fire()
        return response

    async def _fire(self) -> None:
        if self.task is not None and not self.task.done():
            self.fired = True
            self.task.cancel()
            await asyncio.sleep(0)  # lands here when the request runs in the cancelled task


Flow = Callable[[IBKRClient, GatewaySimulator, str], Awaitable[object]]


def _resting(sim: GatewaySimulator, c_oid: str) -> Order:
    price = round(sim.quote(AAPL).last * 0.95, 2)
    return Order(conid=AAPL, side="BUY", quantity=1, order_type="LMT", price=price, c_oid=c_oid)


async def _market_confirmed(ib: IBKRClient, sim: GatewaySimulator, c_oid: str) -> object:
    order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid=c_oid)
    return await ib.orders.place(order, confirm=True)


async def _market_asked_twice(ib: IBKRClient, sim: GatewaySimulator, c_oid: str) -> object:
    # 600 shares at market: o10151 (market order) then o383 (size limit), answered by a callback.
    order = Order(conid=AAPL, side="BUY", quantity=600, order_type="MKT", c_oid=c_oid)

    async def confirm(question: Question) -> bool:
        await asyncio.sleep(0)
        return True

    return await ib.orders.place(order, confirm=confirm)


async def _lost_then_resent(ib: IBKRClient, sim: GatewaySimulator, c_oid: str) -> object:
    sim.drop_next(path="/iserver/account/*/orders")  # lost before the gateway acts: resent
    return await ib.orders.place(_resting(sim, c_oid), resend_if_missing=True)


async def _lost_after_and_found(ib: IBKRClient, sim: GatewaySimulator, c_oid: str) -> object:
    sim.lose_next_answer("error", path="/iserver/account/*/orders")
    return await ib.orders.place(_resting(sim, c_oid))


async def _modify_lost(ib: IBKRClient, sim: GatewaySimulator, c_oid: str) -> object:
    placed = await ib.orders.place(_resting(sim, c_oid))
    sim.lose_next_answer("drop", path="/iserver/account/*/order/*")
    changed = _resting(sim, c_oid).evolve(price=round(sim.quote(AAPL).last * 0.94, 2))
    return await ib.orders.modify(placed.order_id, changed)


async def _cancel_lost(ib: IBKRClient, sim: GatewaySimulator, c_oid: str) -> object:
    placed = await ib.orders.place(_resting(sim, c_oid))
    sim.lose_next_answer("garbage", path="/iserver/account/*/order/*")
    return await ib.orders.cancel(placed.order_id)


FLOWS: dict[str, Flow] = {
    "market order, question confirmed": _market_confirmed,
    "market order, two questions, async callback": _market_asked_twice,
    "lost before the gateway acted, resent": _lost_then_resent,
    "lost after the gateway acted, found": _lost_after_and_found,
    "modify, answer lost": _modify_lost,
    "cancel, answer lost": _cancel_lost,
}


async def _run(name: str, flow: Flow, at: int, when: When) -> tuple[int, bool]:
    """One run of ``flow`` cancelled at request ``at``; returns (requests made, cancelled)."""
    sim = simulator("no-guard")
    c_oid = f"c-{abs(hash((name, at, when))) % 10**8}-{at}-{when}"
    tripwire = Tripwire(httpx.ASGITransport(app=sim.app))
    tripwire.at, tripwire.when = at, when
    baseline = len(asyncio.all_tasks())
    async with client(sim, transport=tripwire) as ib:
        ib.orders.flow.settle_delay = 0.01
        task: asyncio.Task[object] = asyncio.ensure_future(flow(ib, sim, c_oid))
        tripwire.task = task
        try:
            await task
        except asyncio.CancelledError:
            if not tripwire.fired:
                raise
        except errors.IBKRError:
            pass  # a flow may end in unknown (e.g. a lost modify): that is not this test's matter
        made = tripwire.count
        cancelled = task.cancelled()
        if tripwire.fired:
            assert cancelled, f"{name} at {at} {when}: the task was not cancelled ({task!r})"
        # The gate is free and the gateway holds no open question once the next call went out.
        await asyncio.wait_for(ib.orders.live(), timeout=30)
        assert sim.replies.pending is None, f"{name} at {at} {when}: a question is still open"
        assert copies(sim, c_oid) <= 1
        # Placing it again never makes a second copy.
        with contextlib.suppress(errors.IBKRError):
            await asyncio.wait_for(
                ib.orders.place(_resting(sim, c_oid), confirm=True, resend_if_missing=True),
                timeout=30,
            )
        assert copies(sim, c_oid) <= 1, f"{name} at {at} {when}: duplicate after a re-place"
    await asyncio.gather(*placement._declines)
    for _ in range(3):  # let finished tasks be collected
        await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) <= baseline, f"{name} at {at} {when}: tasks left behind"
    return made, cancelled


@pytest.mark.parametrize("name", sorted(FLOWS))
async def test_cancelled_at_every_request(name: str) -> None:
    flow = FLOWS[name]
    total, _ = await _run(name, flow, at=0, when="before")  # uncancelled: count the requests
    assert total >= 2
    cancelled = 0
    for at in range(1, total + 1):
        for when in ("before", "after"):
            _, was_cancelled = await _run(name, flow, at, when)
            cancelled += was_cancelled
    FIGURES.other[f"cancellations: {name}"] = cancelled
    assert cancelled >= total  # at least every "before" cut landed


async def test_cancelled_while_the_confirm_callback_decides_declines_the_question() -> None:
    sim = simulator("session-guard")
    deciding = asyncio.Event()

    async def confirm(question: Question) -> bool:
        deciding.set()
        await asyncio.Event().wait()  # the trader never answers
        return True

    order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid="c-deciding")
    async with client(sim) as ib:
        task = asyncio.ensure_future(ib.orders.place(order, confirm=confirm))
        await deciding.wait()
        assert sim.replies.pending is not None
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Declined before the cancellation finished: nothing is left open, nothing was placed.
        assert sim.replies.pending is None
        assert sim.requests["POST /iserver/reply/{replyId}"] == 1
        assert copies(sim, "c-deciding") == 0
        assert (await ib.orders.live()) == []
