"""Faulted brackets across gateway variants: no leg ever twice, never "failed" while a leg is live.

Every bracket meets one fault of :mod:`.test_placements` (lost before or after the gateway acted,
on the POST or on the reply to its question, with or without a session reset). Brackets that raise
no question (the stop-order question off) are placed by the POST itself; the others by the reply.
After each one, and after the trader places the same bracket again, the simulator's order book
judges every leg:

* at most one order per leg's cOID;
* a ``PlacedBracket`` names the three orders that exist;
* ``OrderStatusUnknown`` names every leg that could not be found (``c_oids``), and the legs it
  reports found (``found``) exist with those ids;
* any other failure while a leg exists counts as "failed while live".
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from ibkr_webapi import Bracket, IBKRClient, Order, PlacedBracket, errors
from ibkr_webapi.testing import GatewaySimulator

from .harness import AAPL, FIGURES, IBM, MSFT, VARIANTS, client, copies, simulator
from .test_placements import FAULTS

pytestmark = pytest.mark.faults

# Faults that hit the POST, and those that hit the reply to a question (which needs a question).
ON_POST = [f for f in FAULTS if not f.startswith("reply")]
ON_REPLY = [f for f in FAULTS if f.startswith("reply")]
_serial = itertools.count(1)


def _bracket(sim: GatewaySimulator, conid: int, c_oid: str) -> Bracket:
    last = sim.quote(conid).last
    entry = Order(conid=conid, side="BUY", quantity=1, price=round(last * 0.97, 2), c_oid=c_oid)
    return Bracket(entry=entry, take_profit=round(last * 1.05, 2), stop_loss=round(last * 0.9, 2))


def _judge(
    sim: GatewaySimulator, planned: Bracket, outcome: PlacedBracket | BaseException, label: str
) -> str:
    c_oids = [o.c_oid or "" for o in planned.orders]
    present = {c: copies(sim, c) for c in c_oids}
    if any(n > 1 for n in present.values()):
        FIGURES.duplicates += 1
    if isinstance(outcome, PlacedBracket):
        assert all(n == 1 for n in present.values()), f"{label}: {present}"
        assert outcome.order_ids == tuple(sim.orders.coids[c] for c in c_oids), label
        return "recovered" if outcome.recovered else "placed"
    if isinstance(outcome, errors.OrderStatusUnknown):
        assert set(outcome.c_oids) | set(outcome.found) == set(c_oids), label
        assert not set(outcome.c_oids) & set(outcome.found), label
        for c_oid, order_id in outcome.found.items():
            assert sim.orders.coids.get(c_oid) == order_id, label
        if any(present.values()):
            FIGURES.unknown_present += 1
        else:
            FIGURES.unknown_absent += 1
        return "unknown"
    if isinstance(outcome, errors.IBKRError):
        if any(present.values()):
            FIGURES.failed_while_live.append(f"{label}: {outcome!r}")
        return type(outcome).__name__
    FIGURES.untyped.append(f"{label}: {type(outcome).__name__}: {outcome}")
    return "untyped"


async def _place(ib: IBKRClient, planned: Bracket, resend: bool) -> PlacedBracket | BaseException:
    try:
        return await ib.orders.bracket(planned, confirm=True, resend_if_missing=resend)
    except Exception as exc:  # judged: only IBKRError subclasses are acceptable
        return exc


async def _run(variant: str, *, asks: bool) -> int:
    sim = simulator(variant, stop_order_question=asks)
    conids = itertools.cycle([AAPL, IBM, MSFT])
    runs = 0
    async with client(sim) as ib:
        for fault, resend in itertools.product(ON_POST + (ON_REPLY if asks else []), (False, True)):
            c_oid = f"g{next(_serial):04d}"
            planned = _bracket(sim, next(conids), c_oid)
            label = f"{variant} {fault} resend={resend} asks={asks} {c_oid}"
            FAULTS[fault](sim)
            outcome = await _place(ib, planned, resend)
            sim.clear_faults()
            name = _judge(sim, planned, outcome, label)
            FIGURES.outcomes[f"bracket: {name}"] += 1
            if name == "unknown":  # the trader tries the same bracket again
                retry = await _place(ib, planned, resend)
                FIGURES.outcomes[f"bracket retry: {_judge(sim, planned, retry, label)}"] += 1
            if name == "untyped":
                raise AssertionError(FIGURES.untyped[-1])
            runs += 1
    counts = sim.orders.copies()
    assert all(n == 1 for n in counts.values()), {c: n for c, n in counts.items() if n > 1}
    return runs


async def test_faulted_brackets_never_duplicate_a_leg() -> None:
    runs = await asyncio.gather(
        *(_run(v, asks=asks) for v in sorted(VARIANTS) for asks in (False, True))
    )
    FIGURES.other["faulted brackets (3 legs each)"] = sum(runs)
    assert sum(runs) >= 100
    assert FIGURES.duplicates == 0
    assert FIGURES.failed_while_live == []
    assert FIGURES.untyped == []
