"""Placement, confirmation questions, the immediate-reply rule, status changes, cancel and modify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ibkr_webapi.testing import GatewaySimulator

from .helpers import AAPL, ACCOUNT, IBM, prime

ORDERS = f"/iserver/account/{ACCOUNT}/orders"
NOT_ASKED = ("o10151", "o0")  # questions most tests do not care about


def limit(sim: GatewaySimulator, offset: float, **fields: Any) -> dict[str, Any]:
    """A limit order `offset` (fraction) away from AAPL's last price."""
    last = sim.quote(AAPL).last
    order = {"conid": AAPL, "orderType": "LMT", "side": "BUY", "quantity": 10, "tif": "DAY",
             "price": round(last * (1 + offset), 2)}  # fmt: skip
    return order | fields


async def place(http: httpx.AsyncClient, *orders: dict[str, Any]) -> Any:
    response = await http.post(ORDERS, json={"orders": list(orders)})
    assert response.status_code == 200, response.text
    return response.json()


async def confirm_all(http: httpx.AsyncClient, answer: Any) -> tuple[Any, list[str]]:
    """Answer every question with yes; returns the final answer and the message ids seen."""
    seen: list[str] = []
    while isinstance(answer, list) and answer and "id" in answer[0]:
        seen += answer[0]["messageIds"]
        response = await http.post(f"/iserver/reply/{answer[0]['id']}", json={"confirmed": True})
        assert response.status_code == 200, response.text
        answer = response.json()
    return answer, seen


async def live(http: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    body = (await http.get("/iserver/account/orders", params=params)).json()
    if body.get("snapshot") is False:  # pre-flight
        body = (await http.get("/iserver/account/orders", params=params)).json()
    orders: list[dict[str, Any]] = body["orders"]
    return orders


async def test_accounts_first_for_orders_and_live_orders(
    sim: GatewaySimulator, client: httpx.AsyncClient
) -> None:
    first = {"error": "Bad Request: Please query /accounts first", "statusCode": 400}
    for response in (
        await client.post(ORDERS, json={"orders": [limit(sim, -0.01)]}),
        await client.get("/iserver/account/orders"),
        await client.get("/iserver/marketdata/snapshot", params={"conids": AAPL}),
    ):
        assert response.status_code == 400 and response.json() == first


async def test_order_for_a_wrong_account_is_rejected(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    response = await primed.post(
        "/iserver/account/DU123/orders", json={"orders": [limit(sim, -0.01)]}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Bad Request: accountId is not valid: DU123",
        "statusCode": 400,
    }


async def test_quiet_limit_order_is_accepted_presubmitted(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    answer = await place(primed, limit(sim, -0.01))
    assert len(answer) == 1 and answer[0]["order_status"] == "PreSubmitted"
    assert answer[0]["order_id"].isdigit() and answer[0]["encrypt_message"] == "1"


async def test_question_chain_needs_each_answer_in_turn(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    answer = await place(primed, limit(sim, 0.05, quantity=650))
    assert answer[0]["messageIds"] == ["o163"] and answer[0]["isSuppressed"] is False
    assert "Percentage constraint of 3%" in answer[0]["message"][0]
    final, seen = await confirm_all(primed, answer)
    assert seen == ["o163", "o403", "o383", "o451"]
    assert final[0]["order_status"] == "PreSubmitted"


async def test_question_wording_matches_the_gateway(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    answer = await place(primed, limit(sim, -0.01, quantity=650))
    _, texts = answer, []
    while "id" in answer[0]:
        texts += answer[0]["message"]
        answer = (
            await primed.post(f"/iserver/reply/{answer[0]['id']}", json={"confirmed": True})
        ).json()
    assert texts[0] == (
        "The following order BUY 650 AAPL NASDAQ.NMS size exceeds the Size Limit of 500.\n"
        "Are you sure you want to submit this order?"
    )
    assert texts[1].startswith("The following order BUY 650 AAPL NASDAQ.NMS value estimate of ")
    assert "exceeds \nthe Total Value Limit of 100,000 USD." in texts[1]


async def test_stop_and_market_orders_ask_their_questions(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    last = sim.quote(AAPL).last
    stop = await place(
        primed,
        {
            "conid": AAPL,
            "orderType": "STP",
            "side": "SELL",
            "quantity": 1,
            "price": round(last * 0.9, 2),
        },
    )
    assert stop[0]["messageIds"] == ["o0"]
    assert stop[0]["message"][0].startswith("You are about to submit a stop order.")
    market = await place(primed, {"conid": AAPL, "orderType": "MKT", "side": "BUY", "quantity": 1})
    assert market[0]["messageIds"] == ["o10151"]
    assert market[0]["message"][0].startswith(
        "A Market Order is an instruction to trade your order at any available price"
    )


async def test_any_other_request_between_question_and_reply_cancels_the_order(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    question = await place(primed, limit(sim, 0.05, cOID="chain-1"))
    await primed.post("/tickle", json={})
    late = await primed.post(f"/iserver/reply/{question[0]['id']}", json={"confirmed": True})
    assert late.status_code == 503
    assert late.json() == {"error": f"reply id not found: '{question[0]['id']}'"}
    assert await live(primed) == []
    final, _ = await confirm_all(primed, await place(primed, limit(sim, 0.05, cOID="chain-1")))
    assert final[0]["order_status"] == "PreSubmitted"  # the cOID was never registered


async def test_late_reply_status_is_configurable(make_sim: Callable[..., GatewaySimulator]) -> None:
    sim = make_sim(late_reply_status=400)
    async with sim.client() as http:
        await prime(http)
        question = await place(http, limit(sim, 0.05))
        await http.post("/iserver/auth/status", json={})
        assert (
            await http.post(f"/iserver/reply/{question[0]['id']}", json={"confirmed": True})
        ).status_code == 400


async def test_reply_after_the_timeout_is_late(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    question = await place(primed, limit(sim, 0.05))
    sim.advance(31)
    assert (
        await primed.post(f"/iserver/reply/{question[0]['id']}", json={"confirmed": True})
    ).status_code == 503


async def test_unknown_reply_id(primed: httpx.AsyncClient) -> None:
    response = await primed.post("/iserver/reply/nope", json={"confirmed": True})
    assert response.status_code == 400 and response.json() == {
        "error": "reply id not found: 'nope'"
    }


async def test_declining_a_question_discards_the_order(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    question = await place(primed, limit(sim, 0.05))
    answer = (
        await primed.post(f"/iserver/reply/{question[0]['id']}", json={"confirmed": False})
    ).json()
    assert "error" in answer
    assert await live(primed) == []


async def test_suppressed_questions_are_skipped(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    suppress = await primed.post(
        "/iserver/questions/suppress", json={"messageIds": ["o163", "o403", "o383"]}
    )
    assert suppress.json() == {"status": "submitted"}
    final, seen = await confirm_all(primed, await place(primed, limit(sim, 0.05, quantity=650)))
    assert seen == ["o451"] and final[0]["order_status"] == "PreSubmitted"
    await primed.post("/iserver/questions/suppress/reset", json={})
    _, seen = await confirm_all(primed, await place(primed, limit(sim, 0.05)))
    assert seen == ["o163", "o403"]


async def test_suppress_accepts_at_most_51_ids(primed: httpx.AsyncClient) -> None:
    ids = [f"o{i}" for i in range(52)]
    assert (
        await primed.post("/iserver/questions/suppress", json={"messageIds": ids})
    ).status_code == 400


async def test_duplicate_coid_is_refused(sim: GatewaySimulator, primed: httpx.AsyncClient) -> None:
    await place(primed, limit(sim, -0.01, cOID="my-coid-1"))
    answer = await place(primed, limit(sim, -0.02, cOID="my-coid-1"))
    assert answer == {
        "error": "Order couldn't be submitted: Local order ID=my-coid-1 is already registered."
    }
    assert len(await live(primed)) == 1


async def test_limit_far_from_market_is_rejected(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    answer = await place(primed, limit(sim, -0.9))
    assert answer["error"].startswith("We cannot accept an order at the limit price you selected.")
    assert f"current market price of {sim.quote(AAPL).last:.2f}" in answer["error"]


@pytest.mark.parametrize(
    ("change", "error"),
    [({"side": "HOLD"}, "side"), ({"orderType": "FOO"}, "order type"), ({"quantity": 0}, "quantity"),
     ({"conid": 1}, "security definition"), ({"price": None}, "price")],
)  # fmt: skip
async def test_invalid_orders_are_rejected(
    sim: GatewaySimulator, primed: httpx.AsyncClient, change: dict[str, Any], error: str
) -> None:
    answer = await place(primed, limit(sim, -0.01) | change)
    assert error in answer["error"]


async def test_marketable_order_goes_presubmitted_submitted_filled(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    held = sim.portfolio.holding(ACCOUNT, AAPL)
    before = held.quantity if held else 0.0
    final, seen = await confirm_all(primed, await place(primed, limit(sim, 0.01, cOID="fill-me")))
    assert seen == ["o403"]
    order_id = int(final[0]["order_id"])
    statuses = [(await live(primed))[0]["status"]]
    for _ in range(2):
        sim.advance(0.3)
        statuses.append((await live(primed))[0]["status"])
    assert statuses == ["PreSubmitted", "Submitted", "Filled"]
    order = (await live(primed))[0]
    assert order["orderId"] == order_id and order["order_ref"] == "fill-me"
    assert order["filledQuantity"] == 10 and order["remainingQuantity"] == 0
    assert order["orderDesc"].startswith("Bought 10 Limit")
    assert len(order["lastExecutionTime"]) == 12 and order["lastExecutionTime_r"] > 0
    holding = sim.portfolio.holding(ACCOUNT, AAPL)
    assert holding is not None and holding.quantity == before + 10


async def test_limit_away_from_market_stays_submitted(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    await place(primed, limit(sim, -0.02))
    sim.advance(5)
    assert [o["status"] for o in await live(primed)] == ["Submitted"]


async def test_live_orders_preflight_and_filters(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    assert (await primed.get("/iserver/account/orders")).json() == {"orders": [], "snapshot": False}
    await place(primed, limit(sim, -0.02))
    await confirm_all(primed, await place(primed, limit(sim, 0.01)))
    sim.advance(1)
    body = (await primed.get("/iserver/account/orders")).json()
    assert body["snapshot"] is True and len(body["orders"]) == 2
    filled = (await primed.get("/iserver/account/orders", params={"filters": "filled"})).json()[
        "orders"
    ]
    assert [o["status"] for o in filled] == ["Filled"]
    both = await live(primed, filters="Submitted,Filled,sort_by_time")
    assert len(both) == 2
    forced = (await primed.get("/iserver/account/orders", params={"force": "true"})).json()
    assert forced == {"orders": [], "snapshot": False}


async def test_cancel_answers_and_cancels(sim: GatewaySimulator, primed: httpx.AsyncClient) -> None:
    order_id = (await place(primed, limit(sim, -0.02)))[0]["order_id"]
    response = await primed.delete(f"/iserver/account/{ACCOUNT}/order/{order_id}")
    assert response.json() == {
        "msg": "Request was submitted",
        "order_id": int(order_id),
        "conid": AAPL,
        "account": ACCOUNT,
    }
    assert [o["status"] for o in await live(primed)] == ["Cancelled"]
    again = await primed.delete(f"/iserver/account/{ACCOUNT}/order/{order_id}")
    assert "error" in again.json()


async def test_cancel_unknown_order(primed: httpx.AsyncClient) -> None:
    response = await primed.delete(f"/iserver/account/{ACCOUNT}/order/123456")
    assert response.json() == {"error": "OrderID 123456 doesn't exist"}


async def test_modify_takes_a_single_order_object(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    original = limit(sim, -0.02, cOID="mod-1")
    order_id = (await place(primed, original))[0]["order_id"]
    path = f"/iserver/account/{ACCOUNT}/order/{order_id}"
    assert (await primed.post(path, json={"orders": [original]})).status_code == 400
    new_price = round(original["price"] - 1, 2)
    answer = (await primed.post(path, json=original | {"price": new_price, "quantity": 20})).json()
    assert answer[0]["order_id"] == order_id
    order = (await live(primed))[0]
    assert order["price"] == f"{new_price:.2f}" and order["totalSize"] == 20
    assert order["order_ref"] == "mod-1"


async def test_modify_into_the_market_asks_and_fills(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    original = limit(sim, -0.02)
    order_id = (await place(primed, original))[0]["order_id"]
    path = f"/iserver/account/{ACCOUNT}/order/{order_id}"
    answer = (
        await primed.post(path, json=original | {"price": round(sim.quote(AAPL).ask * 1.01, 2)})
    ).json()
    _, seen = await confirm_all(primed, answer)
    assert seen == ["o403"]
    sim.advance(1)
    assert [o["status"] for o in await live(primed)] == ["Filled"]


async def test_order_status(sim: GatewaySimulator, primed: httpx.AsyncClient) -> None:
    order_id = (await place(primed, limit(sim, -0.02)))[0]["order_id"]
    body = (await primed.get(f"/iserver/account/order/status/{order_id}")).json()
    assert body["order_id"] == int(order_id) and body["symbol"] == "AAPL" and body["side"] == "B"
    assert body["order_status"] == "PreSubmitted" and body["total_size"] == "10.0"
    assert (await primed.get("/iserver/account/order/status/1")).status_code == 400


async def test_whatif_previews_without_placing(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    body = (
        await primed.post(f"{ORDERS}/whatif", json={"orders": [limit(sim, -0.02, quantity=10)]})
    ).json()
    assert set(body) == {"amount", "equity", "initial", "maintenance", "position", "warn", "error"}
    assert body["amount"]["amount"].endswith("USD (10 Shares)") and body["error"] is None
    assert await live(primed) == []
    far = (await primed.post(f"{ORDERS}/whatif", json={"orders": [limit(sim, -0.9)]})).json()
    assert far["error"].startswith("We cannot accept an order")


async def test_bracket_child_waits_for_its_parent(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    parent = limit(sim, -0.02, cOID="parent-1")
    child = limit(sim, 0.02, cOID="child-1", parentId="parent-1", side="SELL")
    answer = await place(primed, parent, child)
    assert len(answer) == 2
    sim.advance(2)
    assert [o["status"] for o in await live(primed)] == ["Submitted", "PreSubmitted"]
    sim.fill_order(int(answer[0]["order_id"]))
    sim.advance(1)
    statuses = {o["order_ref"]: o["status"] for o in await live(primed)}
    assert statuses == {"parent-1": "Filled", "child-1": "Submitted"}


async def test_orders_for_the_second_account(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    order = {
        "conid": IBM,
        "orderType": "LMT",
        "side": "SELL",
        "quantity": 5,
        "price": round(sim.quote(IBM).last * 1.02, 2),
    }
    answer = (
        await primed.post("/iserver/account/U7654321/orders", json={"orders": [order]})
    ).json()
    assert answer[0]["order_status"] == "PreSubmitted"
    assert (await live(primed))[0]["acct"] == "U7654321"


async def test_exempt_paths_do_not_cancel_a_pending_question(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    sim = make_sim(reply_exempt_paths=("/tickle",))
    async with sim.client() as http:
        await prime(http)
        question = await place(http, limit(sim, 0.05))
        await http.post("/tickle", json={})
        final, _ = await confirm_all(http, question)
        assert final[0]["order_status"] == "PreSubmitted"
