"""Groups of orders against a respx-mocked gateway: brackets, OCA, several orders, prompts.

Exactly-once for a group: every leg has its own cOID; a lost answer is settled by looking up every
leg; a leg in doubt makes the whole call ``OrderStatusUnknown`` naming it; a group is resent only
when every leg is known absent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from ibkr_webapi import (
    Bracket,
    BracketStatus,
    IBKRClient,
    Order,
    OrderPrompt,
    OrderStatus,
    PlacedBracket,
    PlacedOrder,
    Question,
    errors,
)
from tests.helpers import ACCOUNTS, BASE

ORDERS = f"{BASE}/iserver/account/U1/orders"
WHATIF = f"{BASE}/iserver/account/U1/orders/whatif"
LIVE = f"{BASE}/iserver/account/orders"
TRADES = f"{BASE}/iserver/account/trades"
NOTIFY = f"{BASE}/iserver/notification"
SESSION_ACCOUNTS = {**ACCOUNTS, "sessionId": "65ee8a41.0000001e"}
LEGS = ("b-1", "b-1-tp", "b-1-sl")


@pytest.fixture(autouse=True)
def _quick_settle(ib: IBKRClient) -> None:
    ib.orders.flow.settle_delay = 0.001


def _bracket(c_oid: str = "b-1") -> Bracket:
    entry = Order(conid=265598, side="BUY", quantity=10, price=150.0, c_oid=c_oid)
    return Bracket(entry=entry, take_profit=160.0, stop_loss=145.0)


def _ack(order_id: int, local: str | None = None) -> dict[str, object]:
    ack: dict[str, object] = {
        "order_id": str(order_id),
        "order_status": "PreSubmitted",
        "encrypt_message": "1",
    }
    if local is not None:
        ack["local_order_id"] = local
    return ack


def _live(*legs: tuple[int, str]) -> dict[str, object]:
    return {
        "orders": [{"orderId": i, "status": "PreSubmitted", "order_ref": c} for i, c in legs],
        "snapshot": True,
    }


def _sent(route: respx.Route, call: int = -1) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = json.loads(route.calls[call].request.content)["orders"]
    return orders


@respx.mock
async def test_a_bracket_goes_out_in_one_post_with_a_coid_on_every_leg(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).respond(json=[_ack(11), _ack(12), _ack(13)])
    placed = await ib.orders.bracket(_bracket(), account_id="U1")
    sent = _sent(post)
    assert post.call_count == 1
    assert [o["cOID"] for o in sent] == list(LEGS)
    assert [o.get("parentId") for o in sent] == [None, "b-1", "b-1"]
    assert [(o["side"], o["orderType"]) for o in sent] == [
        ("BUY", "LMT"),
        ("SELL", "LMT"),
        ("SELL", "STP"),
    ]
    assert (sent[2]["price"], sent[2]["auxPrice"]) == (145.0, 145.0)
    assert isinstance(placed, PlacedBracket)
    assert placed.order_ids == (11, 12, 13)
    assert [leg.c_oid for leg in placed.legs] == list(LEGS)
    assert not placed.recovered


@respx.mock
async def test_acknowledgements_that_echo_coids_are_matched_by_them(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=[_ack(13, "b-1-sl"), _ack(11, "b-1"), _ack(12, "b-1-tp")])
    placed = await ib.orders.bracket(_bracket(), account_id="U1")
    assert placed.order_ids == (11, 12, 13)


@respx.mock
async def test_one_policy_answers_the_whole_chain_and_sees_the_group(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(
        json=[
            {"id": "q1", "message": ["stop order?"], "messageIds": ["o0"]},
            {"id": "q2", "message": ["size?"], "messageIds": ["o383"]},
        ]
    )
    reply = respx.post(f"{BASE}/iserver/reply/q1").respond(
        json=[{"id": "q3", "message": ["value?"], "messageIds": ["o451"]}]
    )
    respx.post(f"{BASE}/iserver/reply/q3").respond(json=[_ack(11), _ack(12), _ack(13)])
    seen: list[Question] = []

    def policy(question: Question) -> bool:
        seen.append(question)
        return True

    placed = await ib.orders.bracket(_bracket(), account_id="U1", confirm=policy)
    # Both questions of the first answer reach the policy as one; the reply goes to the first id.
    assert [q.message_ids for q in seen] == [("o0", "o383"), ("o451",)]
    assert seen[0].messages == ("stop order?", "size?")
    assert [o.c_oid for o in seen[0].group] == list(LEGS) and seen[0].order.c_oid == "b-1"
    assert reply.call_count == 1
    assert [q.message_ids for q in placed.parent.answered] == [("o0", "o383"), ("o451",)]


@respx.mock
async def test_declining_a_question_places_no_leg_and_forgets_the_coids(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).respond(json=[{"id": "q1", "message": ["?"], "messageIds": ["o0"]}])
    decline = respx.post(f"{BASE}/iserver/reply/q1").respond(json={"error": "not confirmed"})
    with pytest.raises(errors.OrderConfirmationRequired):
        await ib.orders.bracket(_bracket(), account_id="U1")
    assert json.loads(decline.calls.last.request.content) == {"confirmed": False}
    assert all(ib.orders.flow.sent.get(c) is None for c in LEGS)
    post.respond(json=[_ack(11), _ack(12), _ack(13)])  # so the same bracket may be sent again
    assert (await ib.orders.bracket(_bracket(), account_id="U1")).order_ids == (11, 12, 13)


@respx.mock
async def test_a_lost_answer_finds_every_leg_and_never_resends(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadError("reset after sending"))
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json=_live((11, "b-1"), (12, "b-1-tp"), (13, "b-1-sl")))
    placed = await ib.orders.bracket(_bracket(), account_id="U1", resend_if_missing=True)
    assert post.call_count == 1
    assert placed.order_ids == (11, 12, 13) and placed.recovered


@respx.mock
async def test_a_leg_in_doubt_is_named_and_the_group_is_never_resent(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=SESSION_ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadError("reset after sending"))
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json=_live((11, "b-1"), (12, "b-1-tp")))
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.orders.bracket(_bracket(), account_id="U1", resend_if_missing=True)
    assert post.call_count == 1  # a leg exists: the group went out, it is never sent again
    assert info.value.c_oids == ("b-1-sl",) and info.value.c_oid == "b-1-sl"
    assert info.value.found == {"b-1": 11, "b-1-tp": 12}
    assert "b-1-sl" in str(info.value) and "group was not resent" in str(info.value)
    sent = ib.orders.flow.sent
    assert [sent.get(c).state for c in LEGS] == ["placed", "placed", "unknown"]  # type: ignore[union-attr]


@respx.mock
async def test_a_group_absent_twice_in_one_session_is_resent_once_with_the_same_coids(
    ib: IBKRClient,
) -> None:
    ib.orders.flow.settle_delay = 0
    respx.get(f"{BASE}/iserver/accounts").respond(json=SESSION_ACCOUNTS)
    post = respx.post(ORDERS).mock(
        side_effect=[
            httpx.ReadError("reset after sending"),
            httpx.Response(200, json=[_ack(21), _ack(22), _ack(23)]),
        ]
    )
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    placed = await ib.orders.bracket(_bracket(), account_id="U1", resend_if_missing=True)
    assert post.call_count == 2
    assert [o["cOID"] for o in _sent(post, 0)] == [o["cOID"] for o in _sent(post, 1)]
    assert placed.order_ids == (21, 22, 23) and all(leg.resent for leg in placed.legs)


@respx.mock
async def test_a_group_is_not_resent_by_default(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.orders.bracket(_bracket(), account_id="U1")
    assert post.call_count == 1
    assert info.value.c_oids == LEGS and info.value.found == {}
    # Placing the same bracket again looks every leg up first: now they are there.
    respx.get(LIVE).respond(json=_live((11, "b-1"), (12, "b-1-tp"), (13, "b-1-sl")))
    again = await ib.orders.bracket(_bracket(), account_id="U1")
    assert post.call_count == 1 and again.order_ids == (11, 12, 13) and again.recovered


@respx.mock
async def test_fewer_acknowledgements_than_legs_are_settled_by_look_up(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=[_ack(11)])  # which leg? the client does not guess
    respx.get(TRADES).respond(json=[])
    live = respx.get(LIVE).respond(json=_live((11, "b-1"), (12, "b-1-tp"), (13, "b-1-sl")))
    placed = await ib.orders.bracket(_bracket(), account_id="U1")
    assert placed.order_ids == (11, 12, 13)
    assert live.call_count >= 1


@respx.mock
async def test_an_echoed_acknowledgement_of_one_leg_leaves_the_others_to_look_up(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=[_ack(11, "b-1"), _ack(99)])
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json=_live((12, "b-1-tp")))
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.orders.bracket(_bracket(), account_id="U1")
    assert info.value.found == {"b-1": 11, "b-1-tp": 12}
    assert info.value.c_oids == ("b-1-sl",)


@respx.mock
async def test_a_duplicate_refusal_naming_any_leg_is_looked_up(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).respond(
        json={"error": "Order couldn't be submitted: Local order ID=b-1-tp is already registered."}
    )
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json=_live((11, "b-1"), (12, "b-1-tp"), (13, "b-1-sl")))
    placed = await ib.orders.bracket(_bracket(), account_id="U1")
    assert post.call_count == 1 and placed.recovered


@respx.mock
async def test_a_plain_refusal_of_a_group_is_order_rejected(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json={"error": "Only one order per request"})
    with pytest.raises(errors.OrderRejected, match="Only one order"):
        await ib.orders.place_many(
            [Order(conid=265598, side="BUY", quantity=1, price=1.0, c_oid=c) for c in "xy"],
            account_id="U1",
        )
    assert ib.orders.flow.sent.get("x") is None


@respx.mock
async def test_oca_marks_every_order_and_place_many_keeps_the_order(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).respond(json=[_ack(31), _ack(32)])
    legs = [
        Order(conid=265598, side="BUY", quantity=1, price=150.0, c_oid="o-1"),
        Order(conid=8314, side="BUY", quantity=1, price=120.0, c_oid="o-2"),
    ]
    placed = await ib.orders.oca(legs, account_id="U1")
    assert [o["isSingleGroup"] for o in _sent(post)] == [True, True]
    assert [(p.order_id, p.c_oid) for p in placed] == [(31, "o-1"), (32, "o-2")]
    post.respond(json=[_ack(41), _ack(42)])
    many = await ib.orders.place_many(
        [leg.evolve(c_oid=f"m-{i}") for i, leg in enumerate(legs)], account_id="U1"
    )
    assert "isSingleGroup" not in _sent(post)[0]
    assert [p.order_id for p in many] == [41, 42]


async def test_group_inputs_are_checked_before_sending(ib: IBKRClient) -> None:
    with respx.mock:  # nothing may be sent
        with pytest.raises(errors.InvalidRequestError, match="must be a Bracket"):
            await ib.orders.bracket("b-1", account_id="U1")  # type: ignore[arg-type]
        with pytest.raises(errors.InvalidRequestError, match="at least 2"):
            await ib.orders.oca([Order(conid=1, side="BUY", quantity=1, price=1.0)])
        with pytest.raises(errors.InvalidRequestError, match="list of Order"):
            await ib.orders.place_many(Order(conid=1, side="BUY", quantity=1, price=1.0))  # type: ignore[arg-type]
        with pytest.raises(errors.InvalidRequestError, match="PlacedBracket"):
            await ib.orders.bracket_status("1")  # type: ignore[arg-type]


PROMPT = {
    "orderId": 1370093250,
    "reqId": "22170",
    "dismissable": [],
    "text": "Far from the reference price. Use the price management algo?",
    "options": ["Use on this order", "Always use", "Do not use"],
    "type": "M",
    "messageId": "p12",
    "prompt": True,
}


@respx.mock
async def test_a_prompt_is_a_refusal_that_may_be_answered(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=PROMPT)
    with pytest.raises(errors.OrderRejectedWithPrompt) as info:
        await ib.orders.bracket(_bracket(), account_id="U1")
    prompt = info.value.prompt
    assert isinstance(info.value, errors.OrderRejected)
    assert isinstance(prompt, OrderPrompt)
    assert (prompt.order_id, prompt.req_id, prompt.message_id) == (1370093250, "22170", "p12")
    assert prompt.options == ("Use on this order", "Always use", "Do not use")
    assert prompt.c_oids == LEGS
    assert all(ib.orders.flow.sent.get(c) is None for c in LEGS)  # nothing was placed

    with pytest.raises(errors.InvalidRequestError, match="option must be one of"):
        await ib.orders.answer_prompt(prompt, "Maybe")
    notify = respx.post(NOTIFY).respond(json="Submitted")
    assert await ib.orders.answer_prompt(prompt, "Use on this order") == "Submitted"
    assert json.loads(notify.calls.last.request.content) == {
        "orderId": 1370093250,
        "reqId": "22170",
        "text": "Use on this order",
    }
    # The answer may have resubmitted the legs: placing them again looks them up first.
    assert [ib.orders.flow.sent.get(c).state for c in LEGS] == ["unknown"] * 3  # type: ignore[union-attr]


@respx.mock
async def test_a_lost_answer_to_a_prompt_is_unknown_and_sent_once(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    notify = respx.post(NOTIFY).mock(side_effect=httpx.ReadError("lost"))
    prompt = OrderPrompt(
        order_id=5, req_id="1", text="?", options=("Yes",), message_id=None, c_oids=("p-1",)
    )
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.orders.answer_prompt(prompt, "Yes")
    assert notify.call_count == 1
    assert info.value.order_id == 5 and info.value.c_oids == ("p-1",)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({**PROMPT, "prompt": False, "options": []}, errors.OrderRejected),  # a plain refusal
        ({**PROMPT, "options": "Yes"}, errors.OrderRejected),  # no usable options: refusal
        ({"orderId": "x", "reqId": "1", "options": ["a"], "text": "t"}, errors.OrderStatusUnknown),
        ({"orderId": 5, "reqId": "../x", "options": ["a"], "text": "t"}, errors.OrderStatusUnknown),
    ],
)
@respx.mock
async def test_damaged_prompts_are_refusals_or_looked_up(
    ib: IBKRClient, body: dict[str, object], kind: type[Exception]
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=body)
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    with pytest.raises(kind) as info:
        await ib.place_order("U1", Order(conid=1, side="BUY", quantity=1, price=1.0, c_oid="d"))
    assert not isinstance(info.value, errors.OrderRejectedWithPrompt)


@respx.mock
async def test_a_prompt_on_a_modification_is_raised_too(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(f"{BASE}/iserver/account/U1/order/7").respond(json=PROMPT)
    order = Order(conid=1, side="BUY", quantity=1, price=1.0, c_oid="m-1")
    with pytest.raises(errors.OrderRejectedWithPrompt) as info:
        await ib.orders.modify(7, order, account_id="U1")
    assert info.value.prompt.c_oids == ("m-1",)


def _status(order_id: int, status: str, filled: float = 0.0) -> dict[str, object]:
    return {"order_id": order_id, "order_status": status, "cum_fill": str(filled)}


PLACED = PlacedBracket(
    parent=PlacedOrder(order_id=11, order_status="PreSubmitted", c_oid="b-1"),
    take_profit=PlacedOrder(order_id=12, order_status="PreSubmitted", c_oid="b-1-tp"),
    stop_loss=PlacedOrder(order_id=13, order_status="PreSubmitted", c_oid="b-1-sl"),
)


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        (("Submitted", "PreSubmitted", "PreSubmitted"), "entry working"),
        (("Filled", "Submitted", "Submitted"), "open"),
        (("Filled", "Filled", "Cancelled"), "take profit filled"),
        (("Filled", "Cancelled", "Filled"), "stop loss filled"),
        (("Cancelled", "Cancelled", "Cancelled"), "cancelled"),
        (("Filled", "Cancelled", "Submitted"), "other"),
    ],
)
@respx.mock
async def test_bracket_status_reads_every_leg(
    ib: IBKRClient, statuses: tuple[str, str, str], state: str
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    for order_id, status in zip((11, 12, 13), statuses, strict=True):
        filled = 10.0 if status == "Filled" else 0.0
        respx.get(f"{BASE}/iserver/account/order/status/{order_id}").respond(
            json=_status(order_id, status, filled)
        )
    result = await ib.orders.bracket_status(PLACED)
    assert isinstance(result, BracketStatus) and isinstance(result.parent, OrderStatus)
    assert [leg.status for leg in result.legs] == list(statuses)
    assert result.state == state


@respx.mock
async def test_cancel_bracket_cancels_what_still_works_entry_first(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    for order_id, status in ((11, "Filled"), (12, "Submitted"), (13, "Submitted")):
        respx.get(f"{BASE}/iserver/account/order/status/{order_id}").respond(
            json=_status(order_id, status)
        )
    deleted = [
        respx.delete(f"{BASE}/iserver/account/U1/order/{i}").respond(
            json={"msg": "Request was submitted", "order_id": i}
        )
        for i in (11, 12, 13)
    ]
    results = await ib.orders.cancel_bracket(PLACED, account_id="U1")
    assert [r.order_id for r in results] == [12, 13]
    assert [d.call_count for d in deleted] == [0, 1, 1]


def _leg_status(order_id: int, status: str, **fields: object) -> dict[str, object]:
    """A leg of ``_bracket()`` as the gateway shows it: 10 shares, DAY, the bracket's prices."""
    prices = {11: {"limit_price": "150.00"}, 12: {"limit_price": "160.00"}}
    body = _status(order_id, status) | {"total_size": "10.0", "tif": "DAY"}
    return body | prices.get(order_id, {"stop_price": "145.00"}) | fields


def _mock_legs(*statuses: dict[str, object]) -> list[respx.Route]:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    for body in statuses:
        respx.get(f"{BASE}/iserver/account/order/status/{body['order_id']}").respond(json=body)
    return [
        respx.post(f"{BASE}/iserver/account/U1/order/{i}").respond(
            json=[{"order_id": str(i), "order_status": "Submitted"}]
        )
        for i in (11, 12, 13)
    ]


@respx.mock
async def test_modify_bracket_sends_only_the_legs_that_change(ib: IBKRClient) -> None:
    posts = _mock_legs(
        _leg_status(11, "Filled"), _leg_status(12, "Submitted"), _leg_status(13, "Submitted")
    )
    moved = await ib.orders.modify_bracket(
        PLACED, _bracket().evolve(stop_loss=148.0), account_id="U1"
    )
    assert [p.call_count for p in posts] == [0, 0, 1]
    sent = json.loads(posts[2].calls[0].request.content)
    assert sent["orderType"] == "STP" and sent["auxPrice"] == 148.0
    assert sent["cOID"] == "b-1-sl" and sent["parentId"] == "b-1"
    assert moved.parent is PLACED.parent and moved.take_profit is PLACED.take_profit
    assert moved.stop_loss.order_id == 13 and moved.stop_loss.order_status == "Submitted"


@respx.mock
async def test_modify_bracket_quantity_changes_every_working_leg_entry_first(
    ib: IBKRClient,
) -> None:
    posts = _mock_legs(*(_leg_status(i, "PreSubmitted") for i in (11, 12, 13)))
    bigger = _bracket().evolve(entry=_bracket().entry.evolve(quantity=20))
    await ib.orders.modify_bracket(PLACED, bigger, account_id="U1")
    assert [p.call_count for p in posts] == [1, 1, 1]
    assert [json.loads(p.calls[0].request.content)["quantity"] for p in posts] == [20, 20, 20]
    order = [
        str(c.request.url).rsplit("/", 1)[-1] for c in respx.calls if c.request.method == "POST"
    ]
    assert order == ["11", "12", "13"]


@respx.mock
async def test_modify_bracket_already_applied_sends_nothing(ib: IBKRClient) -> None:
    # A second call after a lost answer: the gateway already shows the new stop.
    posts = _mock_legs(
        _leg_status(11, "Filled"),
        _leg_status(12, "Submitted"),
        _leg_status(13, "Submitted", stop_price="148.00"),
    )
    again = await ib.orders.modify_bracket(
        PLACED, _bracket().evolve(stop_loss=148.0), account_id="U1"
    )
    assert [p.call_count for p in posts] == [0, 0, 0] and again == PLACED


@respx.mock
async def test_modify_bracket_refuses_a_change_to_a_finished_leg_before_sending(
    ib: IBKRClient,
) -> None:
    posts = _mock_legs(
        _leg_status(11, "Filled"), _leg_status(12, "Filled"), _leg_status(13, "Cancelled")
    )
    with pytest.raises(errors.InvalidRequestError, match=r"stop-loss \(order 13\) is Cancelled"):
        await ib.orders.modify_bracket(PLACED, _bracket().evolve(stop_loss=148.0), account_id="U1")
    assert [p.call_count for p in posts] == [0, 0, 0]


@respx.mock
async def test_modify_bracket_checks_its_inputs(ib: IBKRClient) -> None:
    with pytest.raises(errors.InvalidRequestError, match="cOID"):
        await ib.orders.modify_bracket(PLACED, _bracket("other"))
    with pytest.raises(errors.InvalidRequestError, match="PlacedBracket"):
        await ib.orders.modify_bracket(PLACED.parent, _bracket())  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidRequestError, match="PlacedBracket"):
        await ib.orders.modify_bracket(PLACED, _bracket().entry)  # type: ignore[arg-type]
    assert not respx.calls


@respx.mock
async def test_a_bracket_preview_never_shows_its_real_coids(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    whatif = respx.post(WHATIF).respond(
        json={"amount": {"amount": "1,500.00 USD (10 Shares)", "commission": "1 USD"}}
    )
    preview = await ib.orders.preview(_bracket(), account_id="U1")
    sent = _sent(whatif)
    assert preview.amount == 1500.0 and preview.commission == 1.0
    assert len(sent) == 3 and not {o["cOID"] for o in sent} & set(LEGS)
    assert sent[0]["cOID"].startswith("whatif-")
    assert sent[1]["parentId"] == sent[2]["parentId"] == sent[0]["cOID"]
    await ib.orders.preview([Order(conid=1, side="BUY", quantity=1, price=1.0)], account_id="U1")
    assert len(_sent(whatif)) == 1
    with pytest.raises(errors.InvalidRequestError):
        await ib.orders.preview([], account_id="U1")


@respx.mock
async def test_trades_are_typed_with_commission_and_the_days_asked_for(ib: IBKRClient) -> None:
    route = respx.get(TRADES).respond(
        json=[
            {
                "execution_id": "0000e0d5.1.01.01",
                "symbol": "AAPL",
                "side": "S",
                "size": 10,
                "price": "169.57",
                "commission": "1.00",
                "net_amount": 1695.7,
                "order_ref": "b-1-tp",
                "order_id": 12,
                "trade_time_r": 1702305015000,
                "conid": "265598",
            }
        ]
    )
    [fill] = await ib.trades(days=3)
    assert route.calls.last.request.url.params["days"] == "3"
    assert (fill.action, fill.size, fill.price, fill.commission) == ("SELL", 10.0, 169.57, 1.0)
    assert (fill.net_amount, fill.c_oid, fill.order_id, fill.conid) == (
        1695.7,
        "b-1-tp",
        12,
        265598,
    )
    assert fill.time is not None and fill.time.year == 2023
    await ib.orders.trades(days=0)
    assert "days" not in route.calls.last.request.url.params  # today only: the gateway's default
    for bad in (8, -1, 1.5, "2", True):
        with pytest.raises(errors.InvalidRequestError, match="days"):
            await ib.trades(days=bad)  # type: ignore[arg-type]
