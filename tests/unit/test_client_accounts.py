"""ib.accounts against a respx-mocked gateway: shaping, input checks, damaged answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from ibkr_webapi import IBKRClient, errors
from tests.helpers import BASE, make_client

FA = {"accounts": ["F1", "U1", "U2"], "selectedAccount": "F1", "isFT": True, "groups": ["Core"]}


@pytest.fixture
async def ib() -> AsyncIterator[IBKRClient]:
    async with make_client(account_id="U1") as client:
        yield client


def _prerequisites() -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=FA)
    respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}, {"id": "U2"}])


@respx.mock
async def test_switch_sends_the_account_and_makes_it_the_default(ib: IBKRClient) -> None:
    _prerequisites()
    route = respx.post(f"{BASE}/iserver/account").respond(json={"set": True, "acctId": "U2"})
    selected = await ib.accounts.switch("U2")
    assert (selected.account_id, selected.changed) == ("U2", True)
    assert json.loads(route.calls.last.request.content) == {"acctId": "U2"}
    summary = respx.get(f"{BASE}/iserver/account/U2/summary").respond(json={"accountType": "X"})
    assert (await ib.accounts.summary()).account_id == "U2"
    assert summary.called


@respx.mock
async def test_switch_to_the_account_already_selected_is_not_a_change(ib: IBKRClient) -> None:
    _prerequisites()
    respx.post(f"{BASE}/iserver/account").respond(json={"success": "Account already set"})
    assert (await ib.accounts.switch("U1")).changed is False


@respx.mock
async def test_switch_that_the_gateway_does_not_confirm_raises(ib: IBKRClient) -> None:
    _prerequisites()
    respx.post(f"{BASE}/iserver/account").respond(json={"set": False, "acctId": "U2"})
    with pytest.raises(errors.BadRequestError, match="did not select U2"):
        await ib.accounts.switch("U2")
    assert ib.account_id == "U1"  # the default is unchanged


@pytest.mark.parametrize("bad", ["", "U1/../x", 7, "U 1"])
async def test_bad_account_ids_are_refused_before_sending(ib: IBKRClient, bad: object) -> None:
    # any request would fail: none is mocked
    with respx.mock, pytest.raises(errors.InvalidRequestError):
        await ib.accounts.switch(bad)  # type: ignore[arg-type]


@respx.mock
async def test_search_returns_matched_accounts(ib: IBKRClient) -> None:
    _prerequisites()
    respx.get(f"{BASE}/iserver/account/search/U2").respond(
        json={"matchedAccounts": [{"accountId": "U2", "alias": "Two", "allocationId": "A2"}]}
    )
    found = await ib.accounts.search("U2")
    assert [(m.account_id, m.alias, m.allocation_id) for m in found] == [("U2", "Two", "A2")]
    with pytest.raises(errors.InvalidRequestError):
        await ib.accounts.search("../x")


FUNDS = {
    "total": {
        "current_available": "825,208 USD",
        "buying_power": "3,300,832 USD",
        "leverage": "1.43",
        "Lk Ahd Avlbl Fnds": "825,208 USD",
        "day_trades_left": "Unlimited",
    },
    "securities": {"current_available": "825,208 USD"},
    "Crypto at Paxos": {"current_available": "0 USD"},
}


@respx.mock
async def test_available_funds_reads_every_figure_with_amount_and_currency(
    ib: IBKRClient,
) -> None:
    _prerequisites()
    respx.get(f"{BASE}/iserver/account/U1/summary/available_funds").respond(json=FUNDS)
    funds = await ib.accounts.available_funds()
    assert list(funds) == ["total", "securities", "Crypto at Paxos"]
    total = funds["total"]
    assert total.buying_power is not None
    assert (total.buying_power.amount, total.buying_power.currency) == (3300832.0, "USD")
    assert total.leverage is not None and total.leverage.amount == 1.43
    assert total.look_ahead_available is not None
    assert total.day_trades_left is not None and total.day_trades_left.amount is None
    assert str(total.day_trades_left) == "Unlimited"
    assert funds["securities"].buying_power is None


@respx.mock
@pytest.mark.parametrize(
    ("path", "body", "call"),
    [
        ("summary/available_funds", {"total": {"buying_power": ["x"]}}, "available_funds"),
        ("summary/balances", {"total": 3}, "balances"),
        ("summary/margins", [1, 2], "margins"),
        ("summary/market_value", {"USD": {"stock": {"a": 1}}}, "market_value"),
        ("summary", {"balance": "lots"}, "summary"),
        ("summary", {"cashBalances": [{"balance": 1}]}, "summary"),
    ],
)
async def test_damaged_trading_figures_raise_unexpected_response(
    ib: IBKRClient, path: str, body: object, call: str
) -> None:
    _prerequisites()
    respx.get(f"{BASE}/iserver/account/U1/{path}").respond(json=body)
    with pytest.raises(errors.UnexpectedResponseError):
        await getattr(ib.accounts, call)()


@respx.mock
async def test_summary_and_market_value_are_typed(ib: IBKRClient) -> None:
    _prerequisites()
    respx.get(f"{BASE}/iserver/account/U1/summary").respond(
        json={
            "accountType": "INDIVIDUAL",
            "buyingPower": 1000.5,
            "netLiquidationValue": 250.0,
            "cashBalances": [{"currency": "EUR", "balance": 10, "settledCash": 9}],
        }
    )
    respx.get(f"{BASE}/iserver/account/U1/summary/market_value").respond(
        json={"EUR": {"total_cash": "1,000", "stock": "0", "Exchange Rate": "1.08"}}
    )
    summary = await ib.accounts.summary()
    assert (summary.buying_power, summary.net_liquidation, summary.sma) == (1000.5, 250.0, None)
    assert summary.cash_balances[0].currency == "EUR"
    assert summary.cash_balances[0].settled_cash == 9.0
    holdings = (await ib.accounts.market_value())["EUR"]
    assert (holdings.total_cash, holdings.exchange_rate, holdings.options) == (1000.0, 1.08, None)


@respx.mock
async def test_owners_are_typed(ib: IBKRClient) -> None:
    _prerequisites()
    respx.get(f"{BASE}/acesws/U1/signatures-and-owners").respond(
        json={
            "accountId": "U1",
            "users": [
                {
                    "roleId": "OWNER",
                    "userName": "jdoe",
                    "hasRightCodeInd": True,
                    "entity": {"entityType": "INDIVIDUAL", "entityName": "J Doe"},
                }
            ],
            "applicant": {"signatures": ["J Doe"]},
        }
    )
    owners = await ib.accounts.owners()
    assert owners.signatures == ("J Doe",)
    assert (owners.users[0].role, owners.users[0].entity_name) == ("OWNER", "J Doe")


@respx.mock
async def test_all_subaccounts_walks_pages_until_the_total(ib: IBKRClient) -> None:
    _prerequisites()
    pages = {
        "0": [{"accountId": "U1"}, {"accountId": "U2"}],
        "1": [{"accountId": "U3"}, {"accountId": "U4"}],
        "2": [{"accountId": "U5"}],
    }
    route = respx.get(f"{BASE}/portfolio/subaccounts2").mock(
        side_effect=lambda request: httpx.Response(
            200,
            json={
                "metadata": {"total": 5, "pageSize": 2, "pageNume": 0},
                "subaccounts": pages[request.url.params["page"]],
            },
        )
    )
    ids = [a.account_id async for a in ib.accounts.all_subaccounts()]
    assert ids == ["U1", "U2", "U3", "U4", "U5"]
    assert route.call_count == 3
    page = await ib.accounts.subaccounts_page(1)
    assert (page.number, page.total, page.page_size) == (1, 5, 2)


@respx.mock
async def test_allocation_is_sorted_largest_first_and_nets_long_and_short(
    ib: IBKRClient,
) -> None:
    _prerequisites()
    respx.get(f"{BASE}/portfolio/U1/allocation").respond(
        json={
            "assetClass": {"long": {"CASH": 10.0, "STK": 90.0}, "short": {"STK": -5.0}},
            "sector": {"long": {"Tech": 50.0}},
        }
    )
    allocation = await ib.accounts.allocation()
    assert list(allocation.asset_class.long) == ["STK", "CASH"]
    assert allocation.asset_class.net["STK"] == 85.0
    assert dict(allocation.sector.short) == {}
    assert dict(allocation.group.long) == {}


@respx.mock
async def test_damaged_allocation_raises(ib: IBKRClient) -> None:
    _prerequisites()
    respx.get(f"{BASE}/portfolio/U1/allocation").respond(
        json={"assetClass": {"long": {"STK": "ninety"}}}
    )
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.accounts.allocation()


@respx.mock
async def test_combined_allocation_sends_each_account_once(ib: IBKRClient) -> None:
    _prerequisites()
    route = respx.post(f"{BASE}/portfolio/allocation").respond(json={})
    await ib.accounts.combined_allocation(["U1", "U2", "U1"])
    assert json.loads(route.calls.last.request.content) == {"acctIds": ["U1", "U2"]}
    with pytest.raises(errors.InvalidRequestError):
        await ib.accounts.combined_allocation([])


@respx.mock
async def test_positions_by_conid_by_account(ib: IBKRClient) -> None:
    _prerequisites()
    respx.get(f"{BASE}/portfolio/positions/265598").respond(
        json={"U2": [{"acctId": "U2", "conid": 265598, "position": 3}]}
    )
    found = await ib.accounts.positions_by_conid(265598)
    assert list(found) == ["U2"]
    assert (found["U2"][0].conid, found["U2"][0].position) == (265598, 3.0)


@respx.mock
async def test_positions_by_conid_with_a_bad_account_key_raises(ib: IBKRClient) -> None:
    _prerequisites()
    respx.get(f"{BASE}/portfolio/positions/265598").respond(json={"../x": []})
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.accounts.positions_by_conid(265598)


@respx.mock
async def test_combo_positions_and_invalidate(ib: IBKRClient) -> None:
    _prerequisites()
    combos = respx.get(f"{BASE}/portfolio/U1/combo/positions").respond(
        json=[
            {
                "name": "CP.1",
                "description": "1*265598-1*8314",
                "legs": [{"conid": "265598", "ratio": 1}, {"conid": "8314", "ratio": -1}],
                "positions": [{"acctId": "U1", "conid": 265598, "position": 1}],
            }
        ]
    )
    respx.post(f"{BASE}/portfolio/U1/positions/invalidate").respond(json={"message": "success"})
    [combo] = await ib.accounts.combo_positions(fresh=True)
    assert [(leg.conid, leg.ratio) for leg in combo.legs] == [(265598, 1), (8314, -1)]
    assert combos.calls.last.request.url.params["nocache"] == "true"
    assert await ib.accounts.invalidate_positions() == "success"


@respx.mock
async def test_accounts_lists_an_advisors_groups() -> None:
    async with make_client() as ib:
        respx.get(f"{BASE}/iserver/accounts").respond(json=FA)
        accounts = await ib.accounts()
        assert accounts.groups == ("Core",)
        assert accounts.is_financial_advisor is True
