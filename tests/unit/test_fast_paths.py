"""The hot paths skip the generated models: they must read exactly what the models read, check
every value, and give exactly what the per-value snapshot parser gives."""

from __future__ import annotations

import math
from typing import Any

import attrs
import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr_webapi import History, IBKRClient, Position, SummaryItem
from ibkr_webapi._http import JoiningClient
from ibkr_webapi.errors import UnexpectedResponseError
from ibkr_webapi.fields import FIELDS
from ibkr_webapi.snapshot import Quote, _parse_row, _parse_rows, parse_value
from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig
from ibkr_webapi_client.models import HistoricalData, MarketDataSnapshot, SummaryValue
from ibkr_webapi_client.models import Position as PositionModel
from tests.helpers import ACCOUNTS, BASE

FIELD_IDS = sorted(FIELDS)
# Every form the gateway writes, and the forms it should not: signs, separators, suffixes, blanks,
# exponents, unicode digits, JSON numbers, booleans.
WIRE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.from_regex(r"\s?[CH]?[+-]?[0-9,]{0,9}(\.[0-9]{0,4})?[KMBT%]?\s?", fullmatch=True),
    st.sampled_from(
        ["1e5", "nan", "inf", "1_000", "\u0663.\u0665", ".", "-", "5.", ".5", "RpB", "%", "1,,3"]
    ),
)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return type(left) is type(right) and left == right


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELD_IDS), WIRE_VALUES, max_size=25))
def test_a_row_parses_to_what_parse_value_gives_for_each_field(row: dict[str, object]) -> None:
    parsed = _parse_row(row)
    for key, raw in row.items():
        assert _same(parsed[FIELDS[key].name], parse_value(key, raw)), (key, raw)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(FIELD_IDS), min_size=1, max_size=12, unique=True),
    st.integers(4, 12),
    st.data(),
)
def test_rows_read_column_by_column_match_rows_read_one_by_one(
    keys: list[str], count: int, data: st.DataObject
) -> None:
    uniform = data.draw(st.booleans())  # mostly plain numbers (the fast columns), or anything
    values = st.from_regex(r"[0-9]{1,4}\.[0-9]{2}", fullmatch=True) if uniform else WIRE_VALUES
    rows = [
        {"conid": n + 1, **{key: data.draw(values) for key in keys}, "_updated": 1}
        for n in range(count)
    ]
    by_column = _parse_rows(rows)
    for row, parsed in zip(rows, by_column, strict=True):
        expected = _parse_row(row)
        assert parsed.keys() == expected.keys()
        for name, value in expected.items():
            assert _same(parsed[name], value), (name, row)


def test_rows_with_other_keys_or_unknown_ids_are_read_one_by_one() -> None:
    rows = [{"conid": 1, "31": "1.5", "9999": "7"}] * 5 + [{"conid": 2, "84": "2.5"}]
    assert _parse_rows(rows) == [_parse_row(row) for row in rows]


def test_quotes_of_an_answer_are_the_quotes_of_each_row() -> None:
    rows = [{"conid": n, "31": "C1.5" if n == 2 else "1.5", "87": "2.7M"} for n in range(1, 7)]
    batch = Quote._from_owned_rows([dict(r) for r in rows])
    assert batch == [Quote.from_row(r) for r in rows]
    assert batch[1].is_prior_close and batch[1].last_price == 1.5
    assert batch[0].volume == 2_700_000


def _simulator_answers() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    sim = GatewaySimulator(SimulatorConfig(positions={"U1234567": 60}))
    holdings = list(sim.portfolio.holdings["U1234567"].values())
    now = sim.now()
    items = [sim.portfolio.position_item("U1234567", h, now, 100) for h in holdings]
    from ibkr_webapi.testing._accounts import account_summary

    return items, account_summary("U1234567", sim.portfolio, now)


def test_position_read_from_json_equals_position_read_from_the_generated_model() -> None:
    items, _ = _simulator_answers()
    for item in items:
        fast = Position.from_json(item, "U1234567")
        assert fast == Position.from_model(PositionModel.from_dict(item), "U1234567")
        assert fast.model.to_dict() == PositionModel.from_dict(item).to_dict()


# Values a positions page may carry in any of its keys: the usual types and the wrong ones.
POSITION_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["0", "150.5", "-2", "1,300", " 7 ", "", "x", "1.2.3", "-", "9" * 400, "1e5"]),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=1),
)
POSITION_KEYS = [
    "acctId", "conid", "position", "contractDesc", "ticker", "name", "assetClass", "currency",
    "mktPrice", "mktValue", "avgCost", "avgPrice", "realizedPnl", "unrealizedPnl", "expiry",
    "putOrCall", "strike", "multiplier", "undConid", "listingExchange", "sector", "group",
]  # fmt: skip


def _read_alone(items: list[object]) -> list[Position] | str:
    try:
        return [Position.from_json(item, "U1234567") for item in items]  # type: ignore[arg-type]
    except UnexpectedResponseError as exc:
        return str(exc)


def _read_as_page(items: list[object]) -> list[Position] | str:
    try:
        return Position._from_owned_page(items, "U1234567")
    except UnexpectedResponseError as exc:
        return str(exc)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 8), st.data())
def test_a_page_read_key_by_key_equals_its_entries_read_one_by_one(
    count: int, data: st.DataObject
) -> None:
    items, _ = _simulator_answers()
    page: list[object] = [dict(item) for item in items[:count]]
    damages = data.draw(st.integers(0, 3))
    for _ in range(damages):  # change some values, or none
        entry = data.draw(st.sampled_from(page))
        assert isinstance(entry, dict)
        entry[data.draw(st.sampled_from(POSITION_KEYS))] = data.draw(POSITION_VALUES)
    alone, as_page = _read_alone(page), _read_as_page(page)
    if isinstance(alone, str):  # a typed error; with one damage, the same one (key and value)
        assert isinstance(as_page, str)
        if damages == 1:
            assert as_page == alone
        return
    assert as_page == alone
    for left, right in zip(alone, as_page, strict=True):
        for field in attrs.fields(Position):
            a, b = getattr(left, field.name), getattr(right, field.name)
            assert type(a) is type(b), field.name
        assert left.model.to_dict() == right.model.to_dict()


def test_positions_of_a_page_hand_out_their_own_nested_values() -> None:
    items, _ = _simulator_answers()
    page = Position._from_owned_page([dict(item) for item in items[:5]], "U1234567")
    first = page[0].model
    assert isinstance(first.con_exch_map, list) and isinstance(first.increment_rules, list)
    first.con_exch_map.append("SMART")  # the generated model keeps the list it was given
    first.increment_rules[0].additional_properties["increment"] = 99.0
    for position in page[1:]:
        assert (
            position.model.to_dict()
            == Position.from_json(items[page.index(position)], "U1234567").model.to_dict()
        )


def test_a_page_with_an_entry_that_is_not_an_object_is_a_typed_error() -> None:
    items, _ = _simulator_answers()
    with pytest.raises(UnexpectedResponseError, match=r"positions\[\]"):
        Position._from_owned_page([items[0], [1, 2]], "U1234567")


def test_summary_item_read_from_json_equals_item_read_from_the_generated_model() -> None:
    _, summary = _simulator_answers()
    for name, item in summary.items():
        assert SummaryItem.from_json(name, item) == SummaryItem.from_model(
            name, SummaryValue.from_dict(item)
        )


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("conid", "abc", "conid"),
        ("conid", None, "conid"),
        ("position", "10", "position"),
        ("mktPrice", [1], "mktPrice"),
        ("currency", 5, "currency"),
        ("strike", "x", "strike"),
        ("undConid", 1.5, "undConid"),
    ],
)
def test_a_damaged_position_value_is_an_error_naming_the_field(
    key: str, value: object, named: str
) -> None:
    items, _ = _simulator_answers()
    with pytest.raises(UnexpectedResponseError, match=named):
        Position.from_json({**items[0], key: value}, "U1234567")


@pytest.mark.parametrize(
    ("key", "value"),
    [("amount", "1.0"), ("currency", 1), ("isNull", "no"), ("timestamp", 1.5), ("severity", "0")],
)
def test_a_damaged_summary_value_is_an_error_naming_item_and_field(key: str, value: object) -> None:
    _, summary = _simulator_answers()
    item = summary["netliquidation"]
    with pytest.raises(UnexpectedResponseError, match=rf"netliquidation\.{key}"):
        SummaryItem.from_json("netliquidation", {**item, key: value})


def test_an_integer_amount_and_an_out_of_range_time_are_handled() -> None:
    item = SummaryItem.from_json("x", {"amount": 5, "timestamp": 1_700_000_000_000})
    assert item.amount == 5.0 and isinstance(item.amount, float)
    assert item.timestamp is not None and item.timestamp.year == 2023
    with pytest.raises(UnexpectedResponseError, match=r"x\.timestamp"):
        SummaryItem.from_json("x", {"timestamp": 10**20})


@respx.mock
async def test_a_snapshot_is_decoded_once_without_the_generated_models(
    ib: IBKRClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the generated snapshot model was built")

    monkeypatch.setattr(MarketDataSnapshot, "from_dict", classmethod(refuse))
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.get(f"{BASE}/iserver/marketdata/snapshot").respond(
        json=[{"conid": 265598, "31": "193.18", "84": "193.10", "_updated": 1712596911593}]
    )
    quotes = await ib.snapshot([265598], ["last_price", "bid_price"])
    assert quotes[0].last_price == 193.18 and quotes[0].bid_price == 193.10


@respx.mock
@pytest.mark.parametrize(
    ("body", "detail"), [(b"<html>", "not JSON"), (b'{"a": 1}', "a list"), (b"[1, [2]]", None)]
)
async def test_a_damaged_snapshot_answer_is_a_typed_error_or_skipped_rows(
    ib: IBKRClient, body: bytes, detail: str | None
) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.get(f"{BASE}/iserver/marketdata/snapshot").mock(
        return_value=httpx.Response(200, content=body)
    )
    if detail is None:  # rows that are not objects carry nothing: the conid has no data
        quotes = await ib.snapshot([265598], ["last_price"], max_polls=1)
        assert not quotes[0].has_data
        return
    with pytest.raises(UnexpectedResponseError, match=detail):
        await ib.snapshot([265598], ["last_price"], max_polls=1)


@respx.mock
async def test_a_damaged_positions_page_is_an_error_naming_the_field(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}])
    respx.get(f"{BASE}/portfolio/U1/positions/0").respond(json=[{"conid": 5, "position": "ten"}])
    with pytest.raises(UnexpectedResponseError, match="position"):
        await ib.positions_page("U1", 0)


async def test_history_read_from_json_equals_history_read_from_the_generated_model() -> None:
    sim = GatewaySimulator(SimulatorConfig(history_delay=0))
    async with sim.client() as client:
        await client.get("/iserver/accounts")
        answer = (
            await client.get(
                "/iserver/marketdata/history",
                params={"conid": "265598", "period": "5d", "bar": "5min"},
            )
        ).json()
    fast = History.from_json(265598, answer)
    assert len(fast.bars) == 1000
    assert fast == History.from_model(265598, HistoricalData.from_dict(answer))
    assert fast.model.to_dict() == HistoricalData.from_dict(answer).to_dict()


@pytest.mark.parametrize(
    ("bar", "named"),
    [({"t": "x"}, r"data\[\]\.t"), ({"t": 1, "o": "1.5"}, r"data\[\]\.o"), (5, "data")],
)
def test_a_damaged_bar_is_an_error_naming_the_field(bar: object, named: str) -> None:
    with pytest.raises(UnexpectedResponseError, match=named):
        History.from_json(1, {"data": [bar]})


def test_a_bar_without_a_time_is_left_out_and_missing_prices_are_nan() -> None:
    history = History.from_json(1, {"data": [{"o": 1.0}, {"t": 1712156105000, "c": 2}]})
    (bar,) = history.bars
    assert bar.close == 2.0 and math.isnan(bar.open)


BASES = ["https://localhost:5000/v1/api", "https://gw.example:8443/v1/api/", "http://[::1]:5000"]


def _built(client: httpx.AsyncClient, url: str, params: dict[str, object] | None) -> str:
    try:
        return str(client.build_request("GET", url, params=params).url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        return type(exc).__name__  # the message may place the character differently


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(BASES),
    st.text(st.sampled_from("/ab.?#=&%,:@ -_~+\\\x7f\u00e9\t12"), max_size=16),
    st.sampled_from([None, {}, {"conids": "1,2"}, {"x": ["a", "b"]}]),
)
def test_the_client_joins_every_url_as_httpx_joins_it(
    base: str, tail: str, params: dict[str, object] | None
) -> None:
    plain, joining = httpx.AsyncClient(base_url=base), JoiningClient(base_url=base)
    url = "/" + tail
    assert _built(joining, url, params) == _built(plain, url, params)
    assert _built(joining, url, params) == _built(plain, url, params)  # the kept URL, again


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/iserver/marketdata/snapshot", {"conids": "265598,8314", "fields": "31,84"}),
        ("/portfolio/U1 2/positions/0", {}),
        ("/iserver/account/orders", {"filters": ["a", "b"]}),  # not plain: httpx encodes it
        ("/x?already=1", {"y": "2"}),
    ],
)
def test_plain_parameters_are_written_into_the_url_with_commas_plain(
    path: str, params: dict[str, object]
) -> None:
    from ibkr_webapi.seam import _query_in_url

    client = JoiningClient(base_url=BASES[0])
    kwargs: dict[str, Any] = {"method": "get", "url": path, "params": params}
    expected = httpx.AsyncClient(base_url=BASES[0]).build_request(**kwargs).url
    sent = client.build_request(**_query_in_url(kwargs)).url
    assert sent.copy_with(query=None) == expected.copy_with(query=None)
    assert sent.params.multi_items() == expected.params.multi_items()  # commas only left plain
