"""Snapshots (pre-flight, wire formats, limits), moving quotes and historical bars."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ibkr_webapi.testing import GatewaySimulator, ManualClock, RateLimit, SimulatorConfig

from .helpers import AAPL, IBM, MSFT

QUOTE_FIELDS = "31,55,70,71,82,83,84,85,86,87,88,7059,7762,7289,7290,7295,7741"


async def snap(http: httpx.AsyncClient, conids: int | str, fields: str = QUOTE_FIELDS) -> Any:
    response = await http.get(
        "/iserver/marketdata/snapshot", params={"conids": conids, "fields": fields}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_snapshot_preflight_returns_only_conid(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    assert await snap(primed, f"{AAPL},{IBM}") == [
        {"conid": AAPL, "conidEx": str(AAPL)},
        {"conid": IBM, "conidEx": str(IBM)},
    ]
    second = await snap(primed, f"{AAPL},{IBM}")
    assert all("31" in item and "84" in item and "86" in item for item in second)


async def test_slow_fields_arrive_one_call_later(primed: httpx.AsyncClient) -> None:
    await snap(primed, AAPL)
    first = (await snap(primed, AAPL))[0]
    assert "31" in first and "7289" not in first and "7290" not in first
    later = (await snap(primed, AAPL))[0]
    assert re.fullmatch(r"\d+(\.\d+)?[KMBT]", later["7289"]) and "7290" in later


async def test_preflight_can_be_switched_off(make_sim: Callable[..., GatewaySimulator]) -> None:
    sim = make_sim(snapshot_preflight=False, slow_field_delay=0)
    async with sim.client() as http:
        await http.get("/iserver/accounts")
        assert "7289" in (await snap(http, AAPL))[0]


async def test_snapshot_wire_formats(sim: GatewaySimulator, primed: httpx.AsyncClient) -> None:
    sim.portfolio.holdings[sim.config.accounts[0]].clear()
    await snap(primed, AAPL)
    item = (await snap(primed, AAPL))[0]
    for field in ("31", "70", "71", "84", "86", "7295", "7741"):
        assert re.fullmatch(r"\d+\.\d{2}", item[field]), (field, item[field])
    for field in ("85", "88"):
        assert re.fullmatch(r"\d{1,3}(,\d{3})*", item[field]), (field, item[field])
    assert re.fullmatch(r"\d+(\.\d)?[KM]", item["87"])
    assert isinstance(item["7762"], int) and isinstance(item["_updated"], int)
    assert item["conid"] == AAPL and item["conidEx"] == str(AAPL)
    assert item["6509"] == "RpB" and item["6119"] == item["server_id"]
    assert item["55"] == "AAPL" and float(item["84"]) < float(item["86"])
    assert "73" not in item  # position fields only when the account holds the contract


async def test_sizes_use_thousands_separators(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    await snap(primed, AAPL)
    sizes: set[str] = set()
    for _ in range(40):
        sim.advance(0.5)
        item = (await snap(primed, AAPL, "85,88"))[0]
        sizes.update((item["85"], item["88"]))
    assert any("," in size for size in sizes)


async def test_last_price_prefix_c_without_trade_today_and_h_when_halted(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    await snap(primed, f"{AAPL},{IBM}")
    sim.set_trading_state(AAPL, "no_trade_today")
    sim.set_trading_state(IBM, "halted")
    aapl, ibm = await snap(primed, f"{AAPL},{IBM}")
    assert re.fullmatch(r"C\d+\.\d{2}", aapl["31"]) and "70" not in aapl
    assert aapl["31"] == "C" + aapl["7741"]
    assert re.fullmatch(r"H\d+\.\d{2}", ibm["31"])


async def test_position_fields_for_held_contracts(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    sim.set_position("U1234567", MSFT, 100, avg_cost=400.0)
    await snap(primed, MSFT, "31,73,74,76")
    item = (await snap(primed, MSFT, "31,73,74,76"))[0]
    assert item["76"] == "100" and item["74"] == "400.00"
    assert float(item["73"].replace(",", "")) == pytest.approx(100 * float(item["31"]))


async def test_contract_without_market_data_has_no_prices(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    sim.set_market_data(AAPL, "NpB")
    await snap(primed, AAPL)
    item = (await snap(primed, AAPL, "31,55,84"))[0]
    assert item["6509"] == "NpB" and "31" not in item and item["55"] == "AAPL"


@pytest.mark.parametrize(
    ("conids", "fields"),
    [
        (",".join(str(700_000_000 + i) for i in range(101)), "31"),
        (str(AAPL), ",".join(str(i) for i in range(51))),
    ],
)
async def test_snapshot_limits_100_conids_and_50_fields(
    primed: httpx.AsyncClient, conids: str, fields: str
) -> None:
    response = await primed.get(
        "/iserver/marketdata/snapshot", params={"conids": conids, "fields": fields}
    )
    assert response.status_code == 400


async def test_unknown_conid_never_gets_fields(primed: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert await snap(primed, 12345) == [{"conid": 12345, "conidEx": "12345"}]


async def test_quotes_move_every_half_second_of_clock_time(sim: GatewaySimulator) -> None:
    updates = set()
    prices = set()
    for _ in range(20):
        quote = sim.quote(AAPL)
        updates.add(quote.updated_ms)
        prices.add(quote.last)
        sim.advance(0.25)
    assert len(updates) == 10 and len(prices) > 3


async def test_quotes_are_deterministic_for_a_seed() -> None:
    def quotes(seed: int) -> list[float]:
        sim = GatewaySimulator(SimulatorConfig(seed=seed), clock=ManualClock())
        out = []
        for _ in range(10):
            sim.advance(7)
            out.append(sim.quote(AAPL).last)
        return out

    assert quotes(1) == quotes(1)
    assert quotes(1) != quotes(2)


async def test_quote_at_a_time_does_not_depend_on_earlier_reads() -> None:
    direct = GatewaySimulator(clock=ManualClock())
    stepwise = GatewaySimulator(clock=ManualClock())
    for _ in range(50):
        stepwise.quote(AAPL)
        stepwise.advance(3.0)
    direct.advance(150.0)
    assert direct.quote(AAPL) == stepwise.quote(AAPL)


async def test_unsubscribe_restarts_the_preflight(primed: httpx.AsyncClient) -> None:
    await snap(primed, AAPL)
    assert (await primed.post("/iserver/marketdata/unsubscribe", json={"conid": AAPL})).json() == {
        "success": True
    }
    assert await snap(primed, AAPL) == [{"conid": AAPL, "conidEx": str(AAPL)}]
    assert (await primed.get("/iserver/marketdata/unsubscribeall")).json() == {"unsubscribed": True}
    assert await snap(primed, AAPL) == [{"conid": AAPL, "conidEx": str(AAPL)}]


async def history(http: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await http.get("/iserver/marketdata/history", params={"conid": AAPL, **params})


async def test_history_shape_and_epoch_ms_bars(
    sim: GatewaySimulator, client: httpx.AsyncClient
) -> None:
    body = (await history(client, period="1d", bar="5min")).json()
    assert body["symbol"] == "AAPL" and body["barLength"] == 300 and body["timePeriod"] == "1d"
    assert re.fullmatch(r"\d{8}-\d{2}:\d{2}:\d{2}", body["startTime"])
    bars = body["data"]
    assert len(bars) == 288 and set(bars[0]) == {"o", "c", "h", "l", "v", "t"}
    assert all(b["l"] <= min(b["o"], b["c"]) and b["h"] >= max(b["o"], b["c"]) for b in bars)
    assert [b["t"] for b in bars] == sorted(b["t"] for b in bars)
    assert bars[1]["t"] - bars[0]["t"] == 300_000
    assert bars[-1]["t"] <= sim.now() * 1000 < bars[-1]["t"] + 300_000


async def test_history_is_deterministic_per_conid(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    async def bars(conid: int) -> Any:
        async with make_sim().client() as http:
            return (
                await http.get(
                    "/iserver/marketdata/history",
                    params={"conid": conid, "period": "1w", "bar": "1h"},
                )
            ).json()["data"]

    assert await bars(AAPL) == await bars(AAPL)
    assert await bars(AAPL) != await bars(IBM)


async def test_history_returns_at_most_1000_bars(client: httpx.AsyncClient) -> None:
    body = (await history(client, period="5d", bar="1min")).json()
    assert len(body["data"]) == 1000


@pytest.mark.parametrize(
    ("period", "bar"),
    [
        ("31min", "1min"),
        ("9h", "1h"),
        ("1001d", "1d"),
        ("16y", "1m"),
        ("1d", "7min"),
        ("1h", "1d"),
        ("x", "1min"),
    ],
)
async def test_history_validates_period_and_bar(
    client: httpx.AsyncClient, period: str, bar: str
) -> None:
    response = await history(client, period=period, bar=bar)
    assert response.status_code == 400 and "error" in response.json()


async def test_history_start_time_ends_the_window(client: httpx.AsyncClient) -> None:
    body = (await history(client, period="2h", bar="1h", startTime="20240401-15:30:00")).json()
    assert [b["t"] for b in body["data"]] == [1711980000000, 1711983600000]


async def test_more_than_five_concurrent_history_requests_get_429(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    sim = make_sim(rate_limits=True, history_delay=0.2, global_rate_limit=RateLimit(1000, 1.0))
    async with sim.client() as http:
        responses = await asyncio.gather(*(history(http, period="1d", bar="1h") for _ in range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [429]
