"""Accounts, positions paging, summary, ledger and P&L."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ibkr_webapi.testing import GatewaySimulator

from .helpers import AAPL, ACCOUNT, prime

SUMMARY_VALUE_KEYS = {"amount", "currency", "isNull", "severity", "timestamp", "value"}


async def test_iserver_accounts_shape(sim: GatewaySimulator, client: httpx.AsyncClient) -> None:
    body = (await client.get("/iserver/accounts")).json()
    assert body["accounts"] == ["U1234567", "U7654321"]
    assert body["selectedAccount"] == ACCOUNT and body["aliases"][ACCOUNT] == ACCOUNT
    assert body["acctProps"][ACCOUNT]["supportsFractions"] is True
    assert "allowedAssetTypes" in body["allowFeatures"] and body["chartPeriods"]["STK"] == ["*"]


async def test_portfolio_accounts_shape(client: httpx.AsyncClient) -> None:
    accounts = (await client.get("/portfolio/accounts")).json()
    assert [a["id"] for a in accounts] == ["U1234567", "U7654321"]
    assert accounts[0]["accountId"] == ACCOUNT and accounts[0]["accountAlias"] is None
    assert accounts[0]["currency"] == "USD" and "parent" in accounts[0]


async def test_subaccounts_also_satisfy_the_portfolio_rule(client: httpx.AsyncClient) -> None:
    assert (await client.get("/portfolio/subaccounts")).status_code == 200
    assert (await client.get(f"/portfolio/{ACCOUNT}/summary")).status_code == 200


@pytest.mark.parametrize("path", ["positions/0", f"position/{AAPL}", "summary", "ledger"])
async def test_portfolio_accounts_first(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(f"/portfolio/{ACCOUNT}/{path}")
    assert response.status_code == 400
    assert "/portfolio/accounts" in response.json()["error"]


async def test_positions_come_100_per_page_then_empty(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    sim = make_sim(positions={ACCOUNT: 237})
    async with sim.client() as http:
        await prime(http)
        pages = [
            (await http.get(f"/portfolio/{ACCOUNT}/positions/{page}")).json() for page in range(4)
        ]
    assert [len(p) for p in pages] == [100, 100, 37, 0]
    conids = [item["conid"] for page in pages for item in page]
    assert len(set(conids)) == 237
    assert {item["pageSize"] for page in pages for item in page} == {100}


async def test_position_items_carry_the_gateway_fields(primed: httpx.AsyncClient) -> None:
    item = (await primed.get(f"/portfolio/{ACCOUNT}/positions/0")).json()[0]
    for field in ("acctId", "conid", "contractDesc", "position", "mktPrice", "mktValue", "currency", "avgCost",
                  "avgPrice", "realizedPnl", "unrealizedPnl", "assetClass", "ticker", "name", "strike",
                  "listingExchange", "incrementRules", "displayRule", "isUS", "pageSize"):  # fmt: skip
        assert field in item, field
    assert item["acctId"] == ACCOUNT and isinstance(item["strike"], str)
    assert item["mktValue"] == pytest.approx(item["position"] * item["mktPrice"], abs=0.01)


async def test_positions_sort_and_direction(primed: httpx.AsyncClient) -> None:
    params = {"sort": "mktValue", "direction": "d", "model": "", "waitForSecDef": "true"}
    values = [
        i["mktValue"]
        for i in (await primed.get(f"/portfolio/{ACCOUNT}/positions/0", params=params)).json()
    ]
    assert values == sorted(values, reverse=True)
    names = [i["name"] for i in (await primed.get(f"/portfolio/{ACCOUNT}/positions/0")).json()]
    assert names == sorted(names)


async def test_position_by_conid(sim: GatewaySimulator, primed: httpx.AsyncClient) -> None:
    sim.set_position(ACCOUNT, AAPL, 42, avg_cost=150)
    items = (await primed.get(f"/portfolio/{ACCOUNT}/position/{AAPL}")).json()
    assert len(items) == 1 and items[0]["position"] == 42 and items[0]["avgCost"] == 150
    sim.set_position(ACCOUNT, AAPL, 0)
    assert (await primed.get(f"/portfolio/{ACCOUNT}/position/{AAPL}")).json() == []


async def test_bad_account_id_is_rejected(primed: httpx.AsyncClient) -> None:
    response = await primed.get("/portfolio/DU123/summary")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Bad Request: accountId is not valid: DU123",
        "statusCode": 400,
    }


async def test_summary_values_share_one_shape(primed: httpx.AsyncClient) -> None:
    summary = (await primed.get(f"/portfolio/{ACCOUNT}/summary")).json()
    assert len(summary) >= 30
    assert all(key == key.lower() for key in summary)
    assert {"netliquidation-c", "netliquidation-s", "availablefunds-s", "excessliquidity-c"} <= set(
        summary
    )
    assert all(set(value) == SUMMARY_VALUE_KEYS for value in summary.values())
    assert summary["accountcode"]["value"] == ACCOUNT and summary["accountcode"]["amount"] == 0.0
    assert (
        summary["netliquidation"]["amount"] > 0 and summary["netliquidation"]["currency"] == "USD"
    )


async def test_ledger_has_usd_and_base(primed: httpx.AsyncClient) -> None:
    ledger = (await primed.get(f"/portfolio/{ACCOUNT}/ledger")).json()
    assert set(ledger) == {"USD", "BASE"}
    assert ledger["USD"]["acctcode"] == ACCOUNT and ledger["USD"]["cashbalance"] == 250_000.0


async def test_partitioned_pnl_per_account(primed: httpx.AsyncClient) -> None:
    upnl = (await primed.get("/iserver/account/pnl/partitioned")).json()["upnl"]
    assert set(upnl) == {"U1234567.Core", "U7654321.Core"}
    assert set(upnl["U1234567.Core"]) == {"rowType", "dpl", "nl", "upl", "el", "mv"}


async def test_pnl_preflight_when_configured(make_sim: Callable[..., GatewaySimulator]) -> None:
    async with make_sim(pnl_preflight=True).client() as http:
        assert (await http.get("/iserver/account/pnl/partitioned")).json() == {"upnl": {}}
        assert (await http.get("/iserver/account/pnl/partitioned")).json()["upnl"]
