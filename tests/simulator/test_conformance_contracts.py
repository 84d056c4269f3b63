"""Contracts, derivatives, HMDS history, the regulatory snapshot and event contracts: every operation
of those generated modules, answered by the simulator, conforms to the resolved spec."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig

from .helpers import AAPL, IBM, prime
from .test_conformance import Recorder, operations_of

MODULES = ("contracts", "events")
EXTRA = frozenset({"get_hmds_history", "get_regulatory_snapshot"})  # in market_data


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, GatewaySimulator]]:
    sim = GatewaySimulator(SimulatorConfig(rate_limits=False))
    async with sim.client() as http:
        yield Recorder(http), sim


async def test_every_contract_and_event_operation_conforms(
    recorder: tuple[Recorder, GatewaySimulator],
) -> None:
    rec, sim = recorder
    await prime(rec.http)
    # search, both forms; the bond match lists issuers
    found = await rec.check("post", "/iserver/secdef/search", json={"symbol": "AAPL"})
    by_get = await rec.check("get", "/iserver/secdef/search", params={"symbol": "AAPL"})
    assert by_get == found
    stock = next(m for m in found if m.get("symbol") == "AAPL")
    month = next(s for s in stock["sections"] if s["secType"] == "OPT")["months"].split(";")[0]
    issuer = next(m for m in found if m.get("issuers"))["issuers"][0]["id"]
    await rec.check("get", "/iserver/secdef/search", params={"symbol": "IBM", "name": "true"})

    strikes = await rec.check(
        "get", "/iserver/secdef/strikes", params={"conid": AAPL, "sectype": "OPT", "month": month}
    )
    assert strikes["call"] and strikes["put"]
    options = await rec.check(
        "get",
        "/iserver/secdef/info",
        params={"conid": AAPL, "sectype": "OPT", "month": month, "strike": strikes["call"][0]},
    )
    assert {o["right"] for o in options} == {"C", "P"}
    await rec.check(
        "get",
        "/iserver/secdef/info",
        params={"conid": AAPL, "sectype": "BOND", "issuerId": issuer},
    )
    filters = await rec.check(
        "get", "/iserver/secdef/bond-filters", params={"symbol": "BOND", "issuerId": issuer}
    )
    assert filters["bondFilters"]

    option = options[0]["conid"]
    for conid in (AAPL, option):
        await rec.check("get", f"/iserver/contract/{conid}/info")
        await rec.check("get", f"/iserver/contract/{conid}/info-and-rules")
    await rec.check("get", f"/iserver/contract/{AAPL}/algos")
    algos = await rec.check(
        "get",
        f"/iserver/contract/{AAPL}/algos",
        params={"addDescription": 1, "addParams": 1, "algos": "Adaptive;Vwap"},
    )
    assert algos["algos"] and all("parameters" in a for a in algos["algos"])
    await rec.check("post", "/iserver/contract/rules", json={"conid": AAPL, "isBuy": True})
    await rec.check("post", "/iserver/contract/rules", json={"conid": option, "isBuy": False})

    await rec.check("get", "/contract/trading-schedule", params={"conid": AAPL})
    await rec.check("get", "/trsrv/secdef/schedule", params={"assetClass": "STK", "symbol": "AAPL"})
    await rec.check("get", "/trsrv/secdef", params={"conids": f"{AAPL},{IBM},{option}"})
    futures = await rec.check("get", "/trsrv/futures", params={"symbols": "ES,NQ"})
    assert futures["ES"] and futures["NQ"]
    await rec.check("get", "/trsrv/stocks", params={"symbols": "AAPL,IBM"})
    await rec.check("get", "/trsrv/all-conids", params={"exchange": "NASDAQ"})
    await rec.check("get", "/iserver/currency/pairs", params={"currency": "USD"})
    await rec.check("get", "/iserver/exchangerate", params={"source": "USD", "target": "EUR"})

    # history from the HMDS farm, and the (paid) regulatory snapshot
    history = await rec.check("get", "/hmds/history", params={"conid": AAPL, "period": "1d"})
    assert history["data"]
    before = sim.regulatory_snapshots
    await rec.check("get", "/md/regsnapshot", params={"conid": AAPL})
    assert sim.regulatory_snapshots == before + 1

    # event contracts, top down
    tree = await rec.check("get", "/forecast/category/tree")
    market_conid = next(
        m["conid"] for c in tree["categories"].values() for m in c.get("markets") or []
    )
    market = await rec.check(
        "get", "/forecast/contract/market", params={"underlyingConid": market_conid}
    )
    contract = market["contracts"][0]["conid"]
    for what in ("details", "rules", "schedules"):
        await rec.check("get", f"/forecast/contract/{what}", params={"conid": contract})

    assert operations_of(MODULES, EXTRA) - rec.covered == set(), (
        "operations without a conformance check"
    )
    assert len(operations_of(MODULES, EXTRA)) == 24


async def test_contract_error_answers_conform(
    recorder: tuple[Recorder, GatewaySimulator],
) -> None:
    rec, _ = recorder
    await prime(rec.http)
    for method, path, params in (
        ("get", "/iserver/secdef/strikes", {"conid": AAPL}),
        ("get", "/iserver/secdef/info", {"conid": AAPL, "sectype": "OPT"}),
        ("get", "/trsrv/futures", {}),
        ("get", "/iserver/exchangerate", {"source": "USD"}),
        ("get", "/forecast/contract/details", {"conid": 1}),
    ):
        body = await rec.check(method, path, params=params)
        assert "error" in body
