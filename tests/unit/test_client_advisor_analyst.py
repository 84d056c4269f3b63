"""ib.advisor and ib.analyst against a respx-mocked gateway: shaping, input checks, polling of
model answers, damaged answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from ibkr_webapi import IBKRClient, errors
from ibkr_webapi.resources import advisor
from tests.helpers import BASE, make_client

FA = {"accounts": ["F1", "U1", "U2"], "selectedAccount": "F1", "isFT": True}


@pytest.fixture
async def ib(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[IBKRClient]:
    monkeypatch.setattr(advisor, "MODEL_POLL_INTERVAL", 0.0)
    async with make_client(account_id="U1") as client:
        yield client


def _prerequisites() -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=FA)
    respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}, {"id": "U2"}])


@respx.mock
async def test_add_group_sends_members_with_amounts_for_percentages(ib: IBKRClient) -> None:
    _prerequisites()
    route = respx.post(f"{BASE}/iserver/account/allocation/group").respond(json={"success": True})
    await ib.advisor.add_group("Core", {"U1": 60, "U2": 40}, method="P")
    assert json.loads(route.calls.last.request.content) == {
        "name": "Core",
        "accounts": [{"name": "U1", "amount": 60.0}, {"name": "U2", "amount": 40.0}],
        "default_method": "P",
    }
    await ib.advisor.add_group("Even", ["U1", "U2"], method="E")
    assert json.loads(route.calls.last.request.content)["accounts"] == [
        {"name": "U1"},
        {"name": "U2"},
    ]


@pytest.mark.parametrize(
    ("accounts", "method"),
    [
        ({"U1": 60, "U2": 30}, "P"),  # not 100
        (["U1", "U2"], "S"),  # shares need amounts
        ({"U1": -1}, "R"),
        ([], "E"),
        ("U1", "E"),
        (["U1"], "Z"),
    ],
)
async def test_bad_groups_are_refused_before_sending(
    ib: IBKRClient, accounts: object, method: str
) -> None:
    with respx.mock, pytest.raises(errors.InvalidRequestError):
        await ib.advisor.add_group("Core", accounts, method=method)  # type: ignore[arg-type]


@respx.mock
async def test_a_group_change_the_gateway_does_not_confirm_raises(ib: IBKRClient) -> None:
    _prerequisites()
    respx.post(f"{BASE}/iserver/account/allocation/group/delete").respond(json={"success": False})
    with pytest.raises(errors.BadRequestError, match="did not confirm"):
        await ib.advisor.delete_group("Core")


@respx.mock
async def test_group_and_groups_are_typed(ib: IBKRClient) -> None:
    _prerequisites()
    respx.get(f"{BASE}/iserver/account/allocation/group").respond(
        json={"data": [{"allocation_method": "R", "size": 2, "name": "Core"}]}
    )
    respx.post(f"{BASE}/iserver/account/allocation/group/single").respond(
        json={
            "name": "Core",
            "accounts": [{"name": "U1", "amount": 2}, {"name": "U2", "amount": 1}],
            "default_method": "R",
        }
    )
    [info] = await ib.advisor.groups()
    assert (info.name, info.method, info.size) == ("Core", "R", 2)
    group = await ib.advisor.group("Core")
    assert dict(group.members) == {"U1": 2.0, "U2": 1.0}


@respx.mock
async def test_damaged_group_raises(ib: IBKRClient) -> None:
    _prerequisites()
    respx.post(f"{BASE}/iserver/account/allocation/group/single").respond(
        json={"name": "Core", "accounts": [{"amount": 2}]}
    )
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.advisor.group("Core")


@respx.mock
async def test_model_calls_ask_again_with_the_same_request_id_until_ready(
    ib: IBKRClient,
) -> None:
    _prerequisites()
    answers = iter(
        [
            {"reqID": 0, "subscriptionStatus": 0},
            {"reqID": 0, "subscriptionStatus": 0},
            {
                "models": [{"model": "Growth", "desc": "Tech", "nlv": "1,000.5", "numAccounts": 2}],
                "subscriptionStatus": 1,
            },
        ]
    )
    route = respx.post(f"{BASE}/fa/model/list").mock(
        side_effect=lambda request: httpx.Response(200, json=next(answers))
    )
    [model] = await ib.advisor.models()
    assert (model.name, model.net_liquidation, model.accounts) == ("Growth", 1000.5, 2)
    ids = {json.loads(call.request.content)["reqID"] for call in route.calls}
    assert route.call_count == 3 and len(ids) == 1


@respx.mock
async def test_a_model_answer_never_ready_times_out(ib: IBKRClient) -> None:
    _prerequisites()
    route = respx.post(f"{BASE}/fa/model/summary").respond(json={"subscriptionStatus": 0})
    with pytest.raises(errors.APITimeoutError, match="still gathering"):
        await ib.advisor.model_summary("Growth")
    assert route.call_count == advisor.MODEL_POLLS


@respx.mock
async def test_model_holdings_read_text_figures(ib: IBKRClient) -> None:
    _prerequisites()
    respx.post(f"{BASE}/fa/model/positions").respond(
        json={
            "model": "Growth",
            "nlv": 10000.0,
            "positionList": [
                {
                    "cid": 265598,
                    "instrument": "AAPL",
                    "trgt": "0.6",
                    "actl": "0.59",
                    "actlRangeMax": "None",
                }
            ],
            "cash": [{"ccy": "USD", "mv": "1,228.10", "trgt": "0.1"}],
            "subscriptionStatus": 1,
        }
    )
    holdings = await ib.advisor.model_holdings("Growth")
    assert (holdings.holdings[0].conid, holdings.holdings[0].target) == (265598, 0.6)
    assert holdings.cash[0].market_value == 1228.1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"positions": {265598: 0.5}},  # adds up to 0.5
        {"positions": {265598: 1.2, 8314: -0.2}},
        {"positions": {-5: 1.0}},
        {"positions": {265598: 1.0}, "description": " "},
    ],
)
async def test_bad_models_are_refused_before_sending(
    ib: IBKRClient, kwargs: dict[str, object]
) -> None:
    options: dict[str, object] = {"description": "Tech", **kwargs}
    with respx.mock, pytest.raises(errors.InvalidRequestError):
        await ib.advisor.save_model("Growth", **options)  # type: ignore[arg-type]


@respx.mock
async def test_invest_then_submit(ib: IBKRClient) -> None:
    _prerequisites()
    respx.post(f"{BASE}/fa/model/invest-divest").respond(
        json={"reqID": "7", "subscriptionStatus": 1, "transfersInstructionId": 1001}
    )
    submit = respx.post(f"{BASE}/fa/model/submit-transfers").respond(
        json={"reqID": 8, "success": True}
    )
    drafted = await ib.advisor.invest("Growth", {"U1": 10_000, "U2": -500})
    assert drafted.instruction_id == 1001
    await ib.advisor.submit_transfers(drafted.instruction_id)
    assert json.loads(submit.calls.last.request.content)["fpOrderId"] == 1001
    assert submit.call_count == 1
    with pytest.raises(errors.InvalidRequestError):
        await ib.advisor.invest("Growth", {"U1": 0})


@respx.mock
async def test_save_model_presets_checks_names(ib: IBKRClient) -> None:
    _prerequisites()
    route = respx.post(f"{BASE}/fa/fa-preset/save").respond(json={"success": True})
    await ib.advisor.save_model_presets(keepModelOpen=True, cashQtyEstimateFactor=10)
    body = json.loads(route.calls.last.request.content)
    assert (body["keepModelOpen"], body["cashQtyEstimateFactor"]) == (True, 10)
    with pytest.raises(errors.InvalidRequestError, match="unknown model preset"):
        await ib.advisor.save_model_presets(keepItOpen=True)


PERFORMANCE = {
    "currencyType": "base",
    "nav": {
        "data": [
            {
                "id": "U1",
                "navs": [100.0, 101.0],
                "startNAV": {"date": "20231208", "val": 99.0},
            }
        ],
        "freq": "D",
        "dates": ["20231211", "20231212"],
    },
    "cps": {"data": [{"id": "U1", "returns": [0.01, 0.02]}], "dates": ["20231211", "20231212"]},
    "tpps": {"data": [{"id": "U1", "returns": [0.02]}], "dates": ["202312"]},
    "pm": "TWR",
}


@respx.mock
async def test_performance_is_typed_by_account_and_day(ib: IBKRClient) -> None:
    _prerequisites()
    body = dict(PERFORMANCE, tpps={"data": [], "dates": []})
    route = respx.post(f"{BASE}/pa/performance").respond(json=body)
    performance = await ib.analyst.performance("1M")
    assert json.loads(route.calls.last.request.content) == {"acctIds": ["U1"], "period": "1M"}
    nav = performance.nav["U1"]
    assert [v for _, v in nav.points] == [100.0, 101.0]
    assert str(nav.points[0][0]) == "2023-12-11"
    assert (str(nav.start), nav.start_value) == ("2023-12-08", 99.0)
    assert performance.cumulative["U1"].points[-1][1] == 0.02
    assert performance.method == "TWR"


@respx.mock
@pytest.mark.parametrize(
    "damage",
    [
        {"nav": {"data": [{"id": "U1", "navs": [1.0]}], "dates": ["20231211", "20231212"]}},
        {"cps": {"data": [{"id": "U1", "returns": ["x", 1]}], "dates": ["20231211", "20231212"]}},
        {"nav": {"data": [{"id": "U1", "navs": [1.0]}], "dates": ["yesterday"]}},
    ],
)
async def test_damaged_performance_raises(ib: IBKRClient, damage: dict[str, object]) -> None:
    _prerequisites()
    respx.post(f"{BASE}/pa/performance").respond(json={**PERFORMANCE, "tpps": {}, **damage})
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.analyst.performance()


async def test_analyst_inputs_are_checked(ib: IBKRClient) -> None:
    with respx.mock:
        with pytest.raises(errors.InvalidRequestError):
            await ib.analyst.performance("2Y")
        with pytest.raises(errors.InvalidRequestError):
            await ib.analyst.summary(account_ids=[])
        with pytest.raises(errors.InvalidRequestError):
            await ib.analyst.transactions(265598, days=0)


@respx.mock
async def test_transactions_read_the_analysts_dates(ib: IBKRClient) -> None:
    _prerequisites()
    route = respx.post(f"{BASE}/pa/transactions").respond(
        json={
            "rpnl": {"data": [], "amt": "12.5000"},
            "currency": "USD",
            "from": 1_700_000_000_000,
            "to": 1_702_000_000_000,
            "transactions": [
                {
                    "date": "Mon Dec 11 00:00:00 EST 2023",
                    "cur": "USD",
                    "pr": 190.5,
                    "qty": -10,
                    "acctid": "U1",
                    "amt": 1905.0,
                    "conid": 265598,
                    "type": "Sell",
                    "desc": "Apple Inc",
                }
            ],
        }
    )
    found = await ib.analyst.transactions(265598, account_ids=["U1", "U2"], days=30)
    assert json.loads(route.calls.last.request.content) == {
        "acctIds": ["U1", "U2"],
        "conids": [265598],
        "currency": "USD",
        "days": 30,
    }
    [trade] = found.items
    assert (str(trade.day), trade.quantity, trade.kind) == ("2023-12-11", -10.0, "Sell")
    assert found.realized_pnl == 12.5
    assert found.since is not None and found.since.year == 2023


@respx.mock
async def test_summary_reads_balances_by_day(ib: IBKRClient) -> None:
    _prerequisites()
    respx.post(f"{BASE}/pa/summary").respond(
        json={
            "startDate": "2023-01-02",
            "endDate": "2023-12-11",
            "total": {"startVal": 100, "endVal": "110", "chg": 10, "rtn": "10.0"},
            "balanceByDate": {"series": [{"id": "U1", "date": [[1_702_252_800_000, 110.0]]}]},
        }
    )
    summary = await ib.analyst.summary()
    assert (summary.start_value, summary.end_value, summary.return_pct) == (100.0, 110.0, 10.0)
    assert summary.balances["U1"][0][1] == 110.0
    respx.post(f"{BASE}/pa/summary").respond(
        json={"balanceByDate": {"series": [{"id": "U1", "date": [[1]]}]}}
    )
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.analyst.summary()
