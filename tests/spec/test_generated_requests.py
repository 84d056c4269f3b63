"""The generated functions send the real gateway request shapes."""

from __future__ import annotations

import json

import httpx
import respx

from ibkr_webapi_client import Client
from ibkr_webapi_client.api.contracts import search_contracts
from ibkr_webapi_client.api.orders import (
    get_live_orders,
    modify_order,
    place_order,
    reply_to_question,
)
from ibkr_webapi_client.api.portfolio import get_positions
from ibkr_webapi_client.api.sessions import init_brokerage_session
from ibkr_webapi_client.models import (
    ContractSearchRequest,
    ErrorResponse,
    OrderQuestion,
    OrderRequest,
    OrderResponse,
    OrdersSubmission,
    ReplyRequest,
    SessionInitRequest,
)

BASE = "https://localhost:5000/v1/api"


def _client() -> Client:
    return Client(base_url=BASE)


@respx.mock
async def test_place_order_sends_an_orders_list() -> None:
    route = respx.post(f"{BASE}/iserver/account/U1234567/orders").respond(
        json=[{"order_id": "1370093239", "order_status": "PreSubmitted", "encrypt_message": "1"}]
    )
    order = OrderRequest(
        order_type="LMT",
        side="BUY",
        tif="DAY",
        conid=265598,
        quantity=1,
        price=150.0,
        c_oid="c-1",
        outside_rth=False,
        acct_id="U1234567",
    )
    response = await place_order.asyncio_detailed(
        "U1234567", client=_client(), body=OrdersSubmission(orders=[order])
    )
    sent = json.loads(route.calls.last.request.content)
    assert sent == {
        "orders": [
            {
                "orderType": "LMT",
                "side": "BUY",
                "tif": "DAY",
                "conid": 265598,
                "quantity": 1,
                "price": 150.0,
                "cOID": "c-1",
                "outsideRTH": False,
                "acctId": "U1234567",
            }
        ]
    }
    assert isinstance(response.parsed, list)
    assert isinstance(response.parsed[0], OrderResponse)
    assert response.parsed[0].order_id == "1370093239"


@respx.mock
async def test_place_order_answer_can_be_a_question() -> None:
    respx.post(f"{BASE}/iserver/account/U1/orders").respond(
        json=[
            {
                "id": "07a1",
                "message": ["Are you sure?"],
                "isSuppressed": False,
                "messageIds": ["o0"],
            }
        ]
    )
    response = await place_order.asyncio_detailed(
        "U1",
        client=_client(),
        body=OrdersSubmission(orders=[OrderRequest(order_type="MKT", side="BUY", tif="DAY")]),
    )
    assert isinstance(response.parsed, list)
    question = response.parsed[0]
    assert isinstance(question, OrderQuestion)
    assert question.message_ids == ["o0"]


@respx.mock
async def test_place_order_answer_can_be_a_rejection() -> None:
    respx.post(f"{BASE}/iserver/account/U1/orders").respond(
        json={"error": "We cannot accept an order"}
    )
    response = await place_order.asyncio_detailed(
        "U1",
        client=_client(),
        body=OrdersSubmission(orders=[OrderRequest(order_type="MKT", side="BUY", tif="DAY")]),
    )
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error == "We cannot accept an order"


@respx.mock
async def test_modify_order_sends_a_single_order_object() -> None:
    route = respx.post(f"{BASE}/iserver/account/U1/order/42").respond(json=[{"order_id": "42"}])
    await modify_order.asyncio_detailed(
        "U1",
        "42",
        client=_client(),
        body=OrderRequest(order_type="LMT", side="BUY", tif="DAY", price=1.5),
    )
    assert json.loads(route.calls.last.request.content) == {
        "orderType": "LMT",
        "side": "BUY",
        "tif": "DAY",
        "price": 1.5,
    }


@respx.mock
async def test_reply_sends_confirmed_flag() -> None:
    route = respx.post(f"{BASE}/iserver/reply/abc").respond(json=[{"order_id": "1"}])
    await reply_to_question.asyncio_detailed(
        "abc", client=_client(), body=ReplyRequest(confirmed=True)
    )
    assert json.loads(route.calls.last.request.content) == {"confirmed": True}


@respx.mock
async def test_ssodh_init_sends_publish_and_compete() -> None:
    route = respx.post(f"{BASE}/iserver/auth/ssodh/init").respond(json={"authenticated": True})
    await init_brokerage_session.asyncio_detailed(
        client=_client(), body=SessionInitRequest(publish=True, compete=False)
    )
    assert json.loads(route.calls.last.request.content) == {"publish": True, "compete": False}


@respx.mock
async def test_positions_page_is_a_path_segment_with_query_options() -> None:
    route = respx.get(f"{BASE}/portfolio/U1/positions/2").respond(
        json=[{"conid": 1, "strike": "0"}]
    )
    response = await get_positions.asyncio_detailed("U1", "2", client=_client(), sort="name")
    assert route.calls.last.request.url.params["sort"] == "name"
    assert response.parsed is not None and response.parsed[0].strike == "0"


@respx.mock
async def test_live_orders_accepts_filters_and_force() -> None:
    route = respx.get(f"{BASE}/iserver/account/orders").respond(
        json={"orders": [], "snapshot": False}
    )
    await get_live_orders.asyncio_detailed(client=_client(), filters="Submitted", force=True)
    params = route.calls.last.request.url.params
    assert params["filters"] == "Submitted" and params["force"] == "true"


@respx.mock
async def test_contract_search_keeps_conid_as_string() -> None:
    respx.post(f"{BASE}/iserver/secdef/search").respond(json=[{"conid": "8314", "symbol": "IBM"}])
    response = await search_contracts.asyncio_detailed(
        client=_client(), body=ContractSearchRequest(symbol="IBM", sec_type="STK")
    )
    assert response.parsed is not None and response.parsed[0].conid == "8314"


@respx.mock
async def test_error_status_parses_the_error_body() -> None:
    respx.get(f"{BASE}/iserver/account/orders").respond(
        401, json={"error": "not authenticated", "statusCode": 401}
    )
    response = await get_live_orders.asyncio_detailed(client=_client())
    assert response.status_code == httpx.codes.UNAUTHORIZED
    assert isinstance(response.parsed, ErrorResponse) and response.parsed.status_code == 401
