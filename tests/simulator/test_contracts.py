"""The simulator's contract and derivative rules: what a client must do first, and what it gets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date

import httpx
import pytest

from ibkr_webapi.testing import GatewaySimulator

from .helpers import AAPL, prime

Params = dict[str, str | int | float]


@pytest.fixture
async def http(sim: GatewaySimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with sim.client() as client:
        await prime(client)
        yield client


async def _opt_month(http: httpx.AsyncClient) -> str:
    found = (await http.post("/iserver/secdef/search", json={"symbol": "AAPL"})).json()
    stock = next(m for m in found if m.get("symbol") == "AAPL")
    months: str = next(s for s in stock["sections"] if s["secType"] == "OPT")["months"]
    return months.split(";")[0]


async def test_strikes_are_listed_only_after_a_search_of_the_underlying(
    http: httpx.AsyncClient,
) -> None:
    params: Params = {"conid": AAPL, "sectype": "OPT", "month": "JAN30"}
    assert (await http.get("/iserver/secdef/strikes", params=params)).json() == {
        "call": [],
        "put": [],
    }
    params["month"] = await _opt_month(http)
    strikes = (await http.get("/iserver/secdef/strikes", params=params)).json()
    assert strikes["call"] == sorted(strikes["call"]) and len(strikes["call"]) > 10


async def test_option_definitions_need_a_strike_and_carry_both_rights(
    http: httpx.AsyncClient,
) -> None:
    month = await _opt_month(http)
    base: Params = {"conid": AAPL, "sectype": "OPT", "month": month}
    refused = await http.get("/iserver/secdef/info", params=base)
    assert refused.status_code == 400 and "strike" in refused.json()["error"]
    strikes = (await http.get("/iserver/secdef/strikes", params=base)).json()["call"]
    options = (await http.get("/iserver/secdef/info", params={**base, "strike": strikes[0]})).json()
    assert {o["right"] for o in options} == {"C", "P"}
    assert all(o["strike"] == strikes[0] and float(o["multiplier"]) == 100 for o in options)
    expiries = {
        date(int(d[:4]), int(d[4:6]), int(d[6:])) for d in (o["maturityDate"] for o in options)
    }
    names = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    assert expiries and {f"{names[d.month - 1]}{d.year % 100:02d}" for d in expiries} == {month}
    calls = (
        await http.get("/iserver/secdef/info", params={**base, "strike": strikes[0], "right": "C"})
    ).json()
    assert calls and {o["right"] for o in calls} == {"C"}


async def test_an_option_quotes_only_after_its_underlying_was_searched(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    build = make_sim
    sim = build(snapshot_preflight=False)
    async with sim.client() as http:
        await prime(http)
        month = await _opt_month(http)
        base: Params = {"conid": AAPL, "sectype": "OPT", "month": month}
        strike = (await http.get("/iserver/secdef/strikes", params=base)).json()["call"][0]
        option = (
            await http.get("/iserver/secdef/info", params={**base, "strike": strike, "right": "C"})
        ).json()[0]["conid"]
    fresh = build(snapshot_preflight=False)
    async with fresh.client() as http:
        await prime(http)
        params: Params = {"conids": str(option), "fields": "31,84,86"}
        blank = (await http.get("/iserver/marketdata/snapshot", params=params)).json()[0]
        assert "84" not in blank
        await http.post("/iserver/secdef/search", json={"symbol": "AAPL"})
        quoted = (await http.get("/iserver/marketdata/snapshot", params=params)).json()[0]
        assert "84" in quoted and "86" in quoted


async def test_every_regulatory_snapshot_is_counted(
    http: httpx.AsyncClient, sim: GatewaySimulator
) -> None:
    for _ in range(3):
        answer = await http.get("/md/regsnapshot", params={"conid": AAPL})
        assert answer.status_code == 200 and "31" in answer.json()
    assert sim.regulatory_snapshots == 3
