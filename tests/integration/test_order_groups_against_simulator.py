"""Brackets, OCA groups, executions and prompts: the client against the simulator over loopback HTTPS.

The simulator's order book is the judge: a bracket whose entry fills activates its exits and one
exit's fill cancels the other; fills carry commissions; a bracket whose answer is lost is found leg
by leg, and no leg ever exists twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from ibkr_webapi import (
    Bracket,
    IBKRClient,
    Order,
    PlacedBracket,
    PreflightPolicy,
    RateLimitPolicy,
    errors,
)
from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig, serve_gateway

ACCOUNT = "U1234567"
AAPL, IBM = 265598, 8314
ORDERS_PATH = "/iserver/account/*/orders"
REPLY_PATH = "/iserver/reply/*"
FAST = {"order_submit_delay": 0.01, "order_fill_delay": 0.02, "rate_limits": False}


@asynccontextmanager
async def connected(**config: Any) -> AsyncIterator[tuple[IBKRClient, GatewaySimulator]]:
    """A simulator served over loopback HTTPS and a client that verifies its certificate."""
    async with (
        serve_gateway(SimulatorConfig(**{**FAST, **config}), port=0, tls=True) as gateway,
        IBKRClient(
            gateway.url,
            verify=gateway.ca_path,
            account_id=ACCOUNT,
            keepalive=None,
            rate_limits=RateLimitPolicy.off(),
            preflight=PreflightPolicy(max_polls=6, interval=0.02),
            reauth_poll_interval=0.02,
        ) as ib,
    ):
        ib.orders.flow.settle_delay = 0.1
        yield ib, gateway.simulator


def bracket(sim: GatewaySimulator, c_oid: str, *, quantity: float = 10) -> Bracket:
    last = sim.quote(AAPL).last
    entry = Order(
        conid=AAPL, side="BUY", quantity=quantity, price=round(last * 0.99, 2), c_oid=c_oid
    )
    return Bracket(entry=entry, take_profit=round(last * 1.05, 2), stop_loss=round(last * 0.95, 2))


def copies(sim: GatewaySimulator, c_oid: str) -> int:
    return sim.orders.copies().get(c_oid, 0)


async def test_entry_fill_activates_the_exits_and_one_exit_cancels_the_other() -> None:
    async with connected() as (ib, sim):
        placed = await ib.orders.bracket(bracket(sim, "br-1"), confirm=True)
        assert isinstance(placed, PlacedBracket)
        status = await ib.orders.bracket_status(placed)
        assert status.state == "entry working"
        assert [leg.status for leg in status.legs[1:]] == ["PreSubmitted", "PreSubmitted"]

        sim.fill_order(placed.parent.order_id)
        sim.advance(0.1)  # the exits go live after the entry's fill
        status = await ib.orders.bracket_status(placed)
        assert status.state == "open"
        assert [leg.status for leg in status.legs] == ["Filled", "Submitted", "Submitted"]

        sim.fill_order(placed.stop_loss.order_id)
        status = await ib.orders.bracket_status(placed)
        assert status.state == "stop loss filled"
        assert [leg.status for leg in status.legs] == ["Filled", "Cancelled", "Filled"]
        live = {o.c_oid: o.status for o in await ib.orders.live(force=True)}
        assert live == {"br-1": "Filled", "br-1-tp": "Cancelled", "br-1-sl": "Filled"}


async def test_executions_after_fills_carry_commissions() -> None:
    async with connected() as (ib, sim):
        placed = await ib.orders.bracket(bracket(sim, "br-2", quantity=400), confirm=True)
        entry = sim.fill_order(placed.parent.order_id)
        sim.advance(0.1)
        exit_ = sim.fill_order(placed.take_profit.order_id)
        trades = {t.c_oid: t for t in await ib.trades(days=1)}
        assert set(trades) == {"br-2", "br-2-tp"}
        bought, sold = trades["br-2"], trades["br-2-tp"]
        assert (bought.action, sold.action) == ("BUY", "SELL")
        assert (bought.order_id, sold.order_id) == placed.order_ids[:2]
        assert bought.size == sold.size == 400
        assert bought.price == entry.average_price and sold.price == exit_.average_price
        assert bought.commission == sold.commission == 2.0  # 0.005 USD a share, at least 1 USD
        assert bought.net_amount == pytest.approx(400 * (entry.average_price or 0.0))
        assert bought.time is not None and bought.time.tzinfo is not None


async def test_an_oca_group_keeps_one_order() -> None:
    async with connected() as (ib, sim):
        legs = [
            Order(conid=c, side="BUY", quantity=1, price=round(sim.quote(c).last * 0.97, 2))
            for c in (AAPL, IBM)
        ]
        placed = await ib.orders.oca(legs, confirm=True)
        sim.fill_order(placed[1].order_id)
        statuses = [(await ib.orders.status(p.order_id)).status for p in placed]
        assert statuses == ["Cancelled", "Filled"]


async def test_cancel_bracket_before_the_entry_fills_cancels_every_leg() -> None:
    async with connected() as (ib, sim):
        placed = await ib.orders.bracket(bracket(sim, "br-3"), confirm=True)
        results = await ib.orders.cancel_bracket(placed)
        assert results[0].order_id == placed.parent.order_id
        assert (await ib.orders.bracket_status(placed)).state == "cancelled"
        assert [sim.order(i).status for i in placed.order_ids] == ["Cancelled"] * 3


LOST: dict[str, Callable[[GatewaySimulator], None]] = {
    "POST dropped": lambda s: s.lose_next_answer("drop", path=ORDERS_PATH),
    "POST 503": lambda s: s.lose_next_answer("error", path=ORDERS_PATH),
    "POST unreadable": lambda s: s.lose_next_answer("garbage", path=ORDERS_PATH),
    "reply dropped": lambda s: s.lose_next_answer("drop", path=REPLY_PATH),
    "POST dropped, session reset": lambda s: s.lose_next_answer(
        "drop", path=ORDERS_PATH, reset_session="reopen"
    ),
}


@pytest.mark.parametrize("fault", sorted(LOST))
@pytest.mark.parametrize("resend", [False, True])
async def test_lost_answers_on_a_bracket_post_never_duplicate(fault: str, resend: bool) -> None:
    # No cOID guard at the gateway, live orders of this brokerage session only: the client alone
    # keeps the bracket single. Without the stop-order question the POST itself places the legs;
    # with it, the reply does.
    asks = fault.startswith("reply")
    async with connected(
        duplicate_coid_guard="none", live_orders_scope="session", stop_order_question=asks
    ) as (ib, sim):
        planned = bracket(sim, f"lost-{resend:d}")
        c_oids = [o.c_oid or "" for o in planned.orders]
        LOST[fault](sim)
        try:
            placed = await ib.orders.bracket(planned, confirm=True, resend_if_missing=resend)
        except errors.OrderStatusUnknown as exc:
            assert "reset" in fault  # only a session reset hides the legs
            assert list(exc.c_oids) == c_oids and exc.found == {}
        else:
            assert "reset" not in fault
            assert placed.recovered and not any(leg.resent for leg in placed.legs)
            assert placed.order_ids == tuple(sim.orders.coids[c] for c in c_oids)
        assert [copies(sim, c) for c in c_oids] == [1, 1, 1]
        sim.clear_faults()
        # The trader places the same bracket again: it is looked up, never sent a second time.
        try:
            again = await ib.orders.bracket(planned, confirm=True, resend_if_missing=resend)
        except errors.OrderStatusUnknown:
            assert "reset" in fault
        else:
            assert again.recovered
        assert [copies(sim, c) for c in c_oids] == [1, 1, 1]


async def test_a_bracket_whose_question_answer_was_lost_is_resent_only_when_asked() -> None:
    # The POST's answer is a question; losing it drops the question, so nothing was placed: the
    # legs are absent from two complete look-ups and, when the caller allows, sent once more.
    for resend in (False, True):
        async with connected(duplicate_coid_guard="none", live_orders_scope="session") as (
            ib,
            sim,
        ):
            planned = bracket(sim, f"asked-{resend:d}")
            sim.lose_next_answer("error", path=ORDERS_PATH)
            if resend:
                placed = await ib.orders.bracket(planned, confirm=True, resend_if_missing=True)
                assert all(leg.resent for leg in placed.legs)
            else:
                with pytest.raises(errors.OrderStatusUnknown):
                    await ib.orders.bracket(planned, confirm=True)
            expected = 1 if resend else 0
            assert [copies(sim, o.c_oid or "") for o in planned.orders] == [expected] * 3


async def test_a_prompt_refuses_the_bracket_and_an_answer_resubmits_it() -> None:
    async with connected(price_prompt_deviation=0.2) as (ib, sim):
        last = sim.quote(AAPL).last
        entry = Order(conid=AAPL, side="BUY", quantity=1, price=round(last * 0.7, 2), c_oid="pr")
        planned = Bracket(entry=entry, take_profit=round(last, 2), stop_loss=round(last * 0.6, 2))
        with pytest.raises(errors.OrderRejectedWithPrompt) as info:
            await ib.orders.bracket(planned, confirm=True)
        prompt = info.value.prompt
        assert prompt.message_id == "p12" and prompt.c_oids == ("pr", "pr-tp", "pr-sl")
        assert sim.orders.orders == {}
        assert await ib.orders.answer_prompt(prompt, "Use on this order") == "Submitted"
        assert sim.order(prompt.order_id).ticket.coid == "pr"
        # The legs may now exist: placing the bracket again finds them instead of sending it.
        again = await ib.orders.bracket(planned, confirm=True)
        assert again.recovered and again.parent.order_id == prompt.order_id
        assert [copies(sim, c) for c in prompt.c_oids] == [1, 1, 1]


async def test_a_bracket_what_if_places_nothing() -> None:
    async with connected() as (ib, sim):
        planned = bracket(sim, "wi")
        preview = await ib.orders.preview(planned)
        single = await ib.orders.preview(planned.entry)
        assert preview.amount == single.amount and preview.commission == 1.0
        assert sim.orders.orders == {}


async def test_moving_the_stop_loss_after_the_entry_fills_changes_that_leg_only() -> None:
    async with connected() as (ib, sim):
        planned = bracket(sim, "mv")
        placed = await ib.orders.bracket(planned, confirm=True)
        sim.fill_order(placed.parent.order_id)
        sim.advance(0.1)
        tighter = round(planned.stop_loss * 1.02, 2)
        moved = await ib.orders.modify_bracket(
            placed, planned.evolve(stop_loss=tighter), confirm=True
        )
        assert moved.order_ids == placed.order_ids
        assert moved.take_profit is placed.take_profit  # untouched
        stop = await ib.orders.status(placed.stop_loss.order_id)
        assert stop.stop_price == tighter and stop.status == "Submitted"
        assert sim.order(placed.stop_loss.order_id).parent == placed.parent.order_id
        # The moved stop still belongs to the pair: its fill cancels the take-profit.
        sim.fill_order(placed.stop_loss.order_id)
        status = await ib.orders.bracket_status(placed)
        assert status.state == "stop loss filled"
        with pytest.raises(errors.InvalidRequestError, match="Filled"):
            await ib.orders.modify_bracket(placed, planned.evolve(stop_loss=tighter * 1.01))
