"""ib.contracts, ib.events and the HMDS / regulatory-snapshot calls against a respx-mocked gateway:
what is sent, how answers are shaped, and damaged answers becoming UnexpectedResponseError."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import httpx
import pytest
import respx

from ibkr_webapi import IBKRClient, errors
from tests.helpers import BASE

AAPL = 265598


def _query(route: respx.Route) -> dict[str, str]:
    return dict(route.calls.last.request.url.params)


# --- search, details, rules, algos


@respx.mock
async def test_search_by_post_and_by_get_send_the_same_question(ib: IBKRClient) -> None:
    answer = [
        {
            "conid": "265598",
            "symbol": "AAPL",
            "companyName": "APPLE INC",
            "description": "NASDAQ",
            "opt": "20240315;20240322;bad;20240419",
            "sections": [
                {"secType": "STK"},
                {"secType": "OPT", "months": "MAR24;APR24", "exchange": "SMART;CBOE"},
            ],
        },
        {"conid": 2147483647, "issuers": [{"id": "e1359061", "name": "Apple Inc"}]},
    ]
    post = respx.post(f"{BASE}/iserver/secdef/search").respond(json=answer)
    get = respx.get(f"{BASE}/iserver/secdef/search").respond(json=answer)
    by_post = await ib.contracts.search("AAPL", sec_type="STK")
    by_get = await ib.contracts.search("AAPL", sec_type="STK", method="GET")
    assert by_post == by_get
    assert json.loads(post.calls.last.request.content) == {
        "symbol": "AAPL",
        "name": False,
        "secType": "STK",
    }
    assert _query(get) == {"symbol": "AAPL", "secType": "STK", "name": "false"}
    stock, bonds = by_post
    assert stock.conid == AAPL and stock.months("OPT") == ("MAR24", "APR24")
    assert stock.expiries("OPT") == (date(2024, 3, 15), date(2024, 3, 22), date(2024, 4, 19))
    assert stock.sec_types == ("STK", "OPT")
    assert bonds.symbol is None and [i.id for i in bonds.issuers] == ["e1359061"]


@respx.mock
async def test_search_sends_the_fund_and_pattern_options_only_when_set(ib: IBKRClient) -> None:
    post = respx.post(f"{BASE}/iserver/secdef/search").respond(json=[])
    get = respx.get(f"{BASE}/iserver/secdef/search").respond(json=[])
    await ib.contracts.search("VANGUARD", name=True, fund=True, fund_family_conid_ex="123@FUND")
    await ib.contracts.search("AA", pattern=True, more=False, referrer="app", method="GET")
    assert json.loads(post.calls.last.request.content) == {
        "symbol": "VANGUARD",
        "name": True,
        "fund": True,
        "fundFamilyConidEx": "123@FUND",
    }
    assert _query(get) == {
        "symbol": "AA",
        "name": "false",
        "pattern": "true",
        "more": "false",
        "referrer": "app",
    }
    with pytest.raises(errors.InvalidRequestError, match="fund"):
        await ib.contracts.search("X", fund="yes")  # type: ignore[arg-type]
    assert post.call_count == 1


@respx.mock
async def test_search_with_damaged_sections_is_an_unexpected_response(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/iserver/secdef/search").respond(json=[{"conid": AAPL, "sections": "STK"}])
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.contracts.search("AAPL")


@respx.mock
async def test_info_and_rules_reads_an_option_and_its_rules(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/contract/600100020/info-and-rules").respond(
        json={
            "con_id": 600100020,
            "symbol": "AAPL",
            "instrument_type": "OPT",
            "multiplier": "100",
            "underlying_con_id": AAPL,
            "strike": "187.5",
            "right": "CALL",
            "text": "MAR 15 '24 187.5 Call",
            "rules": {
                "orderTypes": ["limit", "market"],
                "tifTypes": ["IOC/b,o,a", "GTC/o,a", "DAY/o,a"],
                "tifDefaults": {"TIF": "DAY"},
                "increment": 0.01,
                "incrementRules": [
                    {"lowerEdge": 0.0, "increment": 0.01},
                    {"lowerEdge": 3.0, "increment": 0.05},
                ],
                "orderDefaults": {"LMT": {"LP": "4.20", "ALGO": True}},
                "canTradeAcctIds": ["U1234567"],
            },
        }
    )
    both = await ib.contracts.info_and_rules(600100020)
    assert both.details.strike == 187.5 and both.details.right == "C"
    assert both.details.multiplier_value == 100.0
    assert both.details.description == "MAR 15 '24 187.5 Call"
    rules = both.rules
    assert rules is not None
    assert rules.time_in_force == ("IOC", "GTC", "DAY") and rules.default_tif == "DAY"
    assert rules.increment_at(2.5) == 0.01 and rules.increment_at(7.0) == 0.05
    assert rules.order_defaults["LMT"] == {"LP": "4.20", "ALGO": True}


@respx.mock
async def test_rules_for_modifying_an_order_name_the_order(ib: IBKRClient) -> None:
    route = respx.post(f"{BASE}/iserver/contract/rules").respond(
        json={"orderTypes": ["limit"], "defaultSize": 100, "sizeIncrement": 1}
    )
    rules = await ib.contracts.rules(AAPL, is_buy=False, modify_order_id=1370093239)
    assert json.loads(route.calls.last.request.content) == {
        "conid": AAPL,
        "isBuy": False,
        "modifyOrder": True,
        "orderId": 1370093239,
    }
    assert rules.order_types == ("limit",) and rules.default_size == 100.0
    assert rules.increment_at(10.0) is None


@respx.mock
async def test_rules_with_a_damaged_increment_rule_is_an_unexpected_response(
    ib: IBKRClient,
) -> None:
    respx.post(f"{BASE}/iserver/contract/rules").respond(
        json={"incrementRules": [{"lowerEdge": "zero", "increment": 0.01}]}
    )
    with pytest.raises(errors.UnexpectedResponseError, match="lowerEdge"):
        await ib.contracts.rules(AAPL)


@respx.mock
async def test_algos_ask_for_ids_descriptions_and_parameters(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/iserver/contract/{AAPL}/algos").respond(
        json={
            "algos": [
                {
                    "id": "Adaptive",
                    "name": "Adaptive",
                    "description": "Works the order between the bid and the ask",
                    "parameters": [
                        {
                            "id": "adaptivePriority",
                            "name": "Priority",
                            "valueClassName": "String",
                            "required": "true",
                            "defaultValue": "Normal",
                            "legalStrings": ["Urgent", "Normal", "Patient"],
                        },
                        {"id": "maxPctVol", "minValue": 0.01, "maxValue": 0.5, "defaultValue": 0.1},
                    ],
                }
            ]
        }
    )
    (algo,) = await ib.contracts.algos(
        AAPL, algos=["Adaptive", "Vwap"], descriptions=True, parameters=True
    )
    assert _query(route) == {"algos": "Adaptive;Vwap", "addDescription": "1", "addParams": "1"}
    priority, pct = algo.parameters
    assert priority.required is True and priority.default == "Normal"
    assert priority.choices == ("Urgent", "Normal", "Patient")
    assert pct.required is None and pct.default == 0.1 and pct.maximum == 0.5
    await ib.contracts.algos(AAPL)
    assert _query(route) == {}


async def test_algos_refuses_more_than_eight_ids_without_a_request(ib: IBKRClient) -> None:
    with pytest.raises(errors.InvalidRequestError, match="1 to 8"):
        await ib.contracts.algos(AAPL, algos=[f"A{i}" for i in range(9)])
    with pytest.raises(errors.InvalidRequestError, match="one per item"):
        await ib.contracts.algos(AAPL, algos=["Adaptive;Vwap"])


# --- derivatives


@respx.mock
async def test_secdef_info_and_strikes_are_typed(ib: IBKRClient) -> None:
    info = respx.get(f"{BASE}/iserver/secdef/info").respond(
        json=[
            {
                "conid": 600100020,
                "ticker": "AAPL",
                "secType": "OPT",
                "maturityDate": "20240315",
                "right": "P",
                "strike": 187.5,
                "multiplier": "100",
                "tradingClass": "AAPL",
                "desc2": "MAR 15 '24 187.5 Put",
            }
        ]
    )
    (put,) = await ib.contracts.secdef_info(
        AAPL, "OPT", month="MAR24", strike=187.5, right="P", exchange="SMART"
    )
    assert _query(info) == {
        "conid": str(AAPL),
        "sectype": "OPT",
        "month": "MAR24",
        "exchange": "SMART",
        "strike": "187.5",
        "right": "P",
    }
    assert put.expiry == date(2024, 3, 15) and put.right == "P" and put.multiplier == 100.0
    strikes = respx.get(f"{BASE}/iserver/secdef/strikes").respond(
        json={"call": [190, 185.0, 187.5], "put": [185]}
    )
    grid = await ib.contracts.strikes(AAPL, "mar24")
    assert _query(strikes)["month"] == "MAR24"
    assert grid.calls == (185.0, 187.5, 190.0) and grid.all == (185.0, 187.5, 190.0)


@pytest.mark.parametrize(
    "answer",
    [{"call": ["185"], "put": []}, {"call": [float("inf")]}, {"call": 185}, [1, 2]],
    ids=["text", "infinite", "not-a-list", "a-list-body"],
)
@respx.mock
async def test_damaged_strikes_are_an_unexpected_response(ib: IBKRClient, answer: object) -> None:
    content = json.dumps(answer).replace("Infinity", "1e999").encode()
    respx.get(f"{BASE}/iserver/secdef/strikes").respond(
        content=content, headers={"content-type": "application/json"}
    )
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.contracts.strikes(AAPL, "MAR24")


@respx.mock
async def test_secdef_info_with_a_damaged_maturity_is_an_unexpected_response(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/secdef/info").respond(
        json=[{"conid": 1, "maturityDate": "2024-03-15"}]
    )
    with pytest.raises(errors.UnexpectedResponseError, match="maturityDate"):
        await ib.contracts.secdef_info(AAPL, "OPT", month="MAR24", strike=185)


@respx.mock
async def test_futures_come_nearest_first_and_damage_is_named(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/trsrv/futures").respond(
        json={
            "ES": [
                {"symbol": "ES", "conid": 2, "expirationDate": 20250321, "ltd": 20250320},
                {"symbol": "ES", "conid": 1, "expirationDate": 20241220, "ltd": 20241219},
            ]
        }
    )
    futures = await ib.contracts.futures(["es", "ES"], exchange="CME")
    assert _query(route) == {"symbols": "ES", "exchange": "CME"}
    assert [f.conid for f in futures["ES"]] == [1, 2]
    assert futures["ES"][0].last_trading_day == date(2024, 12, 19)
    route.respond(json={"ES": [{"conid": 1, "expirationDate": "soon"}]})
    with pytest.raises(errors.UnexpectedResponseError, match="expirationDate"):
        await ib.contracts.futures("ES")


def _chain_routes(strikes: list[float]) -> tuple[respx.Route, respx.Route, respx.Route]:
    search = respx.post(f"{BASE}/iserver/secdef/search").respond(
        json=[
            {
                "conid": AAPL,
                "symbol": "AAPL",
                "opt": "20240315;20240322",
                "sections": [{"secType": "OPT", "months": "MAR24;APR24"}],
            }
        ]
    )
    grid = respx.get(f"{BASE}/iserver/secdef/strikes").respond(
        json={"call": strikes, "put": strikes}
    )

    def definitions(request: httpx.Request) -> httpx.Response:
        strike = float(request.url.params["strike"])
        rights = [request.url.params["right"]] if "right" in request.url.params else ["C", "P"]
        items = [
            {
                "conid": int(strike * 1000) + n * 10 + (1 if right == "P" else 0),
                "ticker": "AAPL",
                "secType": "OPT",
                "maturityDate": day,
                "right": right,
                "strike": strike,
                "multiplier": "100",
            }
            for n, day in enumerate(("20240315", "20240322"))
            for right in rights
        ]
        return httpx.Response(200, json=items)

    info = respx.get(f"{BASE}/iserver/secdef/info").mock(side_effect=definitions)
    return search, grid, info


@respx.mock
async def test_option_chain_walks_search_strikes_and_one_secdef_per_strike(
    ib: IBKRClient,
) -> None:
    search, grid, info = _chain_routes([180.0, 185.0, 190.0, 195.0])
    chain = await ib.contracts.option_chain("aapl", expiry="20240322", strikes=(183, 192))
    assert (search.call_count, grid.call_count, info.call_count) == (1, 1, 2)
    assert _query(grid) == {"conid": str(AAPL), "sectype": "OPT", "month": "MAR24"}
    assert sorted(float(c.request.url.params["strike"]) for c in info.calls) == [185.0, 190.0]
    assert chain.month == "MAR24" and chain.expiries == (date(2024, 3, 22),)
    assert [(c.strike, c.right) for c in chain] == [
        (185.0, "C"),
        (185.0, "P"),
        (190.0, "C"),
        (190.0, "P"),
    ]
    assert chain.listed_strikes == (180.0, 185.0, 190.0, 195.0)
    assert chain.find(190, "P") is not None and chain.find(200, "P") is None


@respx.mock
async def test_option_chain_with_a_right_and_exact_strikes(ib: IBKRClient) -> None:
    _, _, info = _chain_routes([180.0, 185.0, 190.0])
    chain = await ib.contracts.option_chain("AAPL", strikes=[185, 190, 999], right="C")
    assert {c.request.url.params["right"] for c in info.calls} == {"C"}
    assert chain.calls == chain.contracts and not chain.puts
    assert chain.strikes == (185.0, 190.0)
    assert chain.expiries == (date(2024, 3, 15), date(2024, 3, 22))


@respx.mock
async def test_a_failing_strike_fails_the_chain_with_the_clients_error(ib: IBKRClient) -> None:
    _chain_routes([180.0, 185.0])
    respx.get(f"{BASE}/iserver/secdef/info").respond(json={"conid": "not a list"})
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.contracts.option_chain("AAPL")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expiry": datetime(2024, 3, 15, tzinfo=UTC)}, "not a datetime"),
        ({"expiry": "2024-03-15"}, "is not a date"),
        ({"expiry": "20240315", "month": "APR24"}, "not in month"),
        ({"month": "March"}, "is not a month"),
        ({"strikes": (200, 100)}, "low bound is above"),
        ({"strikes": "190"}, "strikes must be"),
        ({"strikes": []}, "strikes is empty"),
        ({"strikes": (1, float("nan"))}, "finite number"),
        ({"right": "CALL"}, "right must be"),
        ({"sec_type": "FUT"}, "sec_type must be"),
        ({"max_strikes": 0}, "max_strikes"),
    ],
)
async def test_option_chain_refuses_bad_asks_before_any_request(
    ib: IBKRClient, kwargs: dict[str, object], message: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(errors.InvalidRequestError, match=message):
            await ib.contracts.option_chain("AAPL", **kwargs)  # type: ignore[arg-type]
        assert mock.calls.call_count == 0


@respx.mock
async def test_option_chain_of_an_unlisted_month_names_the_listed_ones(ib: IBKRClient) -> None:
    _, _, info = _chain_routes([180.0])
    with pytest.raises(errors.InvalidRequestError, match="its months are MAR24, APR24"):
        await ib.contracts.option_chain("AAPL", month="MAY24")
    with pytest.raises(errors.InvalidRequestError, match="2024-03-15, 2024-03-22"):
        await ib.contracts.option_chain("AAPL", expiry=date(2024, 3, 29))
    with pytest.raises(errors.InvalidRequestError, match="has no OPT contracts"):
        await ib.contracts.option_chain("MSFT")
    assert info.call_count == 0


# --- look-ups by symbol, definitions, schedules, currencies, bonds, exchanges


@respx.mock
async def test_security_definitions_keep_the_order_asked_and_204_is_empty(
    ib: IBKRClient,
) -> None:
    route = respx.get(f"{BASE}/trsrv/secdef").respond(
        json={
            "secdef": [
                {"conid": 8314, "ticker": "IBM", "strike": "0", "multiplier": 0},
                {
                    "conid": AAPL,
                    "ticker": "AAPL",
                    "allExchanges": "SMART,NASDAQ,",
                    "expiry": None,
                    "putOrCall": "?",
                    "hasOptions": True,
                    "isUS": True,
                },
            ]
        }
    )
    aapl, ibm = await ib.contracts.security_definitions([AAPL, 8314, AAPL])
    assert _query(route) == {"conids": f"{AAPL},8314"}
    assert aapl.exchanges == ("SMART", "NASDAQ") and aapl.right is None and aapl.has_options
    assert ibm.strike is None and ibm.multiplier is None
    route.respond(status_code=204)
    assert await ib.contracts.security_definitions(AAPL) == []
    route.respond(json={"secdef": [{"conid": AAPL, "hasOptions": "yes"}]})
    with pytest.raises(errors.UnexpectedResponseError, match="hasOptions"):
        await ib.contracts.security_definitions(AAPL)


@respx.mock
async def test_stocks_by_symbol(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/trsrv/stocks").respond(
        json={
            "AAPL": [
                {
                    "name": "APPLE INC",
                    "assetClass": "STK",
                    "contracts": [
                        {"conid": AAPL, "exchange": "NASDAQ", "isUS": True},
                        {"conid": 38708077, "exchange": "MEXI", "isUS": False},
                    ],
                }
            ]
        }
    )
    found = await ib.contracts.stocks(["AAPL", "ibm"])
    assert _query(route) == {"symbols": "AAPL,IBM"}
    (apple,) = found["AAPL"]
    assert [(c.conid, c.is_us) for c in apple.contracts] == [(AAPL, True), (38708077, False)]
    route.respond(json={"AAPL": [{"contracts": [{"exchange": "NASDAQ"}]}]})
    with pytest.raises(errors.UnexpectedResponseError, match="conid"):
        await ib.contracts.stocks("AAPL")


@respx.mock
async def test_trading_schedule_is_in_utc_and_answers_is_open(ib: IBKRClient) -> None:
    open_, close = 1710423000, 1710446400  # 2024-03-14 13:30 and 20:00 UTC
    respx.get(f"{BASE}/contract/trading-schedule").respond(
        json={
            "exchange_time_zone": "US/Eastern",
            "schedules": {
                "20240314": {
                    "liquid_hours": [{"opening": open_, "closing": close}],
                    "extended_hours": [{"opening": open_ - 19800, "closing": close + 14400}],
                }
            },
        }
    )
    schedule = await ib.contracts.trading_schedule(AAPL, exchange="NASDAQ")
    (day,) = schedule.days
    assert day.day == date(2024, 3, 14)
    assert day.liquid[0].opening == datetime(2024, 3, 14, 13, 30, tzinfo=UTC)
    noon = datetime(2024, 3, 14, 16, 0, tzinfo=UTC)
    evening = datetime(2024, 3, 14, 22, 0, tzinfo=UTC)
    assert schedule.is_open(noon) and not schedule.is_open(evening)
    assert schedule.is_open(evening, extended=True)
    assert schedule.on(date(2024, 3, 15)) is None


@respx.mock
async def test_trading_schedule_with_a_damaged_day_is_an_unexpected_response(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/contract/trading-schedule").respond(
        json={"schedules": {"tomorrow": {"liquid_hours": []}}}
    )
    with pytest.raises(errors.UnexpectedResponseError, match="tomorrow"):
        await ib.contracts.trading_schedule(AAPL)


@respx.mock
async def test_exchange_schedules_name_weekdays_and_dates(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/trsrv/secdef/schedule").respond(
        json=[
            {
                "exchange": "NASDAQ",
                "timezone": "America/New_York",
                "schedules": [
                    {
                        "tradingScheduleDate": "20000103",
                        "clearingCycleEndTime": "2000",
                        "tradingtimes": [
                            {"openingTime": "0400", "closingTime": "2000", "cancelDayOrders": "Y"}
                        ],
                        "sessions": [
                            {"openingTime": "0930", "closingTime": "1600", "prop": "LIQUID"}
                        ],
                    },
                    {"tradingScheduleDate": "20241225", "tradingtimes": []},
                ],
            }
        ]
    )
    (nasdaq,) = await ib.contracts.exchange_schedules("aapl", exchange_filter=["NASDAQ"])
    assert _query(route) == {"assetClass": "STK", "symbol": "AAPL", "exchangeFilter": "NASDAQ"}
    monday = nasdaq.weekday("monday")
    assert monday is not None and monday.on is None
    assert monday.liquid_sessions[0].opening == time(9, 30)
    assert monday.trading_times[0].cancels_day_orders is True
    christmas = nasdaq.days[1]
    assert christmas.weekday is None and christmas.on == date(2024, 12, 25)
    route.respond(json=[{"schedules": [{"tradingtimes": [{"openingTime": "9:30"}]}]}])
    with pytest.raises(errors.UnexpectedResponseError, match="openingTime"):
        await ib.contracts.exchange_schedules("AAPL")


@respx.mock
async def test_currency_pairs_and_exchange_rate(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/currency/pairs").respond(
        json={"USD": [{"symbol": "USD.JPY", "conid": 15016059, "ccyPair": "JPY"}]}
    )
    (pair,) = await ib.contracts.currency_pairs("usd")
    assert (pair.symbol, pair.conid, pair.currency) == ("USD.JPY", 15016059, "JPY")
    rate = respx.get(f"{BASE}/iserver/exchangerate").respond(json={"rate": 0.92})
    assert await ib.contracts.exchange_rate("usd", "eur") == 0.92
    assert _query(rate) == {"source": "USD", "target": "EUR"}
    rate.respond(json={})
    with pytest.raises(errors.UnexpectedResponseError, match="rate"):
        await ib.contracts.exchange_rate("USD", "EUR")


@respx.mock
async def test_bond_filters_and_exchange_contracts(ib: IBKRClient) -> None:
    filters = respx.get(f"{BASE}/iserver/secdef/bond-filters").respond(
        json={
            "bondFilters": [
                {
                    "displayText": "Maturity Date",
                    "columnId": 27,
                    "options": [{"text": "Jan 2025", "value": "202501"}],
                }
            ]
        }
    )
    (maturity,) = await ib.contracts.bond_filters("e1359061")
    assert _query(filters) == {"symbol": "BOND", "issuerId": "e1359061"}
    assert maturity.column_id == 27 and maturity.options[0].value == "202501"
    respx.get(f"{BASE}/trsrv/all-conids").respond(
        json=[{"ticker": "AAPL", "conid": AAPL, "exchange": "NASDAQ"}]
    )
    (apple,) = await ib.contracts.exchange_contracts("nasdaq")
    assert apple.conid == AAPL
    filters.respond(json={"bondFilters": [{"options": [{"text": "no value"}]}]})
    with pytest.raises(errors.UnexpectedResponseError, match="value"):
        await ib.contracts.bond_filters("e1359061")


# --- history from HMDS, the paid snapshot


@respx.mock
async def test_hmds_history_sends_its_parameters_and_reads_bars(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/hmds/history").respond(
        json={
            "symbol": "AAPL",
            "barLength": 3600,
            "data": [{"t": 1710423000000, "o": 1, "h": 2, "l": 0.5, "c": 1.5, "v": 10}],
        }
    )
    history = await ib.market.hmds_history(
        AAPL,
        period="2d",
        bar="1h",
        bar_type="Midpoint",
        start_time=datetime(2024, 3, 14, 20, 0, tzinfo=UTC),
        direction=-1,
        outside_rth=True,
    )
    assert _query(route) == {
        "conid": str(AAPL),
        "period": "2d",
        "bar": "1h",
        "barType": "Midpoint",
        "startTime": "20240314-20:00:00",
        "direction": "-1",
        "outsideRth": "true",
    }
    assert history.bars[0].time == datetime(2024, 3, 14, 13, 30, tzinfo=UTC)
    assert history.bar_length_seconds == 3600
    with pytest.raises(errors.InvalidRequestError, match="direction"):
        await ib.market.hmds_history(AAPL, direction=0)  # type: ignore[arg-type]
    route.respond(json=[1, 2])
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.market.hmds_history(AAPL)


@pytest.mark.parametrize("accept", [False, None, "yes", 1])
async def test_the_paid_snapshot_sends_nothing_without_an_explicit_yes(
    ib: IBKRClient, accept: object
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        paid = mock.get(f"{BASE}/md/regsnapshot").respond(json={"conid": AAPL, "31": "170.0"})
        with pytest.raises(errors.InvalidRequestError, match="accept_fee=True"):
            await ib.market.regulatory_snapshot(AAPL, accept_fee=accept)  # type: ignore[arg-type]
        assert paid.call_count == 0


@respx.mock
async def test_the_paid_snapshot_with_accept_fee_is_a_quote(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/md/regsnapshot").respond(
        json={"conid": AAPL, "conidEx": "265598", "31": "170.25", "84": "170.2", "86": "170.3"}
    )
    quote = await ib.market.regulatory_snapshot(AAPL, accept_fee=True)
    assert route.call_count == 1 and _query(route) == {"conid": str(AAPL)}
    assert quote.conid == AAPL and quote.last_price == 170.25 and quote.ask_price == 170.3
    route.respond(json=["not", "an", "object"])
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.market.regulatory_snapshot(AAPL, accept_fee=True)
    route.respond(json={"conid": 8314, "31": "1.0"})
    with pytest.raises(errors.UnexpectedResponseError, match="conid 8314, not 265598"):
        await ib.market.regulatory_snapshot(AAPL, accept_fee=True)
    route.respond(json={"conid": None, "31": "170.5"})  # no conid: the one asked for
    assert (await ib.market.regulatory_snapshot(AAPL, accept_fee=True)).conid == AAPL


# --- event contracts


@respx.mock
async def test_events_from_categories_to_schedules(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/forecast/category/tree").respond(
        json={
            "categories": {
                "g1": {"name": "Economy", "parent_id": None, "markets": []},
                "g2": {
                    "name": "Inflation",
                    "parent_id": "g1",
                    "markets": [{"name": "US CPI", "symbol": "CPI", "conid": 700}],
                },
            }
        }
    )
    market = respx.get(f"{BASE}/forecast/contract/market").respond(
        json={
            "market_name": "US CPI",
            "payout": 1.0,
            "contracts": [
                {"conid": 701, "side": "Y", "strike": 3.0, "expiration": "20241210"},
                {"conid": 702, "side": "N", "strike": 3.0, "expiration": "20241210"},
            ],
        }
    )
    respx.get(f"{BASE}/forecast/contract/details").respond(
        json={"conid_yes": 701, "conid_no": 702, "question": "Above 3%?", "underlying_conid": "700"}
    )
    respx.get(f"{BASE}/forecast/contract/rules").respond(
        json={"threshold": "3.0", "last_trade_time": 1733788800, "payout": "1 USD"}
    )
    respx.get(f"{BASE}/forecast/contract/schedules").respond(
        json={
            "timezone": "US/Central",
            "trading_schedules": [
                {
                    "day_of_week": "Monday",
                    "trading_times": [{"open": "8:00 AM", "close": "4:00 PM"}],
                }
            ],
        }
    )
    economy, inflation = await ib.events.categories()
    assert inflation.parent_id == "g1" and inflation.markets[0].conid == 700
    assert economy.markets == ()
    cpi = await ib.events.market(700, exchange="FORECASTX")
    assert _query(market) == {"underlyingConid": "700", "exchange": "FORECASTX"}
    assert cpi.strikes == (3.0,) and cpi.contracts[0].expiration == date(2024, 12, 10)
    details = await ib.events.details(701)
    assert (details.conid_yes, details.conid_no, details.underlying_conid) == (701, 702, 700)
    rules = await ib.events.rules(701)
    assert rules.last_trade_time == datetime(2024, 12, 10, tzinfo=UTC)
    schedule = await ib.events.schedule(701)
    assert schedule.days[0].times == (("8:00 AM", "4:00 PM"),)


@pytest.mark.parametrize(
    ("path", "call", "answer"),
    [
        ("/forecast/category/tree", "categories", {"categories": {"g1": {"markets": "none"}}}),
        ("/forecast/contract/market", "market", {"contracts": [{"side": "Y"}]}),
        ("/forecast/contract/details", "details", {"underlying_conid": "CPI"}),
        ("/forecast/contract/rules", "rules", {"last_trade_time": "tomorrow"}),
        ("/forecast/contract/schedules", "schedule", {"trading_schedules": {"Monday": []}}),
    ],
)
@respx.mock
async def test_damaged_event_answers_are_unexpected_responses(
    ib: IBKRClient, path: str, call: str, answer: object
) -> None:
    respx.get(f"{BASE}{path}").respond(json=answer)
    method = getattr(ib.events, call)
    with pytest.raises(errors.UnexpectedResponseError):
        await (method() if call == "categories" else method(700))


async def test_bad_inputs_are_refused_without_a_request(ib: IBKRClient) -> None:
    with respx.mock(assert_all_called=False) as mock:
        for call in (
            ib.contracts.info(0),
            ib.contracts.search(""),
            ib.contracts.search("AAPL", method="PUT"),  # type: ignore[arg-type]
            ib.contracts.strikes(AAPL, "MAR24", sec_type="STK"),
            ib.contracts.futures([]),
            ib.contracts.futures("ES,NQ"),
            ib.contracts.security_definitions([]),
            ib.contracts.exchange_rate("USD", ""),
            ib.contracts.rules(AAPL, is_buy="yes"),  # type: ignore[arg-type]
            ib.events.market(-1),
            ib.market.hmds_history(AAPL, period="forever"),
        ):
            with pytest.raises(errors.InvalidRequestError):
                await call
        assert mock.calls.call_count == 0
