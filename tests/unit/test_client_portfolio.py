"""IBKRClient portfolio calls against a respx-mocked gateway."""

from __future__ import annotations

import httpx
import pytest
import respx

from ibkr_webapi import IBKRClient, errors
from tests.helpers import BASE


def _positions(start: int, count: int) -> list[dict[str, object]]:
    return [
        {"acctId": "U1", "conid": start + i, "contractDesc": f"C{start + i}", "position": 1.0}
        for i in range(count)
    ]


@respx.mock
async def test_all_positions_walks_pages_of_100_100_37(ib: IBKRClient) -> None:
    accounts = respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}])
    pages = respx.get(url__regex=rf"{BASE}/portfolio/U1/positions/(?P<page>\d+)").mock(
        side_effect=lambda request, page: httpx.Response(
            200,
            json={"0": _positions(0, 100), "1": _positions(100, 100), "2": _positions(200, 37)}.get(
                page, []
            ),
        )
    )
    positions = await ib.all_positions("U1")
    assert [p.conid for p in positions] == list(range(237))
    assert [call.request.url.path.rsplit("/", 1)[1] for call in pages.calls] == ["0", "1", "2"]
    assert accounts.call_count == 1  # the /portfolio/accounts prerequisite, once


@respx.mock
async def test_positions_with_concurrency_yields_each_position_once(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}])
    data = {str(n): _positions(n * 100, 100) for n in range(4)} | {"4": _positions(400, 5)}
    respx.get(url__regex=rf"{BASE}/portfolio/U1/positions/(?P<page>\d+)").mock(
        side_effect=lambda request, page: httpx.Response(200, json=data.get(page, []))
    )
    conids = [p.conid async for p in ib.positions("U1", concurrency=3)]
    assert conids == list(range(405))


@respx.mock
async def test_portfolio_accounts_is_called_before_the_first_portfolio_call(ib: IBKRClient) -> None:
    order: list[str] = []
    respx.get(f"{BASE}/portfolio/accounts").mock(
        side_effect=lambda request: (
            order.append("accounts") or httpx.Response(200, json=[{"id": "U1"}])
        )
    )
    respx.get(f"{BASE}/portfolio/U1/summary").mock(
        side_effect=lambda request: order.append("summary") or httpx.Response(200, json={})
    )
    await ib.account_summary("U1")
    await ib.account_summary("U1")
    assert order == ["accounts", "summary", "summary"]


@respx.mock
async def test_account_summary_gives_named_values_with_aware_timestamps(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}])
    respx.get(f"{BASE}/portfolio/U1/summary").respond(
        json={
            "netliquidation": {
                "amount": 880036.375,
                "currency": "USD",
                "isNull": False,
                "severity": 0,
                "timestamp": 1712156105000,
                "value": None,
            },
            "netliquidation-c": {
                "amount": 10.0,
                "currency": "USD",
                "isNull": False,
                "severity": 0,
                "timestamp": 1712156105000,
                "value": None,
            },
            "accountcode": {
                "amount": 0.0,
                "currency": None,
                "isNull": False,
                "severity": 0,
                "timestamp": 1712156105000,
                "value": "U1",
            },
        }
    )
    summary = await ib.account_summary("U1")
    assert summary["netliquidation"].amount == 880036.375
    assert summary["netliquidation"].timestamp is not None
    assert summary["netliquidation"].timestamp.tzinfo is not None
    assert summary["netliquidation-c"].amount == 10.0
    assert summary["accountcode"].value == "U1"


@respx.mock
async def test_bad_account_id_raises_bad_request_with_ibkr_text(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}])
    respx.get(f"{BASE}/portfolio/DU123/positions/0").respond(
        400, json={"error": "Bad Request: accountId is not valid: DU123", "statusCode": 400}
    )
    with pytest.raises(errors.BadRequestError, match="accountId is not valid: DU123") as info:
        await ib.all_positions("DU123")
    assert info.value.status_code == 400


async def test_empty_account_id_is_refused_before_any_request(ib: IBKRClient) -> None:
    with pytest.raises(errors.InvalidRequestError, match="U1234567"):
        await ib.all_positions(" ")
