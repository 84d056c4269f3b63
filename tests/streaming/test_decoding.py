"""Frame builders, the frame parser, topic decoders and the quote merge (no sockets)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr_webapi import Quote, errors
from ibkr_webapi.snapshot import merge_rows
from ibkr_webapi.streaming import decoders, frames
from ibkr_webapi.streaming.quotes import QuoteState

# --- client frames -----------------------------------------------------------------------------


def test_subscribe_frames_have_the_documented_syntax() -> None:
    assert frames.market_data(265598, ["31", "84"]) == 'smd+265598+{"fields":["31","84"]}'
    assert frames.orders() == "sor+{}"
    assert frames.pnl() == "spl+{}"
    assert frames.trades() == "str+{}"
    assert frames.trades(days=3) == 'str+{"days":3}'
    assert frames.account_summary("U1", ["NetLiquidation"]) == 'ssd+U1+{"keys":["NetLiquidation"]}'
    assert frames.ledger("U1") == "sld+U1+{}"
    assert frames.book("U1", 265598, "ISLAND") == "sbd+U1+265598+ISLAND"
    assert frames.session("abc") == '{"session":"abc"}'


@pytest.mark.parametrize(
    ("key", "frame"),
    [
        ("md+265598", "umd+265598+{}"),
        ("or", "uor+{}"),
        ("pl", "upl+{}"),
        ("tr", "utr"),
        ("sd+U1", "usd+U1+{}"),
        ("ld+U1", "uld+U1+{}"),
        ("bd+U1+265598", "ubd+U1"),
    ],
)
def test_each_stream_key_has_its_unsubscribe_frame(key: str, frame: str) -> None:
    assert frames.unsubscribe(key) == frame


# --- the parser ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['{"topic":', "[1,2]", '"text"', "null", "\x00\xff", b"\xff\xfe"])
def test_anything_but_a_json_object_is_a_protocol_error(text: str | bytes) -> None:
    with pytest.raises(errors.StreamProtocolError):
        frames.parse(text)


@given(st.text(max_size=200) | st.binary(max_size=200))
def test_the_parser_never_raises_anything_else(text: str | bytes) -> None:
    try:
        frame = frames.parse(text)
    except errors.StreamProtocolError:
        return
    assert isinstance(frame, dict)


# --- decoders ------------------------------------------------------------------------------------

SOR_FULL = {
    "topic": "sor",
    "args": [
        {
            "acct": "DU1111111",
            "conid": 265598,
            "orderId": 1370093239,
            "orderDesc": "Buy 10 Limit 150.00 GTC",
            "ticker": "AAPL",
            "remainingQuantity": 10.0,
            "filledQuantity": 0.0,
            "status": "Submitted",
            "orderType": "Limit",
            "side": "BUY",
            "timeInForce": "GTC",
            "price": 150,
            "order_ref": "my-coid-1",
            "lastExecutionTime_r": 1714489460000,
        }
    ],
}


def test_an_order_row_decodes_to_a_typed_update() -> None:
    row = decoders.order_rows(SOR_FULL)[0]
    update = decoders.order_update(row, frozenset(row), "stream")
    assert update.order_id == 1370093239 and update.c_oid == "my-coid-1"
    assert update.status == "Submitted" and update.price == 150.0
    assert update.remaining_quantity == 10.0 and not update.is_final
    assert update.last_execution is not None and update.last_execution.year == 2024


def test_order_fingerprints_compare_numbers_as_numbers() -> None:
    a = {"orderId": 1, "status": "Filled", "filledQuantity": "4", "avgPrice": "149.98"}
    b = {"orderId": 1, "status": "Filled", "filledQuantity": 4.0, "avgPrice": 149.98}
    assert decoders.order_fingerprint(a) == decoders.order_fingerprint(b)


def test_a_sor_row_without_an_order_id_is_malformed() -> None:
    with pytest.raises(errors.StreamProtocolError):
        decoders.order_rows({"topic": "sor", "args": [{"status": "Filled"}]})


def test_pnl_trades_summary_ledger_book_and_status() -> None:
    pnl = decoders.pnl_updates(
        {"topic": "spl", "args": {"DU1.Core": {"rowType": 1, "dpl": -112.5, "nl": 250310.0}}}
    )[0]
    assert (pnl.account_id, pnl.daily_pnl, pnl.net_liquidation) == ("DU1", -112.5, 250310.0)
    trade = decoders.trades(
        {
            "topic": "str",
            "args": [
                {
                    "execution_id": "e1",
                    "side": "S",
                    "size": "1,000",
                    "price": "168.42",
                    "trade_time": "20240430-14:10:01",
                    "conid": "265598",
                }
            ],
        }
    )[0]
    assert (trade.side, trade.size, trade.price, trade.conid) == ("SELL", 1000.0, 168.42, 265598)
    assert trade.time is not None and trade.time.hour == 14
    summary = decoders.summary_updates(
        {
            "topic": "ssd+DU1",
            "result": [
                {"key": "AccountCode", "value": "DU1", "timestamp": 1714489460},
                {"key": "NetLiquidation", "monetaryValue": 1.5e6, "currency": "USD"},
            ],
        }
    )
    assert summary[0].text == "DU1" and summary[1].amount == 1.5e6
    ledger = decoders.ledger_updates(
        {
            "topic": "sld+DU1",
            "result": [
                {"key": "LedgerListBASE", "secondKey": "BASE", "cashbalance": 10.0},
                {"key": "LedgerListUSD", "timestamp": 1714489460},
            ],
        }
    )
    assert [(e.currency, e.blank) for e in ledger] == [("BASE", False), ("USD", True)]
    book = decoders.book_update(
        {
            "topic": "sbd+DU1+265598",
            "data": [{"row": 0, "focus": 1, "price": "168.45", "ask": "300"}],
        }
    )
    assert book.conid == 265598 and book.rows[0].ask_size == 300 and book.rows[0].focus
    partial = decoders.auth_status({"topic": "sts", "args": {"competing": False}})
    assert partial.authenticated is None and partial.competing is False


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
DECODERS = [
    decoders.order_rows,
    decoders.pnl_updates,
    decoders.trades,
    decoders.summary_updates,
    decoders.ledger_updates,
    decoders.book_update,
    decoders.auth_status,
    decoders.accounts_info,
    decoders.notifications,
    decoders.bulletins,
    decoders.server_error,
    decoders.system_info,
]


@given(
    st.sampled_from(DECODERS),
    st.dictionaries(st.sampled_from(["topic", "args", "result", "data", "error", "code"]), JSON),
)
def test_decoders_raise_only_protocol_errors(decoder: Any, frame: dict[str, Any]) -> None:
    with contextlib.suppress(errors.StreamProtocolError):
        decoder(frame)


# --- the quote merge -----------------------------------------------------------------------------

FIRST = {
    "server_id": "q0",
    "conidEx": "265598",
    "conid": 265598,
    "_updated": 1714489461512,
    "6119": "q0",
    "31": "C168.42",
    "84": "168.41",
    "86": "168.43",
    "88": "1,300",
    "6509": "RpB",
    "topic": "smd+265598",
}
DELTA = {
    "server_id": "q0",
    "conid": 265598,
    "_updated": 1714489462013,
    "87": "12.2M",
    "87_raw": 1.22e7,
    "84": "",
    "topic": "smd+265598",
}


def test_a_delta_merges_into_the_full_quote() -> None:
    state = QuoteState(265598)
    state.merge(dict(FIRST))
    state.merge(dict(DELTA))
    quote = state.quote()
    assert quote.bid_price == 168.41  # an empty value does not wipe out a known one
    assert quote.volume == 12_200_000 and quote.bid_size == 1300
    assert quote.is_prior_close and quote.availability is not None
    assert quote.raw["topic"] == "smd+265598"  # the frames as received
    assert state.quote() is quote  # built once per version


VALUES = st.one_of(
    st.sampled_from(["168.42", "C193.18", "H12.00", "1,300", "24.5M", "", "1.23%", "RpB", "x"]),
    st.integers(-5, 10**7),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)
ROWS = st.dictionaries(
    st.sampled_from(
        ["31", "84", "86", "85", "88", "87", "7762", "6509", "7295", "55", "9999", "87_raw"]
    ),
    VALUES,
    max_size=8,
)


@given(st.lists(ROWS, min_size=1, max_size=6))
def test_streamed_quotes_equal_snapshot_quotes_of_the_same_merged_row(
    rows: list[dict[str, Any]],
) -> None:
    state = QuoteState(265598)
    merged: dict[str, Any] = {"conid": 265598}
    for row in rows:
        state.merge(dict(row))
        merged = merge_rows(merged, row)
    streamed, snapped = state.quote(), Quote.from_row(merged)
    assert dict(streamed.values) == dict(snapped.values)
    assert dict(streamed.raw) == dict(snapped.raw)
    assert (streamed.is_prior_close, streamed.is_halted) == (
        snapped.is_prior_close,
        snapped.is_halted,
    )
    assert streamed.availability == snapped.availability


def test_frames_are_compact_json_the_gateway_accepts() -> None:
    frame = frames.market_data(1, ["31"])
    head, _, args = frame.partition("{")
    assert head == "smd+1+" and json.loads("{" + args) == {"fields": ["31"]}
