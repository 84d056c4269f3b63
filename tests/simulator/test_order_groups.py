"""The simulator's groups: brackets, OCA, executions with commissions, prompts, group what-if."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ibkr_webapi.testing import GatewaySimulator
from ibkr_webapi.testing._orders import commission_for

from .helpers import AAPL, ACCOUNT, IBM, prime
from .test_orders import confirm_all, limit, live, place

NOTIFY = "/iserver/notification"


async def _placed(http: httpx.AsyncClient, *orders: dict[str, Any]) -> list[int]:
    final, _ = await confirm_all(http, await place(http, *orders))
    return [int(a["order_id"]) for a in final]


def _statuses(orders: list[dict[str, Any]]) -> dict[str, str]:
    return {o["order_ref"]: o["status"] for o in orders}


def _exits(sim: GatewaySimulator, take_profit: float, stop_loss: float) -> list[dict[str, Any]]:
    """A bracket's take-profit limit and stop-loss stop (fractions from AAPL's last price)."""
    tp = limit(sim, take_profit, side="SELL", cOID="b-tp", parentId="b")
    sl = limit(sim, stop_loss, side="SELL", cOID="b-sl", parentId="b", orderType="STP")
    return [tp, sl]


async def test_bracket_exits_wait_then_work_and_one_fill_cancels_the_other(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    held = sim.portfolio.holding(ACCOUNT, AAPL)
    before = held.quantity if held else 0.0
    ids = await _placed(primed, limit(sim, -0.02, cOID="b"), *_exits(sim, 0.05, -0.05))
    sim.advance(2)
    assert _statuses(await live(primed)) == {
        "b": "Submitted",
        "b-tp": "PreSubmitted",  # held until the entry fills
        "b-sl": "PreSubmitted",
    }
    sim.fill_order(ids[0])
    sim.advance(1)
    assert _statuses(await live(primed)) == {
        "b": "Filled",
        "b-tp": "Submitted",
        "b-sl": "Submitted",
    }
    sim.fill_order(ids[1])
    assert _statuses(await live(primed)) == {"b": "Filled", "b-tp": "Filled", "b-sl": "Cancelled"}
    held = sim.portfolio.holding(ACCOUNT, AAPL)
    assert (held.quantity if held else 0.0) == before  # bought 10, sold 10
    with pytest.raises(ValueError, match="Cancelled"):
        sim.fill_order(ids[2])


async def test_a_marketable_exit_fills_by_itself_once_the_entry_has(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    # The entry crosses the market and the take-profit sits below it: both fill on their own.
    ids = await _placed(primed, limit(sim, 0.01, cOID="b"), *_exits(sim, -0.01, -0.2))
    for _ in range(4):
        sim.advance(0.5)
        await live(primed)
    assert [sim.order(i).status for i in ids] == ["Filled", "Filled", "Cancelled"]
    fills = (await primed.get("/iserver/account/trades")).json()
    assert [t["order_ref"] for t in fills] == ["b-tp", "b"]  # newest first


async def test_cancelling_the_entry_cancels_its_exits(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    ids = await _placed(primed, limit(sim, -0.02, cOID="b"), *_exits(sim, 0.05, -0.05))
    response = await primed.delete(f"/iserver/account/{ACCOUNT}/order/{ids[0]}")
    assert response.json()["msg"] == "Request was submitted"
    assert [sim.order(i).status for i in ids] == ["Cancelled"] * 3


async def test_one_fill_of_an_oca_group_cancels_the_rest(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    ibm = round(sim.quote(IBM).last * 0.98, 2)
    group = [
        limit(sim, -0.02, cOID="o-1", isSingleGroup=True),
        limit(sim, -0.03, cOID="o-2", isSingleGroup=True),
        limit(sim, -0.02, cOID="o-3", isSingleGroup=True, conid=IBM, price=ibm),
    ]
    alone = limit(sim, -0.02, cOID="alone")
    ids = await _placed(primed, *group)
    [other] = await _placed(primed, alone)
    sim.fill_order(ids[1])
    assert [sim.order(i).status for i in ids] == ["Cancelled", "Filled", "Cancelled"]
    assert sim.order(other).live  # not in the group


@pytest.mark.parametrize(
    ("quantity", "price", "fee"),
    [(10, 170.0, 1.0), (1000, 170.0, 5.0), (3, 0.2, 0.01), (250, 10.0, 1.25)],
)
def test_commission_follows_the_fixed_rate(quantity: float, price: float, fee: float) -> None:
    assert commission_for(quantity, price) == fee


async def test_every_fill_is_an_execution_with_its_commission(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    [order_id] = await _placed(primed, limit(sim, -0.02, cOID="x", quantity=400))
    filled = sim.fill_order(order_id)
    [fill] = (await primed.get("/iserver/account/trades", params={"days": 1})).json()
    price = filled.average_price or 0.0
    assert fill["order_id"] == order_id and fill["order_ref"] == "x"
    assert fill["commission"] == f"{commission_for(400, price):.2f}" == "2.00"
    assert fill["net_amount"] == round(400 * price, 2) and fill["side"] == "B"
    assert sim.orders.executions[0].commission == 2.0


@pytest.fixture
def prompting(make_sim: Callable[..., GatewaySimulator]) -> GatewaySimulator:
    return make_sim(price_prompt_deviation=0.2)


async def test_a_far_limit_is_refused_with_a_prompt_that_may_resubmit_it(
    prompting: GatewaySimulator,
) -> None:
    sim = prompting
    async with sim.client() as http:
        await prime(http)
        prompt = await place(http, limit(sim, -0.3, cOID="far-1"))
        assert prompt["prompt"] is True and prompt["messageId"] == "p12"
        assert prompt["options"] == ["Use on this order", "Always use", "Do not use"]
        assert sim.orders.orders == {}  # refused: nothing placed yet
        answer = {"orderId": prompt["orderId"], "reqId": prompt["reqId"], "text": "Do not use"}
        assert (await http.post(NOTIFY, json=answer)).json() == "Order not submitted"
        assert sim.orders.orders == {}
        again = (await http.post(NOTIFY, json=answer)).json()
        assert "no prompt" in again["error"]  # answered once only

        prompt = await place(http, limit(sim, -0.3, cOID="far-2"))
        answer = {"orderId": prompt["orderId"], "reqId": prompt["reqId"], "text": "Always use"}
        assert (await http.post(NOTIFY, json=answer)).json() == "Submitted"
        assert sim.order(prompt["orderId"]).ticket.coid == "far-2"
        # "Always use": no more prompts in this session.
        assert "order_id" in (await place(http, limit(sim, -0.3, cOID="far-3")))[0]


async def test_linked_mode_takes_brackets_and_oca_groups_only(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    sim = make_sim(order_groups="linked")
    async with sim.client() as http:
        await prime(http)
        refused = await place(http, limit(sim, -0.02, cOID="a"), limit(sim, -0.03, cOID="b"))
        assert refused["error"].startswith("Only one order can be submitted per request")
        oca = [limit(sim, -0.02, cOID="c", isSingleGroup=True), limit(sim, -0.03, cOID="d")]
        assert "error" in await place(http, *oca)
        oca[1]["isSingleGroup"] = True
        assert len(await _placed(http, *oca)) == 2
        assert len(await _placed(http, limit(sim, -0.02, cOID="b"), *_exits(sim, 0.05, -0.05))) == 3


async def test_a_child_needs_an_existing_parent(
    primed: httpx.AsyncClient, sim: GatewaySimulator
) -> None:
    refused = await place(primed, limit(sim, -0.02, cOID="c", parentId="missing"))
    assert refused == {
        "error": "Parent order missing was not found: parentId must be a parent's cOID"
    }
    [parent] = await _placed(primed, limit(sim, -0.02, cOID="p"))
    [child] = await _placed(primed, limit(sim, 0.05, side="SELL", cOID="c", parentId="p"))
    assert sim.order(child).parent == parent  # a child may attach to an order placed before


async def test_what_if_of_a_group(sim: GatewaySimulator, primed: httpx.AsyncClient) -> None:
    async def preview(*orders: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = (
            await primed.post(f"/iserver/account/{ACCOUNT}/orders/whatif", json={"orders": orders})
        ).json()
        return body

    entry = limit(sim, -0.02, cOID="b")
    alone = await preview(entry)
    bracket = await preview(entry, *_exits(sim, 0.05, -0.05))
    assert bracket["amount"] == alone["amount"]  # the exits close the entry: it alone counts
    assert bracket["warn"] and "stop order" in bracket["warn"]  # the stop-loss's question
    bigger = limit(sim, -0.02, cOID="big", quantity=20, isSingleGroup=True)
    oca = await preview({**entry, "isSingleGroup": True}, bigger)
    assert oca["amount"]["amount"].endswith("(20 Shares)")  # one fills: the largest counts
    both = await preview(entry, {**bigger, "isSingleGroup": False})
    assert both["amount"]["amount"].endswith("(30 Shares)")
    assert sim.orders.orders == {}  # nothing placed
