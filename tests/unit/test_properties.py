"""Property tests: the parsers never raise on odd input, the pager never loses or repeats an item."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr_webapi import Quote, format_ibkr_time, parse_ibkr_time
from ibkr_webapi.fields import FIELDS
from ibkr_webapi.pagination import iterate_pages
from ibkr_webapi.snapshot import parse_value

FIELD_IDS = sorted(FIELDS)
WIRE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.from_regex(r"[CH]?-?[0-9,]{0,9}(\.[0-9]{0,4})?[KMB%]?", fullmatch=True),
)


@given(st.sampled_from(FIELD_IDS), WIRE_VALUES)
def test_parse_value_never_raises(field: str, raw: object) -> None:
    parse_value(field, raw)


@given(st.dictionaries(st.sampled_from(FIELD_IDS), WIRE_VALUES, max_size=20), st.integers(1, 10**9))
def test_any_row_with_a_conid_becomes_a_quote_that_keeps_it_raw(
    row: dict[str, object], conid: int
) -> None:
    wire = {**row, "conid": conid}
    quote = Quote.from_row(wire)
    assert quote.conid == conid
    assert dict(quote.raw) == wire


@given(st.from_regex(r"[0-9]{1,3}(,[0-9]{3}){0,3}", fullmatch=True))
def test_sizes_with_thousands_separators_parse_to_the_integer(text: str) -> None:
    assert parse_value("88", text) == int(text.replace(",", ""))


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    )
)
def test_ibkr_time_format_round_trips_to_the_second(moment: datetime) -> None:
    assert parse_ibkr_time(format_ibkr_time(moment)) == moment.replace(microsecond=0)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 120),
    st.integers(0, 6),
    st.integers(0, 119),
    st.integers(1, 4),
)
def test_pager_yields_every_item_once_in_order(
    page_size: int, full_pages: int, tail: int, concurrency: int
) -> None:
    tail = tail % page_size  # a last page shorter than a full one (possibly empty)
    items = list(range(page_size * full_pages + tail))
    pages = [items[i : i + page_size] for i in range(0, len(items), page_size)]

    async def fetch(number: int) -> list[int]:
        await asyncio.sleep(0)
        return pages[number] if number < len(pages) else []

    async def collect() -> list[int]:
        return [
            item
            async for item in iterate_pages(fetch, key=lambda item: item, concurrency=concurrency)
        ]

    assert asyncio.run(collect()) == items
