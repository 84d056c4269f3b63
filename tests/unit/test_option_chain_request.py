"""What option_chain() is asked for, checked before any request: expiries in every accepted form
mean the same month and day, strike filters keep exactly what they say."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr_webapi import errors
from ibkr_webapi.resources._chain import ChainRequest, month_code

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
STRIKES = st.floats(min_value=0.01, max_value=100_000, allow_nan=False, allow_infinity=False)


@given(day=DAYS)
def test_a_date_and_its_texts_name_the_same_month(day: date) -> None:
    as_date = ChainRequest.parse(day, None, None)
    as_text = ChainRequest.parse(day.strftime("%Y%m%d"), None, None)
    whole_month = ChainRequest.parse(day.strftime("%Y%m"), None, None)
    assert as_date == as_text
    assert as_date.expiry == day and whole_month.expiry is None
    assert as_date.month == whole_month.month == month_code(day.year, day.month)
    names = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    assert as_date.month == f"{names[day.month - 1]}{day.year % 100:02d}"  # the gateway's "MAR24"
    assert ChainRequest.parse(None, as_date.month.lower(), None).month == as_date.month


@given(day=DAYS, other=DAYS)
def test_an_expiry_outside_the_month_given_is_refused(day: date, other: date) -> None:
    month = month_code(other.year, other.month)
    if (day.year, day.month) == (other.year, other.month):
        assert ChainRequest.parse(day, month, None).expiry == day
    else:
        with pytest.raises(errors.InvalidRequestError, match="not in month"):
            ChainRequest.parse(day, month, None)


@given(low=STRIKES, high=STRIKES, strike=STRIKES)
def test_a_strike_range_keeps_both_ends_and_nothing_outside(
    low: float, high: float, strike: float
) -> None:
    if low > high:
        with pytest.raises(errors.InvalidRequestError, match="low bound"):
            ChainRequest.parse(None, None, (low, high))
        return
    request = ChainRequest.parse(None, None, (low, high))
    assert request.wants(low) and request.wants(high)
    assert request.wants(strike) == (low - 1e-9 <= strike <= high + 1e-9)


@given(chosen=st.lists(STRIKES, min_size=1, max_size=20), strike=STRIKES)
def test_a_strike_list_keeps_exactly_its_strikes(chosen: list[float], strike: float) -> None:
    request = ChainRequest.parse(None, None, chosen)
    assert all(request.wants(s) for s in chosen)
    near = any(math.isclose(strike, s, abs_tol=1e-6) for s in chosen)
    assert request.wants(strike) == near


def test_a_range_object_is_a_list_of_strikes() -> None:
    request = ChainRequest.parse(None, None, range(150, 171, 5))
    assert [s for s in (145, 150, 152.5, 170, 175) if request.wants(s)] == [150, 170]


def test_next_picks_its_own_month() -> None:
    assert ChainRequest.parse("next", None, (1, 2)).nearest
    with pytest.raises(errors.InvalidRequestError, match="leave out month"):
        ChainRequest.parse("NEXT", "MAR24", None)
