"""Hundreds of faulted placements across gateway variants: never a duplicate, never "failed" while live.

Every placement meets one fault: the request is lost before the gateway acts (a dropped connection,
a 503), or the gateway acts and the answer is lost afterwards (dropped, 503, an unreadable 200),
sometimes followed by a brokerage-session reset (expired, or silently re-opened), on the placement
itself or on the reply to its confirmation question; some orders are refused and the refusal lost.
Half the placements opt into resending. After each one the simulator's order book is the judge:

* at most one order per cOID (no duplicate), in every variant;
* a result (placed, recovered, resent) names the one order that exists;
* a rejection or any other failure while an order with that cOID exists counts as "failed while live";
* ``OrderStatusUnknown`` names the cOID; a retry with the same cOID never places a second copy.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest

from ibkr_webapi import IBKRClient, Order, PlacedOrder, errors
from ibkr_webapi.testing import GatewaySimulator

from .harness import AAPL, ACCOUNT, FIGURES, GUARDED, IBM, MSFT, VARIANTS, client, copies, simulator

pytestmark = pytest.mark.faults

ORDERS_PATH = "/iserver/account/*/orders"
REPLY_PATH = "/iserver/reply/*"
Fault = Callable[[GatewaySimulator], None]

FAULTS: dict[str, Fault] = {
    "dropped before the gateway acts": lambda s: s.drop_next(path=ORDERS_PATH),
    "503 before the gateway acts": lambda s: s.fail_next(503, path=ORDERS_PATH),
    "dropped after the gateway acted": lambda s: s.lose_next_answer("drop", path=ORDERS_PATH),
    "503 after the gateway acted": lambda s: s.lose_next_answer("error", path=ORDERS_PATH),
    "unreadable 200 after the gateway acted": lambda s: s.lose_next_answer(
        "garbage", path=ORDERS_PATH
    ),
    "dropped after, then the session expired": lambda s: s.lose_next_answer(
        "drop", path=ORDERS_PATH, reset_session="expire"
    ),
    "503 after, then a new session opened silently": lambda s: s.lose_next_answer(
        "error", path=ORDERS_PATH, reset_session="reopen"
    ),
    "unreadable 200 after, then a new session opened silently": lambda s: s.lose_next_answer(
        "garbage", path=ORDERS_PATH, reset_session="reopen"
    ),
    "reply dropped after the gateway acted": lambda s: s.lose_next_answer("drop", path=REPLY_PATH),
    "reply 503 after the gateway acted": lambda s: s.lose_next_answer("error", path=REPLY_PATH),
    "reply unreadable after, then the session expired": lambda s: s.lose_next_answer(
        "garbage", path=REPLY_PATH, reset_session="expire"
    ),
    "reply 503 after, then a new session opened silently": lambda s: s.lose_next_answer(
        "error", path=REPLY_PATH, reset_session="reopen"
    ),
}
# Which orders meet which fault: "resting" limits (no question, only live orders show them),
# "market" orders (a confirmation question, then a fill that trades show), "refused" limits.
COMBOS: tuple[tuple[str, str], ...] = (
    ("dropped before the gateway acts", "resting"),
    ("dropped before the gateway acts", "market"),
    ("503 before the gateway acts", "resting"),
    ("dropped after the gateway acted", "resting"),
    ("dropped after the gateway acted", "market"),
    ("503 after the gateway acted", "resting"),
    ("503 after the gateway acted", "refused"),
    ("unreadable 200 after the gateway acted", "resting"),
    ("unreadable 200 after the gateway acted", "market"),
    ("dropped after, then the session expired", "resting"),
    ("503 after, then a new session opened silently", "resting"),
    ("unreadable 200 after, then a new session opened silently", "market"),
    ("reply dropped after the gateway acted", "market"),
    ("reply 503 after the gateway acted", "market"),
    ("reply unreadable after, then the session expired", "market"),
    ("reply 503 after, then a new session opened silently", "market"),
)
ROUNDS = 2  # each combination, with and without resending, this many times per variant
_serial = itertools.count(1)


def _order(sim: GatewaySimulator, kind: str, c_oid: str, conid: int) -> Order:
    last = sim.quote(conid).last
    if kind == "market":
        return Order(conid=conid, side="BUY", quantity=1, order_type="MKT", c_oid=c_oid)
    factor = 0.95 if kind == "resting" else 3.0  # three times the market: the gateway refuses
    price = round(last * factor, 2)
    return Order(conid=conid, side="BUY", quantity=1, order_type="LMT", price=price, c_oid=c_oid)


def _judge(
    sim: GatewaySimulator, c_oid: str, outcome: PlacedOrder | BaseException, variant: str
) -> str:
    """Check one placement against the order book; returns the outcome's name."""
    present = copies(sim, c_oid)
    if present > 1:
        FIGURES.duplicates += 1
    if isinstance(outcome, PlacedOrder):
        assert present == 1, f"{variant} {c_oid}: returned order {outcome} but {present} exist"
        assert sim.order(outcome.order_id).ticket.coid == c_oid
        if outcome.resent:
            return "resent"
        return "recovered" if outcome.recovered else "placed"
    if isinstance(outcome, errors.OrderStatusUnknown):
        if outcome.c_oid != c_oid:
            FIGURES.unknown_without_coid += 1
        if present:
            FIGURES.unknown_present += 1
        else:
            FIGURES.unknown_absent += 1
        return "unknown"
    if isinstance(outcome, errors.IBKRError):
        if present:
            FIGURES.failed_while_live.append(f"{variant} {c_oid}: {outcome!r}")
        return "rejected" if isinstance(outcome, errors.OrderRejected) else type(outcome).__name__
    FIGURES.untyped.append(f"{variant} {c_oid}: {type(outcome).__name__}: {outcome}")
    return "untyped"


async def _place(ib: IBKRClient, order: Order, *, resend: bool) -> PlacedOrder | BaseException:
    try:
        return await ib.orders.place(order, confirm=True, resend_if_missing=resend)
    except Exception as exc:  # judged below: only IBKRError subclasses are acceptable
        return exc


async def _retry_after_unknown(
    sim: GatewaySimulator,
    ib: IBKRClient,
    order: Order,
    variant: str,
    *,
    resend: bool,
    same_session: bool,
) -> None:
    """The trader places the same order (same cOID) again: never a second copy."""
    FIGURES.retries["same client"] += 1
    outcome = await _place(ib, order, resend=resend)
    FIGURES.outcomes[f"retry: {_judge(sim, order.c_oid or '', outcome, variant)}"] += 1
    if variant in GUARDED and same_session:
        # Another process (a fresh client) knows nothing of the cOID: the gateway's guard refuses
        # the copy, and the refusal, in whatever words, is recognised and looked up. (After a
        # session reset the guard has forgotten the cOID and only this client's own record of it
        # protects: see docs/reliability.md.)
        FIGURES.retries["fresh client"] += 1
        async with client(sim) as fresh:
            outcome = await _place(fresh, order, resend=False)
        FIGURES.outcomes[f"retry: {_judge(sim, order.c_oid or '', outcome, variant)}"] += 1


async def _run_variant(variant: str) -> GatewaySimulator:
    sim = simulator(variant)
    conids = itertools.cycle([AAPL, IBM, MSFT])
    async with client(sim) as ib:
        for _round, (fault, kind), resend in itertools.product(
            range(ROUNDS), COMBOS, (False, True)
        ):
            c_oid = f"f{next(_serial):04d}-{variant}"
            order = _order(sim, kind, c_oid, next(conids))
            FAULTS[fault](sim)
            outcome = await _place(ib, order, resend=resend)
            sim.clear_faults()
            FIGURES.placements[variant] += 1
            FIGURES.faults[fault] += 1
            name = _judge(sim, c_oid, outcome, variant)
            FIGURES.outcomes[name] += 1
            if name == "unknown":
                state = "order present" if copies(sim, c_oid) else "order absent"
                FIGURES.unknown_by_fault[f"{fault} ({kind}, {state})"] += 1
                await _retry_after_unknown(
                    sim, ib, order, variant, resend=resend, same_session="session" not in fault
                )
            if name == "untyped":
                raise AssertionError(FIGURES.untyped[-1]) from outcome  # type: ignore[arg-type]
    return sim


async def test_faulted_placements_never_duplicate_and_never_fail_while_live() -> None:
    # The variants run side by side, each with its own simulator and client (the runs mostly wait).
    sims = await asyncio.gather(*(_run_variant(v) for v in sorted(VARIANTS)))
    for variant, sim in zip(sorted(VARIANTS), sims, strict=True):
        counts = sim.orders.copies()
        assert all(n == 1 for n in counts.values()), (
            variant,
            {c: n for c, n in counts.items() if n > 1},
        )
    assert sum(FIGURES.placements.values()) >= 200
    assert FIGURES.duplicates == 0
    assert FIGURES.failed_while_live == []
    assert FIGURES.untyped == []
    assert FIGURES.unknown_without_coid == 0


async def test_the_judge_sees_a_duplicate_when_one_is_made() -> None:
    # The checks above would catch a duplicate: a gateway without a guard places a second copy of
    # a cOID sent twice, and the order book shows both.
    sim = simulator("no-guard")
    order = {"conid": AAPL, "side": "BUY", "quantity": 1, "orderType": "LMT", "price": 1.0}
    order["cOID"] = "judge-1"
    async with sim.client() as http:
        assert (await http.get("/iserver/accounts")).status_code == 200
        for _ in range(2):
            price = round(sim.quote(AAPL).last * 0.95, 2)
            answer = await http.post(
                f"/iserver/account/{ACCOUNT}/orders", json={"orders": [{**order, "price": price}]}
            )
            assert answer.status_code == 200 and "order_id" in answer.json()[0]
    assert copies(sim, "judge-1") == 2
