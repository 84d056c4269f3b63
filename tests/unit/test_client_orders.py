"""IBKRClient orders against a respx-mocked gateway: questions, rejections, lost answers."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from ibkr_webapi import IBKRClient, Order, Question, errors
from tests.helpers import ACCOUNTS, BASE

ORDERS = f"{BASE}/iserver/account/U1/orders"
LIVE = f"{BASE}/iserver/account/orders"
TRADES = f"{BASE}/iserver/account/trades"
# The gateway names its brokerage session in /iserver/accounts; resending needs it unchanged.
SESSION_ACCOUNTS = {**ACCOUNTS, "sessionId": "65ee8a41.0000001e"}


@pytest.fixture(autouse=True)
def _quick_settle(ib: IBKRClient) -> None:
    ib.orders.flow.settle_delay = 0.001


def _order(**kwargs: object) -> Order:
    base: dict[str, object] = {
        "conid": 265598,
        "side": "BUY",
        "quantity": 1,
        "order_type": "LMT",
        "price": 150.0,
    }
    base.update(kwargs)
    return Order(**base)  # type: ignore[arg-type]


def _question(
    reply_id: str, message_id: str, text: str = "Are you sure?"
) -> list[dict[str, object]]:
    return [{"id": reply_id, "message": [text], "isSuppressed": False, "messageIds": [message_id]}]


ACK = [{"order_id": "1370093239", "order_status": "PreSubmitted", "encrypt_message": "1"}]


@respx.mock
async def test_order_is_sent_with_a_generated_coid_after_accounts(ib: IBKRClient) -> None:
    accounts = respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    route = respx.post(ORDERS).respond(json=ACK)
    placed = await ib.place_order("U1", _order())
    sent = json.loads(route.calls.last.request.content)["orders"][0]
    assert accounts.call_count == 1
    assert sent["cOID"].startswith("ibkr-") and sent["acctId"] == "U1"
    assert placed.order_id == 1370093239 and placed.order_status == "PreSubmitted"
    assert placed.c_oid == sent["cOID"]


@respx.mock
async def test_question_chain_is_followed_to_the_end_when_confirming_all(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=_question("q1", "o163"))
    first = respx.post(f"{BASE}/iserver/reply/q1").respond(json=_question("q2", "o354"))
    second = respx.post(f"{BASE}/iserver/reply/q2").respond(json=ACK)
    placed = await ib.place_order("U1", _order(), confirm=True)
    assert json.loads(first.calls.last.request.content) == {"confirmed": True}
    assert json.loads(second.calls.last.request.content) == {"confirmed": True}
    assert [q.message_ids for q in placed.answered] == [("o163",), ("o354",)]
    assert placed.order_id == 1370093239


@respx.mock
async def test_default_policy_declines_at_once_and_raises_with_the_messages(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(
        json=_question("q1", "o354", "You are submitting an order without market data.")
    )
    decline = respx.post(f"{BASE}/iserver/reply/q1").respond(json={"error": "Order discarded"})
    with pytest.raises(errors.OrderConfirmationRequired) as info:
        await ib.place_order("U1", _order())
    assert info.value.message_ids == ["o354"]
    assert "without market data" in info.value.messages[0]
    assert json.loads(decline.calls.last.request.content) == {"confirmed": False}


@respx.mock
async def test_async_callable_policy_decides_per_question(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=_question("q1", "o163"))
    respx.post(f"{BASE}/iserver/reply/q1").respond(json=_question("q2", "o451"))
    reply2 = respx.post(f"{BASE}/iserver/reply/q2").respond(json={"error": "discarded"})
    seen: list[str] = []

    async def policy(question: Question) -> bool:
        seen.append(question.message_ids[0])
        return question.message_ids == ("o163",)

    with pytest.raises(errors.OrderConfirmationRequired):
        await ib.place_order("U1", _order(), confirm=policy)
    assert seen == ["o163", "o451"]
    assert json.loads(reply2.calls.last.request.content) == {"confirmed": False}


@respx.mock
async def test_rejection_raises_order_rejected_with_ibkr_text(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(
        json={"error": "We cannot accept an order at the limit price you selected."}
    )
    with pytest.raises(errors.OrderRejected, match="limit price you selected"):
        await ib.place_order("U1", _order())


@respx.mock
async def test_503_on_the_order_post_finds_the_order_by_coid_and_never_resends(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).respond(503, json={"error": "timeout"})

    def live(request: httpx.Request) -> httpx.Response:
        coid = json.loads(post.calls.last.request.content)["orders"][0]["cOID"]
        return httpx.Response(
            200,
            json={
                "orders": [
                    {"orderId": 777, "status": "Submitted", "order_ref": coid, "conid": "265598"}
                ],
                "snapshot": True,
            },
        )

    respx.get(TRADES).respond(json=[])

    lookup = respx.get(LIVE).mock(side_effect=live)
    placed = await ib.place_order("U1", _order())
    assert post.call_count == 1
    assert lookup.calls[0].request.url.params["force"] == "true"  # drop the cache, then read
    assert placed.order_id == 777 and placed.recovered


@respx.mock
async def test_lost_order_absent_twice_is_resent_with_the_same_coid_only_when_asked(
    ib: IBKRClient,
) -> None:
    ib.orders.flow.settle_delay = 0
    accounts = respx.get(f"{BASE}/iserver/accounts").respond(json=SESSION_ACCOUNTS)
    post = respx.post(ORDERS).mock(
        side_effect=[httpx.ReadError("reset after sending"), httpx.Response(200, json=ACK)]
    )
    respx.get(TRADES).respond(json=[])
    live = respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    placed = await ib.place_order("U1", _order(), resend_if_missing=True)
    coids = [json.loads(call.request.content)["orders"][0]["cOID"] for call in post.calls]
    assert len(coids) == 2 and coids[0] == coids[1]
    assert placed.order_id == 1370093239 and placed.resent
    assert live.call_count == 4  # two look-ups, each a cache reset and a read
    assert accounts.call_count == 2  # the session id before sending (the prerequisite too), after


@respx.mock
async def test_lost_order_is_not_resent_when_the_brokerage_session_changed(
    ib: IBKRClient,
) -> None:
    ib.orders.flow.settle_delay = 0
    respx.get(f"{BASE}/iserver/accounts").mock(
        side_effect=[
            httpx.Response(200, json=SESSION_ACCOUNTS),
            httpx.Response(200, json={**ACCOUNTS, "sessionId": "65ee8a41.0000001f"}),
        ]
    )
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadError("reset after sending"))
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.place_order("U1", _order(c_oid="mine-9"), resend_if_missing=True)
    assert post.call_count == 1
    assert info.value.c_oid == "mine-9"
    assert "brokerage session (changed)" in info.value.checked


@respx.mock
async def test_lost_order_that_filled_is_found_among_trades(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadError("reset"))
    respx.get(TRADES).respond(
        json=[{"execution_id": "e1", "order_id": 4242, "order_ref": "mine-5", "size": 1.0}]
    )
    respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    respx.get(f"{BASE}/iserver/account/order/status/4242").respond(
        json={"order_id": 4242, "order_status": "Filled"}
    )
    placed = await ib.place_order("U1", _order(c_oid="mine-5"))
    assert post.call_count == 1
    assert (placed.order_id, placed.order_status, placed.recovered) == (4242, "Filled", True)


@respx.mock
async def test_placing_a_coid_this_client_sent_again_looks_it_up_and_never_resends(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(TRADES).respond(json=[])
    live = respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    with pytest.raises(errors.OrderStatusUnknown):
        await ib.place_order("U1", _order(c_oid="mine-6"))
    # The trader tries again with the same order: it is live by now, and comes back as it is.
    live.respond(
        json={
            "orders": [{"orderId": 61, "status": "Submitted", "order_ref": "mine-6"}],
            "snapshot": True,
        }
    )
    placed = await ib.place_order("U1", _order(c_oid="mine-6"))
    assert post.call_count == 1
    assert placed.order_id == 61 and placed.recovered
    again = await ib.place_order("U1", _order(c_oid="mine-6"))  # and again: still no send
    assert post.call_count == 1 and again.order_id == 61


@respx.mock
async def test_lost_order_found_on_the_second_look_up_is_not_resent(ib: IBKRClient) -> None:
    ib.orders.flow.settle_delay = 0
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadTimeout("slow"))
    reads = 0

    def live(request: httpx.Request) -> httpx.Response:
        nonlocal reads
        if "force" in request.url.params:  # a cache reset answers nothing
            return httpx.Response(200, json={"orders": [], "snapshot": False})
        reads += 1
        coid = json.loads(post.calls[0].request.content)["orders"][0]["cOID"]
        orders = [] if reads == 1 else [{"orderId": 5, "status": "Submitted", "order_ref": coid}]
        return httpx.Response(200, json={"orders": orders, "snapshot": True})

    respx.get(TRADES).respond(json=[])

    respx.get(LIVE).mock(side_effect=live)
    placed = await ib.place_order("U1", _order(), resend_if_missing=True)
    assert post.call_count == 1
    assert placed.order_id == 5 and placed.recovered


@respx.mock
async def test_duplicate_refusal_means_the_order_arrived_and_is_looked_up(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).respond(
        json={"error": "Order couldn't be submitted: Local order ID=mine-7 is already registered."}
    )
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(
        json={
            "orders": [{"orderId": 9, "status": "Submitted", "order_ref": "mine-7"}],
            "snapshot": True,
        }
    )
    placed = await ib.place_order("U1", _order(c_oid="mine-7"))
    assert post.call_count == 1
    assert placed.order_id == 9 and placed.recovered


@respx.mock
async def test_lost_order_raises_status_unknown_naming_the_coid_by_default(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadError("reset"))
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.place_order("U1", _order(c_oid="mine-1"))
    assert post.call_count == 1
    assert info.value.c_oid == "mine-1"
    assert set(info.value.checked) == {
        "live orders",
        "trades",
        "live orders after 0.001 s",
        "trades after 0.001 s",
    }


@respx.mock
async def test_failed_look_up_is_unknown_never_absent_even_with_resend(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    post = respx.post(ORDERS).mock(side_effect=httpx.ReadError("reset"))
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(500, json={"error": "internal"})
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.place_order("U1", _order(c_oid="mine-2"), resend_if_missing=True)
    assert post.call_count == 1
    assert set(info.value.checked) == {"live orders (failed: ServerError)", "trades"}


@respx.mock
async def test_refused_connection_is_a_plain_connection_error_at_once(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).mock(side_effect=httpx.ConnectError("connection refused"))
    respx.get(TRADES).respond(json=[])
    live = respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    with pytest.raises(errors.APIConnectionError) as info:
        await ib.place_order("U1", _order())
    assert not isinstance(info.value, errors.OrderStatusUnknown)
    assert info.value.may_have_reached_gateway is False
    assert live.call_count == 0


@pytest.mark.parametrize(
    "body",
    [
        {},  # a 200 object with no error text
        [],  # an empty list
        [{"order_status": "Submitted"}],  # no order id
        [{"order_id": "None", "order_status": "Submitted"}],  # not a real id
        [{"order_id": "7", "order_status": ""}],  # no status
        [{"order_id": "7", "order_status": "Submitted", "id": "q", "message": ["?"]}],
    ],
)
@respx.mock
async def test_unreadable_order_answer_is_looked_up_never_rejected_or_placed(
    ib: IBKRClient, body: object
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=body)
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(json={"orders": [], "snapshot": True})
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.place_order("U1", _order(c_oid="mine-3"))
    assert info.value.c_oid == "mine-3"


@respx.mock
async def test_endless_question_chain_is_bounded_and_declined(ib: IBKRClient) -> None:
    ib.orders.flow.max_questions = 3
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json=_question("q", "o163"))
    reply = respx.post(f"{BASE}/iserver/reply/q").respond(json=_question("q", "o163"))
    with pytest.raises(errors.OrderConfirmationRequired, match="more than 3 questions"):
        await ib.place_order("U1", _order(), confirm=True)
    assert reply.call_count == 4  # three confirmations, then one decline
    assert json.loads(reply.calls.last.request.content) == {"confirmed": False}


@respx.mock
async def test_live_orders_waits_out_the_preflight(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.get(TRADES).respond(json=[])
    route = respx.get(LIVE).mock(
        side_effect=[
            httpx.Response(200, json={"orders": [], "snapshot": False}),
            httpx.Response(
                200,
                json={
                    "orders": [{"orderId": 1, "order_ref": "a", "status": "Filled"}],
                    "snapshot": True,
                },
            ),
        ]
    )
    orders = await ib.live_orders()
    assert route.call_count == 2
    assert [(o.order_id, o.c_oid) for o in orders] == [(1, "a")]


@respx.mock
async def test_cancel_of_unknown_order_raises_with_ibkr_text(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.delete(f"{BASE}/iserver/account/U1/order/123456").respond(
        json={"error": "OrderID 123456 doesn't exist"}
    )
    respx.get(f"{BASE}/iserver/account/order/status/123456").respond(
        400, json={"error": "OrderID 123456 doesn't exist", "statusCode": 400}
    )
    with pytest.raises(errors.OrderRejected, match="doesn't exist"):
        await ib.cancel_order("U1", 123456)


@respx.mock
async def test_cancel_of_an_already_cancelled_order_is_a_success(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.delete(f"{BASE}/iserver/account/U1/order/77").respond(
        json={"error": "OrderID 77 can't be cancelled: it is Cancelled"}
    )
    respx.get(f"{BASE}/iserver/account/order/status/77").respond(
        json={"order_id": 77, "order_status": "Cancelled"}
    )
    result = await ib.cancel_order("U1", 77)
    assert result.already_done and result.order_id == 77


@respx.mock
async def test_lost_cancel_answer_is_settled_by_the_order_status(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    delete = respx.delete(f"{BASE}/iserver/account/U1/order/78").mock(
        side_effect=httpx.ReadError("lost")
    )
    respx.get(f"{BASE}/iserver/account/order/status/78").respond(
        json={"order_id": 78, "order_status": "PendingCancel"}
    )
    result = await ib.cancel_order("U1", 78)
    assert result.already_done
    assert delete.call_count >= 1


@pytest.mark.parametrize("bad", [".", "..", "", "12a", "1" * 40, "../../x", None, 1.5, True])
async def test_order_ids_are_checked_before_anything_is_sent(ib: IBKRClient, bad: object) -> None:
    with respx.mock, pytest.raises(errors.InvalidRequestError, match="order_id"):
        await ib.cancel_order("U1", bad)  # type: ignore[arg-type]  # nothing may be sent


@pytest.mark.parametrize("bad", [".", "..", "", "U1/..", "U 1", None, 5])
async def test_account_ids_are_checked_before_anything_is_sent(ib: IBKRClient, bad: object) -> None:
    with respx.mock, pytest.raises(errors.InvalidRequestError, match="account"):
        await ib.preview_order(bad, _order())  # type: ignore[arg-type]


@respx.mock
async def test_modify_sends_one_order_object_and_follows_questions(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    route = respx.post(f"{BASE}/iserver/account/U1/order/42").respond(
        json=_question("q9", "o10138")
    )
    respx.post(f"{BASE}/iserver/reply/q9").respond(
        json=[{"order_id": "42", "order_status": "Submitted"}]
    )
    placed = await ib.modify_order("U1", 42, _order(price=151.0), confirm=True)
    body = json.loads(route.calls.last.request.content)
    assert body["price"] == 151.0 and "orders" not in body
    assert placed.order_status == "Submitted"


async def test_suppressing_more_than_51_ids_is_refused(ib: IBKRClient) -> None:
    with pytest.raises(errors.InvalidRequestError, match="51"):
        await ib.suppress_questions([f"o{n}" for n in range(52)])


@respx.mock
async def test_a_cancel_answered_503_is_sent_once_and_settled_by_the_status(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    delete = respx.delete(f"{BASE}/iserver/account/U1/order/79").respond(503, json={"error": "x"})
    respx.get(f"{BASE}/iserver/account/order/status/79").respond(
        json={"order_id": 79, "order_status": "Cancelled"}
    )
    result = await ib.cancel_order("U1", 79)
    assert delete.call_count == 1  # never retried by the transport
    assert result.recovered and result.already_done


@respx.mock
async def test_a_lost_cancel_of_a_live_order_is_unknown_with_the_order_id(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.delete(f"{BASE}/iserver/account/U1/order/80").mock(side_effect=httpx.ReadError("lost"))
    respx.get(f"{BASE}/iserver/account/order/status/80").respond(
        json={"order_id": 80, "order_status": "Submitted"}
    )
    with pytest.raises(errors.OrderStatusUnknown, match="may still land") as info:
        await ib.cancel_order("U1", 80)
    assert info.value.order_id == 80 and info.value.checked == ("order status",)


@respx.mock
async def test_a_lost_modify_is_settled_by_the_order_status(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    modify = respx.post(f"{BASE}/iserver/account/U1/order/42").mock(
        side_effect=httpx.ReadTimeout("slow")
    )
    status = respx.get(f"{BASE}/iserver/account/order/status/42").respond(
        json={
            "order_id": 42,
            "order_status": "Submitted",
            "total_size": "1.0",
            "limit_price": "151.00",
        }
    )
    placed = await ib.modify_order("U1", 42, _order(price=151.0))
    assert modify.call_count == 1 and placed.recovered and placed.order_id == 42
    status.respond(
        json={
            "order_id": 42,
            "order_status": "Submitted",
            "total_size": "1.0",
            "limit_price": "150.00",
        }
    )
    with pytest.raises(errors.OrderStatusUnknown, match="does not show the change") as info:
        await ib.modify_order("U1", 42, _order(price=152.0))
    assert info.value.order_id == 42
    assert modify.call_count == 2  # each modification sent once, never resent


@pytest.mark.parametrize(
    "refusal",
    [
        "Order couldn't be submitted: Local order ID=mine-8 is already registered.",
        "This order was rejected because an order with the same local ID already exists.",
        "Duplicate order: client order id already used",
        "refused: mine-8",  # names our cOID: it is about the cOID
    ],
)
@respx.mock
async def test_every_known_duplicate_refusal_is_looked_up_not_rejected(
    ib: IBKRClient, refusal: str
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(ORDERS).respond(json={"error": refusal})
    respx.get(TRADES).respond(json=[])
    respx.get(LIVE).respond(
        json={
            "orders": [{"orderId": 8, "status": "Submitted", "order_ref": "mine-8"}],
            "snapshot": True,
        }
    )
    placed = await ib.place_order("U1", _order(c_oid="mine-8"))
    assert placed.order_id == 8 and placed.recovered


@pytest.mark.parametrize("confirm", [None, "yes", 1, [True]])
async def test_a_confirm_policy_that_is_neither_a_flag_nor_a_function_is_refused(
    ib: IBKRClient, confirm: object
) -> None:
    with respx.mock, pytest.raises(errors.InvalidRequestError, match="confirm must be"):
        await ib.place_order("U1", _order(), confirm=confirm)  # type: ignore[arg-type]
