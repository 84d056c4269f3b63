"""Every orders operation: the simulator's answers, single orders and groups, conform to the spec."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig

from .helpers import AAPL, ACCOUNT, IBM, prime
from .test_conformance import Recorder, operations_of

MODULES = ("orders",)  # the generated modules this file checks in full

ORDERS = f"/iserver/account/{ACCOUNT}/orders"
CONFIG = SimulatorConfig(rate_limits=False, price_prompt_deviation=0.2)


@pytest.fixture
async def rec() -> AsyncIterator[tuple[Recorder, GatewaySimulator]]:
    sim = GatewaySimulator(CONFIG)
    async with sim.client() as http:
        await prime(http)
        yield Recorder(http), sim


def _limit(sim: GatewaySimulator, factor: float, **fields: Any) -> dict[str, Any]:
    order = {"conid": AAPL, "orderType": "LMT", "side": "BUY", "tif": "DAY", "quantity": 5}
    return order | {"price": round(sim.quote(AAPL).last * factor, 2)} | fields


def _bracket(sim: GatewaySimulator, c_oid: str) -> list[dict[str, Any]]:
    last = sim.quote(AAPL).last
    entry = _limit(sim, 0.99, cOID=c_oid)
    take = _limit(sim, 1.05, side="SELL", cOID=f"{c_oid}-tp", parentId=c_oid)
    stop = {**entry, "orderType": "STP", "side": "SELL", "price": round(last * 0.95, 2)}
    stop |= {"auxPrice": stop["price"], "cOID": f"{c_oid}-sl", "parentId": c_oid}
    return [entry, take, stop]


async def _confirmed(rec: Recorder, answer: Any) -> Any:
    while isinstance(answer, list) and answer and "id" in answer[0]:
        answer = await rec.check(
            "post", f"/iserver/reply/{answer[0]['id']}", json={"confirmed": True}
        )
    return answer


async def test_every_orders_operation_answers_conforming_bodies(
    rec: tuple[Recorder, GatewaySimulator],
) -> None:
    recorder, sim = rec
    # One order, its questions, modify, status, cancel.
    single = _limit(sim, 0.97, cOID="c-1", quantity=600)  # o383: a question first
    await recorder.check("post", f"{ORDERS}/whatif", json={"orders": [single]})
    answer = await recorder.check("post", ORDERS, json={"orders": [single]})
    assert isinstance(answer, list) and "id" in answer[0]
    [ack] = await _confirmed(recorder, answer)
    order_id = ack["order_id"]
    modified = await recorder.check(
        "post", f"/iserver/account/{ACCOUNT}/order/{order_id}", json={**single, "quantity": 5}
    )
    assert "order_id" in modified[0]
    await recorder.check("get", f"/iserver/account/order/status/{order_id}")
    await recorder.check("delete", f"/iserver/account/{ACCOUNT}/order/{order_id}")

    # A bracket and its what-if; the entry fills, the take-profit fills, the stop-loss cancels.
    legs = _bracket(sim, "c-2")
    preview = await recorder.check("post", f"{ORDERS}/whatif", json={"orders": legs})
    assert preview["amount"]["amount"].endswith("(5 Shares)")
    acks = await _confirmed(recorder, await recorder.check("post", ORDERS, json={"orders": legs}))
    parent, take, stop = (int(a["order_id"]) for a in acks)
    sim.fill_order(parent)
    sim.advance(1.0)
    sim.fill_order(take)
    status = await recorder.check("get", f"/iserver/account/order/status/{stop}")
    assert status["order_status"] == "Cancelled"

    # An OCA group of two.
    oca = [
        _limit(sim, 0.9, cOID="c-3", isSingleGroup=True),
        {**_limit(sim, 0.9, cOID="c-4", isSingleGroup=True), "conid": IBM, "price": 1.0},
    ]
    oca[1]["price"] = round(sim.quote(IBM).last * 0.9, 2)
    await _confirmed(recorder, await recorder.check("post", ORDERS, json={"orders": oca}))

    # Live orders (pre-flight, cache reset, data) and trades with their commissions.
    for params in ({}, {"force": "true"}, {}, {"filters": "Filled,Cancelled"}):
        await recorder.check("get", "/iserver/account/orders", params=params)
    trades = await recorder.check("get", "/iserver/account/trades", params={"days": 2})
    assert {t["order_ref"] for t in trades} == {"c-2", "c-2-tp"}
    assert all(float(t["commission"]) > 0 for t in trades)
    await recorder.check("get", "/iserver/account/trades")

    # A refusal with a prompt, the answer to it, and a wrong answer.
    far = _limit(sim, 0.7, cOID="c-5")
    prompt = await recorder.check("post", ORDERS, json={"orders": [far]})
    assert prompt["messageId"] == "p12" and prompt["options"]
    body = {"orderId": prompt["orderId"], "reqId": prompt["reqId"], "text": "Nope"}
    error = await recorder.check("post", "/iserver/notification", json=body)
    assert "error" in error
    body["text"] = prompt["options"][0]
    assert await recorder.check("post", "/iserver/notification", json=body) == "Submitted"
    assert sim.order(prompt["orderId"]).ticket.coid == "c-5"

    # A declined question, question suppression.
    answer = await recorder.check(
        "post", ORDERS, json={"orders": [_limit(sim, 0.96, quantity=600)]}
    )
    declined = await recorder.check(
        "post", f"/iserver/reply/{answer[0]['id']}", json={"confirmed": False}
    )
    assert "error" in declined
    await recorder.check("post", "/iserver/questions/suppress", json={"messageIds": ["o383"]})
    await recorder.check("post", "/iserver/questions/suppress/reset", json={})

    assert operations_of(MODULES) - recorder.covered == set(), "orders operations not checked"


async def test_refusals_of_groups_conform() -> None:
    sim = GatewaySimulator(dataclasses.replace(CONFIG, order_groups="linked"))
    async with sim.client() as http:
        await prime(http)
        recorder = Recorder(http)
        independent = [_limit(sim, 0.9, cOID="g-1"), _limit(sim, 0.91, cOID="g-2")]
        refused = await recorder.check("post", ORDERS, json={"orders": independent})
        assert "Only one order" in refused["error"]
        orphan = [_limit(sim, 0.9, cOID="g-3", parentId="nobody")]
        refused = await recorder.check("post", ORDERS, json={"orders": orphan})
        assert "Parent order nobody" in refused["error"]
        preview = await recorder.check("post", f"{ORDERS}/whatif", json={"orders": independent})
        assert "Only one order" in preview["error"]
