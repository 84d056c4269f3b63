"""Rendering helpers of the command line: sparkline, number formats, JSON conversion."""

from __future__ import annotations

import argparse
import io
import json
import math
from datetime import UTC, datetime

import pytest

from ibkr_webapi.cli import _render as render
from ibkr_webapi.cli._context import resolve_verify


def test_sparkline_maps_lowest_to_first_block_and_highest_to_last() -> None:
    assert render.sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"


def test_sparkline_of_a_falling_series_falls() -> None:
    assert render.sparkline([8, 1]) == "█▁"


def test_sparkline_of_a_flat_series_sits_at_mid_height() -> None:
    assert render.sparkline([5.0, 5.0, 5.0]) == "▄▄▄"


def test_sparkline_of_nothing_is_empty() -> None:
    assert render.sparkline([]) == ""


def test_sparkline_shows_missing_values_as_spaces() -> None:
    assert render.sparkline([1.0, math.nan, 2.0]) == "▁ █"


def test_sparkline_averages_long_series_down_to_width() -> None:
    line = render.sparkline([float(i) for i in range(1000)], width=40)
    assert len(line) == 40
    assert line[0] == "▁" and line[-1] == "█"
    assert list(line) == sorted(line)  # a rising series stays rising


def test_sparkline_keeps_short_series_as_they_are() -> None:
    assert len(render.sparkline([1.0, 2.0, 3.0], width=40)) == 3


def test_money_and_quantity_formats() -> None:
    assert render.money(1234.5) == "1,234.50"
    assert render.money(None) == "—"
    assert render.money("2,000") == "2,000.00"
    assert render.quantity(650.0) == "650"
    assert render.quantity(0.5) == "0.5"


def test_cell_shows_prices_with_two_to_four_decimals() -> None:
    assert render.cell(345.2) == "345.20"
    assert render.cell(0.12345) == "0.1235"
    assert render.cell(1300.0) == "1,300.00"
    assert render.cell(None) == "—"


def test_one_line_collapses_gateway_messages() -> None:
    text = "The following order BUY 650 AAPL\nexceeds the Size Limit of 500.\nAre you sure?"
    assert (
        render.one_line(text)
        == "The following order BUY 650 AAPL exceeds the Size Limit of 500. Are you sure?"
    )


def test_jsonable_turns_dates_and_nan_into_plain_json() -> None:
    stamp = datetime(2024, 4, 3, 14, 30, tzinfo=UTC)
    data = render.jsonable({"when": stamp, "value": math.nan, "items": (1, 2)})
    assert data == {"when": "2024-04-03T14:30:00+00:00", "value": None, "items": [1, 2]}


def test_write_json_writes_one_parseable_document() -> None:
    out = io.StringIO()
    render.write_json([{"a": 1}], out)
    assert json.loads(out.getvalue()) == [{"a": 1}]


def test_verify_comes_from_flags_first() -> None:
    assert resolve_verify(argparse.Namespace(ca="/tmp/cert.pem", verify=None)) == "/tmp/cert.pem"
    assert resolve_verify(argparse.Namespace(ca=None, verify=False)) is False


def test_verify_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    args = argparse.Namespace(ca=None, verify=None)
    monkeypatch.setenv("IBKR_VERIFY", "false")
    assert resolve_verify(args) is False
    monkeypatch.setenv("IBKR_VERIFY", "/etc/gw.pem")
    assert resolve_verify(args) == "/etc/gw.pem"
    monkeypatch.delenv("IBKR_VERIFY")
    assert resolve_verify(args) is True
