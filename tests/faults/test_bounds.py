"""Bounds against a gateway that never stops: question chains, pages, JSON depth."""

from __future__ import annotations

import json

import httpx
import pytest

from ibkr_webapi import IBKRClient, Order, PreflightPolicy, RateLimitPolicy, RetryPolicy, errors
from ibkr_webapi.pagination import iterate_pages

from .harness import AAPL, ACCOUNT, TLS

pytestmark = pytest.mark.faults

ACCOUNTS = {"accounts": [ACCOUNT], "selectedAccount": ACCOUNT, "sessionId": "a.1"}


def _client(handler: httpx.MockTransport) -> IBKRClient:
    return IBKRClient(
        "https://gw.test/v1/api",
        transport=handler,
        verify=TLS,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        retry=RetryPolicy.none(),
        preflight=PreflightPolicy(max_polls=2, interval=0.0),
    )


async def test_an_endless_question_chain_is_declined_after_the_bound() -> None:
    replies: list[bool] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/iserver/accounts"):
            return httpx.Response(200, json=ACCOUNTS)
        if "/iserver/reply/" in request.url.path:
            replies.append(json.loads(request.content)["confirmed"])
        question = [{"id": f"q{len(replies)}", "message": ["Sure?"], "messageIds": ["o163"]}]
        return httpx.Response(200, json=question)

    async with _client(httpx.MockTransport(gateway)) as ib:
        ib.orders.flow.max_questions = 25
        order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid="bound-1")
        with pytest.raises(errors.OrderConfirmationRequired, match="more than 25 questions"):
            await ib.place_order(ACCOUNT, order, confirm=True)
    assert replies == [True] * 25 + [False]  # 25 confirmations, then the order is declined


async def test_a_gateway_that_ignores_the_page_number_is_not_walked_forever() -> None:
    pages: list[str] = []
    page = [{"acctId": ACCOUNT, "conid": 1000 + n, "position": 1.0} for n in range(100)]

    def gateway(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/portfolio/accounts"):
            return httpx.Response(200, json=[{"accountId": ACCOUNT, "id": ACCOUNT}])
        pages.append(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(200, json=page)  # the same full page, whatever was asked

    async with _client(httpx.MockTransport(gateway)) as ib:
        positions = await ib.all_positions(ACCOUNT)
    assert len(positions) == 100 and pages == ["0", "1"]


async def test_ever_new_full_pages_stop_at_the_page_bound() -> None:
    fetched: list[int] = []

    async def fetch(number: int) -> list[int]:
        fetched.append(number)
        return list(range(number * 10, number * 10 + 10))

    with pytest.raises(errors.UnexpectedResponseError, match="after 40 pages"):
        async for _ in iterate_pages(fetch, key=lambda n: n, max_pages=40):
            pass
    assert len(fetched) == 40


@pytest.mark.parametrize("depth", [2_000, 100_000])
async def test_json_nested_beyond_reason_is_an_unexpected_response(depth: int) -> None:
    body = b"[" * depth + b"]" * depth

    def gateway(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async with _client(httpx.MockTransport(gateway)) as ib:
        with pytest.raises(errors.UnexpectedResponseError, match="nested too deeply"):
            await ib.contract_info(AAPL)
        with pytest.raises(errors.UnexpectedResponseError):
            await ib.positions_page(ACCOUNT, 0)
