"""Alert condition builders: IBKR's wire form, and bad values refused when a condition is made."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr_webapi import (
    MarginCondition,
    PriceCondition,
    TimeCondition,
    TradeCondition,
    VolumeCondition,
    errors,
)

AAPL = 265598


def test_each_condition_has_ibkrs_wire_form() -> None:
    price = PriceCondition(conid=AAPL, operator=">=", price=195.0, trigger_method="midpoint")
    assert price.to_wire("a").to_dict() == {
        "conidex": f"{AAPL}@SMART",
        "logicBind": "a",
        "operator": ">=",
        "triggerMethod": "8",
        "type": 1,
        "value": "195",
    }
    at = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # 15:30 in New York
    time_wire = TimeCondition(at=at).to_wire("n").to_dict()
    assert (time_wire["type"], time_wire["value"], time_wire["timeZone"]) == (
        3,
        "20261201-15:30:00",
        "US/Eastern",
    )
    assert time_wire["conidex"] == "*@*"
    margin = MarginCondition(cushion_percent=5.5).to_wire("o").to_dict()
    assert (margin["type"], margin["operator"], margin["value"]) == (4, "<=", "5.5")
    trade = TradeCondition(conid=AAPL, exchange="nasdaq").to_wire("n").to_dict()
    assert (trade["type"], trade["conidex"], trade["value"]) == (5, f"{AAPL}@NASDAQ", "*")
    volume = VolumeCondition(conid=AAPL, operator="<=", volume=10**6).to_wire("n").to_dict()
    assert (volume["type"], volume["value"]) == (6, "1000000")


def test_a_time_in_another_zone_is_converted_to_the_conditions_zone() -> None:
    tokyo = datetime(2026, 6, 2, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 20:00 New York, day before
    wire = TimeCondition(at=tokyo, time_zone="America/New_York").to_wire("n").to_dict()
    assert wire["value"] == "20260601-20:00:00"


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: PriceCondition(conid=AAPL, operator=">", price=1.0), "operator"),
        (lambda: PriceCondition(conid=AAPL, operator=">=", price=float("nan")), "price"),
        (lambda: PriceCondition(conid=AAPL, operator=">=", price=-1.0), "price"),
        (lambda: PriceCondition(conid=0, operator=">=", price=1.0), "conid"),
        (
            lambda: PriceCondition(conid=AAPL, operator=">=", price=1.0, exchange="NY SE"),
            "exchange",
        ),
        (
            lambda: PriceCondition(conid=AAPL, operator=">=", price=1.0, trigger_method="x"),
            "trigger",
        ),
        (lambda: TimeCondition(at=datetime(2026, 1, 1)), "timezone-aware"),
        (lambda: TimeCondition(at=datetime.now(UTC), time_zone="Mars/Olympus"), "IANA"),
        (lambda: MarginCondition(cushion_percent=101), "0 to 100"),
        (lambda: VolumeCondition(conid=AAPL, operator=">=", volume=0), "volume"),
        (lambda: VolumeCondition(conid=AAPL, operator=">=", volume=1.5), "volume"),
        (lambda: TradeCondition(conid="AAPL"), "conid"),
    ],
)
def test_bad_values_are_refused_when_made(make: Any, fragment: str) -> None:
    with pytest.raises(errors.InvalidRequestError, match=fragment):
        make()


@given(price=st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_a_price_is_sent_as_plain_decimal_text_of_the_same_value(price: float) -> None:
    value = PriceCondition(conid=AAPL, operator="<=", price=price).to_wire("n").to_dict()["value"]
    assert "e" not in value.lower() and Decimal(value) == Decimal(repr(price))
