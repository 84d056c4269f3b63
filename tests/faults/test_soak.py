"""A bounded soak: a few thousand mixed calls, eight at a time, through random faults.

The gateway fails now and then in every way the simulator knows (503s, dropped connections, answers
lost after it acted, brokerage-session resets). Afterwards: only ``IBKRError`` escaped, no cOID was
placed twice, no task is left running, and the client's memory stopped growing (its own record of
sent cOIDs is bounded, and nothing else accumulates). No timing is asserted.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import random
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from ibkr_webapi import IBKRClient, Order, errors
from ibkr_webapi.orders import placement
from ibkr_webapi.testing import Faults

from .harness import AAPL, ACCOUNT, FIGURES, IBM, MSFT, client, simulator

pytestmark = pytest.mark.faults

CALLS = 2_400
CONCURRENCY = 8
CHECKPOINTS = 4
SENT_CAPACITY = 200


def _client_memory(snapshot: tracemalloc.Snapshot) -> int:
    """Bytes held by the client library (the simulator serving it is left out)."""
    mine = snapshot.filter_traces(
        [
            tracemalloc.Filter(True, "*/ibkr_webapi/*"),
            tracemalloc.Filter(True, "*/ibkr_webapi_client/*"),
            tracemalloc.Filter(True, "*/httpx/*"),
            tracemalloc.Filter(False, "*/ibkr_webapi/testing/*"),
        ]
    )
    return sum(stat.size for stat in mine.statistics("filename"))


async def test_soak_stays_typed_flat_and_without_duplicates() -> None:
    sim = simulator("session-guard")
    sim.set_faults(
        Faults(
            error_rates={503: 0.01},
            drop_rate=0.005,
            lost_answer_rate=0.01,
            session_reset_rate=0.25,
            seed=11,
        )
    )
    rng = random.Random(5)
    serial = itertools.count(1)
    placed: list[int] = []
    outcomes: Counter[str] = Counter()
    untyped: list[str] = []

    async def place(ib: IBKRClient) -> object:
        conid = rng.choice([AAPL, IBM, MSFT])
        c_oid = f"soak-{next(serial)}"
        if rng.random() < 0.5:
            order = Order(conid=conid, side="BUY", quantity=1, order_type="MKT", c_oid=c_oid)
        else:
            price = round(sim.quote(conid).last * 0.9, 2)
            order = Order(
                conid=conid, side="SELL", quantity=1, order_type="LMT", price=price, c_oid=c_oid
            )
        result = await ib.orders.place(order, confirm=True, resend_if_missing=rng.random() < 0.5)
        placed.append(result.order_id)
        return result

    async def cancel(ib: IBKRClient) -> object:
        if not placed:
            return None
        return await ib.orders.cancel(rng.choice(placed))

    mix: dict[str, tuple[int, Callable[[IBKRClient], Awaitable[object]]]] = {
        "snapshot": (6, lambda ib: ib.snapshot([AAPL, IBM], ["last_price", "bid_price"])),
        "accounts": (3, lambda ib: ib.accounts()),
        "positions": (3, lambda ib: ib.positions_page(ACCOUNT, 0)),
        "summary": (2, lambda ib: ib.account_summary(ACCOUNT)),
        "search": (2, lambda ib: ib.search_contracts("IBM")),
        "tickle": (2, lambda ib: ib.tickle()),
        "live orders": (2, lambda ib: ib.live_orders()),
        "trades": (1, lambda ib: ib.trades()),
        "place": (3, place),
        "cancel": (1, cancel),
        "status": (1, lambda ib: ib.order_status(rng.choice(placed)) if placed else ib.pnl()),
    }
    names = list(mix)
    weights = [mix[name][0] for name in names]

    async def one(ib: IBKRClient) -> None:
        name = rng.choices(names, weights)[0]
        try:
            await mix[name][1](ib)
            outcomes["ok"] += 1
        except errors.IBKRError as exc:
            outcomes[f"{name}: {type(exc).__name__}"] += 1
        except Exception as exc:
            untyped.append(f"{type(exc).__name__}: {exc}")

    tracemalloc.start()
    memory: list[int] = []
    try:
        tasks_before = len(asyncio.all_tasks())
        async with client(sim) as ib:
            ib.orders.flow.settle_delay = 0.02
            ib.orders.flow.sent.capacity = SENT_CAPACITY
            per_checkpoint = CALLS // CHECKPOINTS
            for _checkpoint in range(CHECKPOINTS):
                for _ in range(per_checkpoint // CONCURRENCY):
                    await asyncio.gather(*(one(ib) for _ in range(CONCURRENCY)))
                gc.collect()
                memory.append(_client_memory(tracemalloc.take_snapshot()))
            assert len(ib.orders.flow.sent) <= SENT_CAPACITY
        await asyncio.gather(*placement._declines)
        await asyncio.sleep(0)
        tasks_after = len(asyncio.all_tasks())
    finally:
        tracemalloc.stop()

    FIGURES.other["soak: calls"] = sum(outcomes.values()) + len(untyped)
    FIGURES.other["soak: orders placed"] = len(placed)
    for name, count in outcomes.items():
        FIGURES.other[f"soak: outcome {name}"] = count
    FIGURES.other["soak: client memory growth after warm-up (KiB)"] = (
        max(memory[1:]) - memory[1]
    ) // 1024
    assert untyped == []
    assert sum(outcomes.values()) == CALLS - CALLS % CONCURRENCY
    assert outcomes["ok"] > CALLS // 2  # faults are the exception, not the rule
    assert tasks_after <= tasks_before
    assert all(n == 1 for n in sim.orders.copies().values())
    # After warm-up (first checkpoint) the client holds no more than a little extra.
    assert max(memory[1:]) - memory[1] < 2 * 1024 * 1024, memory
