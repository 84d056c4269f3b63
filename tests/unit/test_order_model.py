"""The Order a user describes: validation with clear errors, cOIDs, and the wire model."""

from __future__ import annotations

import pytest

from ibkr_webapi import Order, errors
from ibkr_webapi.orders.order import Question, decide


def test_limit_order_becomes_the_wire_model_with_the_account() -> None:
    order = Order(conid=265598, side="BUY", quantity=1, order_type="LMT", price=150.0, c_oid="c-1")
    assert order.to_request("U1234567").to_dict() == {
        "orderType": "LMT",
        "side": "BUY",
        "tif": "DAY",
        "acctId": "U1234567",
        "outsideRTH": False,
        "conid": 265598,
        "quantity": 1,
        "price": 150.0,
        "cOID": "c-1",
    }


def test_client_order_id_is_generated_once_and_kept() -> None:
    order = Order(conid=1, side="SELL", quantity=2, order_type="MKT").with_client_order_id()
    assert order.c_oid and order.c_oid.startswith("ibkr-")
    assert order.with_client_order_id().c_oid == order.c_oid


def test_given_client_order_id_is_not_replaced() -> None:
    order = Order(conid=1, side="BUY", quantity=1, order_type="MKT", c_oid="mine")
    assert order.with_client_order_id().c_oid == "mine"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"side": "HOLD", "conid": 1, "quantity": 1, "order_type": "MKT"}, "side must be"),
        ({"side": "BUY", "quantity": 1, "order_type": "MKT"}, "give conid"),
        ({"side": "BUY", "conid": 1, "order_type": "MKT"}, "give quantity"),
        (
            {"side": "BUY", "conid": 1, "quantity": -1, "order_type": "MKT"},
            "quantity must be positive",
        ),
        ({"side": "BUY", "conid": 1, "quantity": 1, "order_type": "LMT"}, "need price"),
        ({"side": "BUY", "conid": 1, "quantity": 1, "order_type": "STP"}, "need aux_price"),
        ({"side": "BUY", "conid": 1, "quantity": 1, "order_type": "FOO"}, "order_type must be"),
        (
            {"side": "BUY", "conid": 1, "quantity": 1, "order_type": "MKT", "tif": "NOW"},
            "tif must be",
        ),
        (
            {"side": "BUY", "conid": 1, "quantity": 1, "order_type": "MKT", "price": 1.0},
            "take no price",
        ),
        ({"side": "BUY", "conid": 1, "quantity": 1, "order_type": "TRAIL"}, "trailing_amt"),
    ],
)
def test_invalid_orders_raise_a_typed_error_saying_what_to_fix(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(errors.InvalidRequestError, match=message):
        Order(**kwargs)  # type: ignore[arg-type]


def test_invalid_request_error_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        Order(side="BUY", quantity=1, order_type="MKT")


def _question() -> Question:
    order = Order(conid=1, side="BUY", quantity=1, order_type="MKT")
    return Question(reply_id="r1", messages=("Are you sure?",), message_ids=("o0",), order=order)


async def test_boolean_policies_decide_directly() -> None:
    assert await decide(True, _question()) is True
    assert await decide(False, _question()) is False


async def test_sync_and_async_callables_decide_per_question() -> None:
    async def async_policy(question: Question) -> bool:
        return "o0" in question.message_ids

    assert await decide(lambda q: q.text == "Are you sure?", _question()) is True
    assert await decide(async_policy, _question()) is True
