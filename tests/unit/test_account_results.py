"""Result types of ib.accounts, ib.advisor and ib.analyst read from the gateway's answers (the
shapes not covered by the call tests), and damaged ones refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import respx

from ibkr_webapi import Figure, IBKRClient, errors
from ibkr_webapi.resources import advisor
from tests.helpers import BASE, make_client

FA = {"accounts": ["F1", "U1", "U2"], "selectedAccount": "F1", "isFT": True}


@pytest.fixture
async def ib(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[IBKRClient]:
    monkeypatch.setattr(advisor, "MODEL_POLL_INTERVAL", 0.0)
    async with make_client(account_id="U1") as client:
        respx.get(f"{BASE}/iserver/accounts").respond(json=FA)
        respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}, {"id": "U2"}])
        yield client


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("825,208 USD", 825208.0, "USD"),
        ("-1,234.5 EUR", -1234.5, "EUR"),
        ("1.43", 1.43, None),
        ("n/a", None, None),
        ("Unlimited", None, None),
        ("@ 16:00:00", None, None),
        (12, 12.0, None),
    ],
)
def test_a_figure_keeps_its_text_and_reads_its_amount(
    text: object, amount: float | None, currency: str | None
) -> None:
    figure = Figure.read(text, "x")
    assert (figure.amount, figure.currency) == (amount, currency)
    assert str(figure) == str(text)


@pytest.mark.parametrize("bad", [None, True, [1], {"a": 1}])
def test_a_figure_that_is_not_text_or_a_number_is_refused(bad: object) -> None:
    with pytest.raises(errors.UnexpectedResponseError):
        Figure.read(bad, "x")


@respx.mock
async def test_balances_and_margins_by_segment(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/account/U1/summary/balances").respond(
        json={
            "total": {
                "net_liquidation": "1,000 USD",
                "equity_with_loan": "990 USD",
                "Prvs Dy Eqty Wth Ln Vl": "980 USD",
                "sec_gross_pos_val": "500 USD",
                "cash": "500 USD",
            },
            "commodities": {"net_liquidation": "0 USD"},
        }
    )
    respx.get(f"{BASE}/iserver/account/U1/summary/margins").respond(
        json={
            "total": {
                "current_initial": "100 USD",
                "current_maint": "80 USD",
                "RegT Margin": "150 USD",
                "projected_liquidity_inital_margin": "110 USD",
            }
        }
    )
    balances = await ib.accounts.balances()
    assert list(balances) == ["total", "commodities"]
    total = balances["total"]
    assert [
        f.amount if f else None
        for f in (
            total.net_liquidation,
            total.equity_with_loan,
            total.previous_day_equity_with_loan,
            total.gross_position_value,
            total.cash,
        )
    ] == [1000.0, 990.0, 980.0, 500.0, 500.0]
    margins = (await ib.accounts.margins())["total"]
    assert margins.initial is not None and margins.initial.amount == 100.0
    assert margins.maintenance is not None and margins.maintenance.amount == 80.0
    assert margins.reg_t is not None and margins.reg_t.amount == 150.0
    assert margins.projected_look_ahead_initial is not None
    assert margins.projected_overnight_initial is None
    assert set(margins.figures) == {
        "current_initial",
        "current_maint",
        "RegT Margin",
        "projected_liquidity_inital_margin",
    }


@respx.mock
async def test_meta_and_subaccounts_read_an_advisors_client_accounts(ib: IBKRClient) -> None:
    account = {
        "id": "U2",
        "accountId": "U2",
        "accountTitle": "Client Two",
        "currency": "USD",
        "faclient": True,
        "parent": {"accountId": "F1", "isMParent": False},
    }
    respx.get(f"{BASE}/portfolio/U2/meta").respond(json=account)
    respx.get(f"{BASE}/portfolio/subaccounts").respond(json=[account])
    meta = await ib.accounts.meta(account_id="U2")
    assert (meta.account_id, meta.title, meta.is_fa_client, meta.parent_account_id) == (
        "U2",
        "Client Two",
        True,
        "F1",
    )
    assert [a.account_id for a in await ib.accounts.subaccounts()] == ["U2"]
    respx.get(f"{BASE}/portfolio/U2/meta").respond(json={"accountTitle": "no id"})
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.accounts.meta(account_id="U2")


@respx.mock
async def test_set_dynamic_selects_the_account(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/iserver/dynaccount").respond(json={"set": True, "acctId": "U2"})
    selected = await ib.accounts.set_dynamic("U2")
    assert selected.account_id == "U2" and ib.account_id == "U2"


@respx.mock
async def test_allocation_accounts_and_presets(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/account/allocation/accounts").respond(
        json={
            "accounts": [
                {
                    "name": "U1",
                    "data": [
                        {"key": "NetLiquidation", "value": "1,000.5"},
                        {"key": "AvailableEquity", "value": "None"},
                    ],
                }
            ]
        }
    )
    respx.get(f"{BASE}/iserver/account/allocation/presets").respond(
        json={
            "group_auto_close_positions": False,
            "default_method_for_all": "AvailableEquity",
            "profiles_auto_close_positions": False,
            "strict_credit_check": True,
            "group_proportional_allocation": False,
        }
    )
    [account] = await ib.advisor.allocation_accounts()
    assert dict(account.values) == {"NetLiquidation": 1000.5, "AvailableEquity": None}
    presets = await ib.advisor.presets()
    assert (presets.default_method, presets.strict_credit_check) == ("AvailableEquity", True)


@respx.mock
async def test_model_accounts_invested_accounts_and_presets(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/fa/model/accounts-details").respond(
        json={
            "accountInfoList": [
                {"account": "U1", "nlv": "10,000", "indCash": "5", "unrealPnL": "-3.5"},
                {"account": "TOTAL", "nlv": "10,000"},
            ],
            "model": "Tech",
        }
    )
    respx.post(f"{BASE}/fa/model/invest-divest-positions").respond(
        json={
            "accountList": [
                {"account": "U1", "nlv": "20,000", "accountModelNlv": "10,000", "indPosNlv": "0"}
            ],
            "subscriptionStatus": 1,
        }
    )
    respx.post(f"{BASE}/fa/fa-preset/get").respond(
        json={
            "keepModelOpen": True,
            "cashQtyEstimateFactor": 25,
            "reqID": 3,
            "subscriptionStatus": 1,
        }
    )
    rows = await ib.advisor.model_accounts("Tech")
    assert [(r.account_id, r.net_liquidation, r.unrealized_pnl) for r in rows] == [
        ("U1", 10000.0, -3.5),
        ("TOTAL", 10000.0, None),
    ]
    [invested] = await ib.advisor.invested_accounts("Tech")
    assert (invested.in_model, invested.independent_positions) == (10000.0, 0.0)
    presets = await ib.advisor.model_presets()
    assert dict(presets.values) == {"keepModelOpen": True, "cashQtyEstimateFactor": 25}


@respx.mock
async def test_damaged_model_rows_raise(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/fa/model/accounts-details").respond(
        json={"accountInfoList": [{"account": "U1", "nlv": "lots"}]}
    )
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.advisor.model_accounts("Tech")


@respx.mock
async def test_all_periods_by_account_then_period_in_order(ib: IBKRClient) -> None:
    def period(values: list[float]) -> dict[str, object]:
        dates = ["20231208", "20231211"][-len(values) :]
        return {
            "nav": values,
            "cps": [round(v / 100 - 1, 4) for v in values],
            "dates": dates,
            "freq": "D",
            "startNAV": {"date": "20231207", "val": 100.0},
        }

    route = respx.post(f"{BASE}/pa/allperiods").respond(
        json={
            "currencyType": "base",
            "U1": {
                "periods": ["YTD", "1D"],
                "YTD": period([101.0, 102.0]),
                "1D": period([102.0]),
                "lastSuccessfulUpdate": "2023-12-11 10:00:00",
            },
            "view": ["U1"],
        }
    )
    found = await ib.analyst.all_periods()
    assert route.calls.last.request.url.params["param"] == "U1"
    assert list(found["U1"]) == ["1D", "YTD"]
    ytd = found["U1"]["YTD"]
    assert [v for _, v in ytd.nav] == [101.0, 102.0]
    assert ytd.cumulative[-1][1] == 0.02
    assert (str(ytd.start), ytd.start_value) == ("2023-12-07", 100.0)
