"""IBKRClient snapshots and history against a respx-mocked gateway."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import respx

from ibkr_webapi import IBKRClient, errors
from tests.helpers import ACCOUNTS, BASE


@respx.mock
async def test_snapshot_polls_through_the_preflight_and_names_the_fields(ib: IBKRClient) -> None:
    accounts = respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    snapshot = respx.get(f"{BASE}/iserver/marketdata/snapshot").mock(
        side_effect=[
            httpx.Response(200, json=[{"conid": 265598, "conidEx": "265598"}]),
            httpx.Response(
                200,
                json=[
                    {"conid": 265598, "31": "C193.18", "84": "193.10", "_updated": 1712596911593}
                ],
            ),
            httpx.Response(200, json=[{"conid": 265598, "86": "193.20", "88": "1,300"}]),
        ]
    )
    [quote] = await ib.snapshot(
        [265598], fields=["last_price", "bid_price", "ask_price", "bid_size"]
    )
    assert snapshot.call_count == 3
    assert accounts.call_count == 1
    assert snapshot.calls.last.request.url.params["fields"] == "31,84,86,88"
    # written as IBKR's examples write it: commas plain (a third of the length to check)
    assert snapshot.calls.last.request.url.query == b"conids=265598&fields=31,84,86,88"
    assert quote.conid == 265598
    assert quote.last_price == 193.18 and quote.is_prior_close
    assert quote.bid_price == 193.10 and quote["ask_price"] == 193.20
    assert quote["bid_size"] == 1300
    assert quote.raw["31"] == "C193.18"


@respx.mock
async def test_snapshot_gives_up_after_the_configured_polls_and_keeps_what_arrived(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    route = respx.get(f"{BASE}/iserver/marketdata/snapshot").respond(
        json=[{"conid": 8314, "31": "120.5"}]
    )
    [quote] = await ib.snapshot([8314], fields=["last_price", "7289"], max_polls=3)
    assert route.call_count == 3
    assert quote.last_price == 120.5
    assert quote.missing(["last_price", "7289"]) == ["market_cap"]


@respx.mock
async def test_snapshot_splits_more_than_100_conids_across_calls(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)

    def answer(request: httpx.Request) -> httpx.Response:
        conids = request.url.params["conids"].split(",")
        return httpx.Response(200, json=[{"conid": int(c), "31": "1.0"} for c in conids])

    route = respx.get(f"{BASE}/iserver/marketdata/snapshot").mock(side_effect=answer)
    quotes = await ib.snapshot(range(1, 251), fields=["last_price"])
    sizes = [len(call.request.url.params["conids"].split(",")) for call in route.calls]
    assert sizes == [100, 100, 50]
    assert [q.conid for q in quotes] == list(range(1, 251))


@respx.mock
async def test_snapshot_keeps_unknown_field_ids(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.get(f"{BASE}/iserver/marketdata/snapshot").respond(json=[{"conid": 1, "99999": "x"}])
    [quote] = await ib.snapshot([1], fields=[99999])
    assert quote["99999"] == "x"


async def test_snapshot_unknown_field_name_is_a_clear_error(ib: IBKRClient) -> None:
    with pytest.raises(ValueError, match="last_prce"):
        await ib.snapshot([1], fields=["last_prce"])


async def test_snapshot_bad_conid_is_a_typed_error(ib: IBKRClient) -> None:
    with pytest.raises(errors.InvalidRequestError, match="search_contracts"):
        await ib.snapshot(["AAPL"])


@respx.mock
async def test_history_bars_have_aware_datetimes(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/iserver/marketdata/history").respond(
        json={
            "symbol": "AAPL",
            "barLength": 300,
            "data": [
                {"o": 193.5, "c": 193.8, "h": 194.0, "l": 193.2, "v": 12345.0, "t": 1702285200000}
            ],
        }
    )
    history = await ib.history(
        265598, period="1d", bar="5min", start_time=datetime(2023, 12, 11, 4, 0, tzinfo=UTC)
    )
    assert route.calls.last.request.url.params["startTime"] == "20231211-04:00:00"
    assert history.symbol == "AAPL"
    assert history.bars[0].time == datetime(2023, 12, 11, 9, 0, tzinfo=UTC)
    assert history.bars[0].close == 193.8


async def test_history_rejects_a_malformed_period(ib: IBKRClient) -> None:
    with pytest.raises(errors.InvalidRequestError, match="period"):
        await ib.history(265598, period="1 day")


@respx.mock
async def test_search_keeps_string_conids(ib: IBKRClient) -> None:
    route = respx.post(f"{BASE}/iserver/secdef/search").respond(
        json=[{"conid": "8314", "symbol": "IBM"}]
    )
    [found] = await ib.search_contracts("IBM", sec_type="STK")
    assert found.conid == 8314
    assert json.loads(route.calls.last.request.content) == {
        "symbol": "IBM",
        "name": False,
        "secType": "STK",
    }


@respx.mock
async def test_field_that_never_comes_costs_only_the_late_field_polls(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    route = respx.get(f"{BASE}/iserver/marketdata/snapshot").mock(
        side_effect=[httpx.Response(200, json=[{"conid": 8314}])]
        + [httpx.Response(200, json=[{"conid": 8314, "31": "120.5"}])] * 9
    )
    [quote] = await ib.snapshot([8314], fields=["last_price", "market_cap"], max_polls=10)
    # One pre-flight call, the call that brought data, then two more for the missing field.
    assert route.call_count == 4
    assert quote.last_price == 120.5 and quote.missing(["market_cap"]) == ["market_cap"]


@respx.mock
async def test_a_conid_without_data_is_flagged_named_and_not_polled_again(
    ib: IBKRClient, caplog: pytest.LogCaptureFixture
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)

    def answer(request: httpx.Request) -> httpx.Response:
        asked = [int(c) for c in request.url.params["conids"].split(",")]
        rows: list[dict[str, object]] = []
        for conid in asked:
            row: dict[str, object] = {"conid": conid, "conidEx": str(conid)}
            if conid == 265598:
                row["31"] = "193.18"
            rows.append(row)
        return httpx.Response(200, json=rows)

    route = respx.get(f"{BASE}/iserver/marketdata/snapshot").mock(side_effect=answer)
    with caplog.at_level("WARNING", logger="ibkr_webapi"):
        unknown, known = await ib.snapshot([999999999, 265598], fields=["last_price"])
    assert not unknown.has_data and known.has_data and known.last_price == 193.18
    assert "999999999" in caplog.text
    first_calls = route.call_count
    assert first_calls > 1  # it was given the pre-flight's chance
    caplog.clear()
    with caplog.at_level("WARNING", logger="ibkr_webapi"):
        again, _ = await ib.snapshot([999999999, 265598], fields=["last_price"])
    assert route.call_count == first_calls + 1  # asked once, not polled again
    assert not again.has_data and "999999999" not in caplog.text  # warned once per session


async def test_duplicate_conids_are_dropped_keeping_their_order(ib: IBKRClient) -> None:
    from ibkr_webapi.ids import check_conids

    conids = list(range(1, 20_001)) * 2
    assert check_conids(conids) == list(range(1, 20_001))
