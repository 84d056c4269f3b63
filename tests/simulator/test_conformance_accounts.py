"""Accounts, portfolio, advisor and portfolio analyst: every operation of those generated modules,
answered by the simulator (an advisor login), conforms to the resolved spec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ibkr_webapi.testing import GatewaySimulator, ManualClock, SimulatorConfig

from .helpers import AAPL, IBM
from .test_conformance import Recorder, operations_of

MODULES = ("accounts", "portfolio", "advisor", "analyst")
MASTER, FIRST, SECOND, THIRD = "F1234567", "U1234567", "U7654321", "U2345678"


def advisor_config(**changes: Any) -> SimulatorConfig:
    settings: dict[str, Any] = {
        "rate_limits": False,
        "advisor": MASTER,
        "accounts": (FIRST, SECOND, THIRD),
        "positions": {FIRST: 6, SECOND: 3},
        "dynamic_accounts": True,
        "subaccounts_page_size": 2,
    }
    settings.update(changes)
    return SimulatorConfig(**settings)


@pytest.fixture
async def advisor() -> AsyncIterator[tuple[Recorder, GatewaySimulator]]:
    sim = GatewaySimulator(advisor_config(), clock=ManualClock())
    async with sim.client() as http:
        yield Recorder(http), sim


async def test_every_account_portfolio_advisor_and_analyst_operation_conforms(
    advisor: tuple[Recorder, GatewaySimulator],
) -> None:
    rec, sim = advisor
    # accounts
    accounts = await rec.check("get", "/iserver/accounts")
    assert accounts["isFT"] is True and accounts["selectedAccount"] == MASTER
    assert await rec.check("post", "/iserver/account", json={"acctId": SECOND}) == {
        "set": True,
        "acctId": SECOND,
    }
    found = await rec.check("get", "/iserver/account/search/U7")
    assert [m["accountId"] for m in found["matchedAccounts"]] == [SECOND]
    await rec.check("post", "/iserver/dynaccount", json={"acctId": FIRST})
    await rec.check("get", f"/acesws/{FIRST}/signatures-and-owners")
    for suffix in ("", "/available_funds", "/balances", "/margins", "/market_value"):
        await rec.check("get", f"/iserver/account/{FIRST}/summary{suffix}")

    # portfolio
    await rec.check("get", "/portfolio/accounts")
    assert len(await rec.check("get", "/portfolio/subaccounts")) == 3
    page = await rec.check("get", "/portfolio/subaccounts2", params={"page": 1})
    assert page["metadata"] == {"total": 3, "pageSize": 2, "pageNum": 1}
    await rec.check("get", f"/portfolio/{FIRST}/positions/0")
    held = sim.portfolio.holdings[FIRST]
    conid = next(iter(held))
    await rec.check("get", f"/portfolio/{FIRST}/position/{conid}")
    await rec.check("get", f"/portfolio/positions/{conid}")
    await rec.check("get", f"/portfolio/{FIRST}/summary")
    await rec.check("get", f"/portfolio/{FIRST}/ledger")
    await rec.check("get", f"/portfolio/{FIRST}/meta")
    await rec.check("get", f"/portfolio/{FIRST}/allocation")
    await rec.check("post", "/portfolio/allocation", json={"acctIds": [FIRST, SECOND]})
    await rec.check("post", f"/portfolio/{FIRST}/positions/invalidate", json={})
    sim.portfolio.add_combo(FIRST, "AAPL-IBM", [(AAPL, 1), (IBM, -1)], size=5)
    combos = await rec.check(
        "get", f"/portfolio/{FIRST}/combo/positions", params={"nocache": "true"}
    )
    assert combos[0]["legs"] == [{"conid": str(AAPL), "ratio": 1}, {"conid": str(IBM), "ratio": -1}]
    await rec.check("get", "/iserver/account/pnl/partitioned")

    # advisor: allocation
    await rec.check("get", "/iserver/account/allocation/accounts")
    group = {"name": "Growth", "default_method": "R", "accounts": [
        {"name": FIRST, "amount": 2}, {"name": SECOND, "amount": 1}
    ]}  # fmt: skip
    await rec.check("post", "/iserver/account/allocation/group", json=group)
    await rec.check(
        "put",
        "/iserver/account/allocation/group",
        json={**group, "name": "Growth2", "prev_name": "Growth"},
    )
    await rec.check("get", "/iserver/account/allocation/group")
    single = await rec.check(
        "post", "/iserver/account/allocation/group/single", json={"name": "Growth2"}
    )
    assert single["default_method"] == "R"
    await rec.check("post", "/iserver/account/allocation/group/delete", json={"name": "Growth2"})
    presets = await rec.check("get", "/iserver/account/allocation/presets")
    await rec.check(
        "post",
        "/iserver/account/allocation/presets",
        json={**presets, "strict_credit_check": True},
    )
    # advisor: model portfolios
    await rec.check("post", "/fa/fa-preset/get", json={"reqID": 1})
    await rec.check("post", "/fa/fa-preset/save", json={"reqID": 2, "keepModelOpen": True})
    model = {
        "reqID": 3,
        "model": "Core",
        "desc": "Two stocks and cash",
        "isStatic": False,
        "positionTargets": [{"conid": AAPL, "target": 0.5}, {"conid": IBM, "target": 0.4}],
        "cashTargets": [{"ccy": "USD", "target": 0.1}],
    }
    await rec.check("post", "/fa/model/save", json=model)
    draft = await rec.check(
        "post",
        "/fa/model/invest-divest",
        json={
            "reqID": 4,
            "model": "Core",
            "accountList": [{"account": THIRD, "amtToInvest": 20000}],
        },
    )
    await rec.check(
        "post",
        "/fa/model/submit-transfers",
        json={"reqID": 5, "fpOrderId": draft["transfersInstructionId"]},
    )
    await rec.check("post", "/fa/model/list", json={"reqID": 6})
    await rec.check("post", "/fa/model/summary", json={"reqID": 7, "model": "Core"})
    await rec.check(
        "post",
        "/fa/model/positions",
        json={"reqID": 8, "model": "Core", "sortField": "mv", "sortDirection": "DESC", "limit": 5},
    )
    await rec.check(
        "post", "/fa/model/accounts-details", json={"reqID": 9, "model": "Core", "calcPnls": True}
    )
    await rec.check(
        "post", "/fa/model/invest-divest-positions", json={"reqID": 10, "model": "Core"}
    )

    # portfolio analyst
    await rec.check("post", "/pa/performance", json={"acctIds": [FIRST], "period": "3M"})
    await rec.check("post", "/pa/allperiods", json={"acctIds": [FIRST, SECOND]})
    await rec.check("post", "/pa/summary", json={"acctIds": [FIRST]})
    await rec.check(
        "post",
        "/pa/transactions",
        json={"acctIds": [THIRD], "conids": [AAPL], "currency": "USD", "days": 30},
    )

    assert operations_of(MODULES) - rec.covered == set(), "operations without a conformance check"


async def test_refusals_conform_to_the_error_schema(
    advisor: tuple[Recorder, GatewaySimulator],
) -> None:
    rec, _ = advisor
    await rec.check("get", "/iserver/accounts")
    body = await rec.check("post", "/iserver/account", json={"acctId": "U0000000"})
    assert body["statusCode"] == 400
    await rec.check("post", "/iserver/account/allocation/group/single", json={"name": "none"})
    await rec.check("post", "/fa/model/submit-transfers", json={"reqID": 1, "fpOrderId": 99})
    await rec.check("post", "/pa/transactions", json={"acctIds": ["U1"], "conids": [AAPL]})
    await rec.check("get", "/portfolio/subaccounts2", params={"page": "x"})


async def test_an_ordinary_login_is_refused_advisor_and_dynamic_account_calls() -> None:
    sim = GatewaySimulator(SimulatorConfig(rate_limits=False))
    async with sim.client() as http:
        rec = Recorder(http)
        await rec.check("get", "/iserver/accounts")
        body = await rec.check("get", "/iserver/account/allocation/group")
        assert "not a financial advisor" in body["error"]
        body = await rec.check("get", "/iserver/account/search/U1")
        assert body["statusCode"] == 503
