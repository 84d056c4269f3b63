"""IBKR time formats to aware datetimes, and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ibkr_webapi.dates import IBKRTimeError, format_ibkr_time, parse_ibkr_date, parse_ibkr_time

DEC_11_4AM = datetime(2023, 12, 11, 4, 0, 0, tzinfo=UTC)


def test_history_start_time_format_is_utc() -> None:
    assert parse_ibkr_time("20231211-04:00:00") == DEC_11_4AM


def test_results_are_timezone_aware_utc() -> None:
    assert parse_ibkr_time("20231211-04:00:00").tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "20231211 04:00:00",
        "20231211T04:00:00",
        "20231211-040000",
        "20231211-04:00",
        "20231211-04:00:00Z",
    ],
)
def test_other_separators_are_accepted(text: str) -> None:
    assert parse_ibkr_time(text) == DEC_11_4AM


def test_trailing_utc_word_is_accepted() -> None:
    assert parse_ibkr_time("20231211-04:00:00 UTC") == DEC_11_4AM


def test_fraction_of_a_second_is_kept() -> None:
    assert parse_ibkr_time("20231211-04:00:00.250") == DEC_11_4AM + timedelta(milliseconds=250)


def test_named_zone_suffix_is_converted_to_utc() -> None:
    assert parse_ibkr_time("20231211 04:00:00 US/Eastern") == datetime(
        2023, 12, 11, 4, tzinfo=ZoneInfo("US/Eastern")
    )
    assert parse_ibkr_time("20231211 04:00:00 US/Eastern").hour == 9


def test_offset_suffix_is_converted_to_utc() -> None:
    assert parse_ibkr_time("20231211-09:00:00+05:00") == DEC_11_4AM


def test_unknown_zone_name_is_an_error() -> None:
    with pytest.raises(IBKRTimeError, match="zone"):
        parse_ibkr_time("20231211-04:00:00 Mars/Olympus")


def test_last_execution_time_format_is_utc() -> None:
    assert parse_ibkr_time("231211143015") == datetime(2023, 12, 11, 14, 30, 15, tzinfo=UTC)


def test_last_execution_time_matches_its_epoch_twin() -> None:
    # lastExecutionTime and lastExecutionTime_r describe the same instant in the gateway's answer.
    assert parse_ibkr_time("231211143015") == parse_ibkr_time(1702305015000)


def test_fourteen_digit_timestamp_is_read_as_full_year() -> None:
    assert parse_ibkr_time("20231211040000") == DEC_11_4AM


def test_eight_digit_date_is_midnight_utc() -> None:
    assert parse_ibkr_time("20231211") == datetime(2023, 12, 11, tzinfo=UTC)


def test_epoch_milliseconds_int() -> None:
    assert parse_ibkr_time(1702285200000) == datetime(2023, 12, 11, 9, 0, tzinfo=UTC)


def test_epoch_milliseconds_keep_the_milliseconds() -> None:
    assert parse_ibkr_time(1712596911593).microsecond == 593_000


def test_epoch_milliseconds_numeric_string() -> None:
    assert parse_ibkr_time("1702285200000") == datetime(2023, 12, 11, 9, 0, tzinfo=UTC)


def test_epoch_seconds_are_recognised_by_magnitude() -> None:
    assert parse_ibkr_time(1702285200) == datetime(2023, 12, 11, 9, 0, tzinfo=UTC)


def test_epoch_float_is_accepted() -> None:
    assert parse_ibkr_time(1702285200000.0) == datetime(2023, 12, 11, 9, 0, tzinfo=UTC)


def test_epoch_unit_can_be_forced() -> None:
    assert parse_ibkr_time(1000, epoch_unit="ms") == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert parse_ibkr_time("20231211", epoch_unit="s") == datetime(
        1970, 1, 1, tzinfo=UTC
    ) + timedelta(seconds=20231211)


def test_iso_string_with_z() -> None:
    assert parse_ibkr_time("2023-12-11T04:00:00Z") == DEC_11_4AM


def test_iso_string_with_offset_is_converted_to_utc() -> None:
    assert parse_ibkr_time("2023-12-11T05:00:00+01:00") == DEC_11_4AM


def test_naive_iso_string_is_utc() -> None:
    assert parse_ibkr_time("2023-12-11T04:00:00") == DEC_11_4AM


def test_aware_datetime_is_converted_to_utc() -> None:
    cet = timezone(timedelta(hours=1))
    assert parse_ibkr_time(datetime(2023, 12, 11, 5, tzinfo=cet)) == DEC_11_4AM


def test_naive_datetime_is_taken_as_utc() -> None:
    assert parse_ibkr_time(datetime(2023, 12, 11, 4)) == DEC_11_4AM


def test_date_object_is_midnight_utc() -> None:
    assert parse_ibkr_time(date(2023, 12, 11)) == datetime(2023, 12, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "yesterday", "2023-13-45", "20231311-04:00:00", "231311143015", "12:00", "abc123"],
)
def test_garbage_strings_raise_a_clear_value_error(garbage: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_ibkr_time(garbage)


@pytest.mark.parametrize("garbage", [None, True, [2023], float("nan"), float("inf"), 10**20])
def test_garbage_objects_raise_ibkr_time_error(garbage: object) -> None:
    with pytest.raises(IBKRTimeError):
        parse_ibkr_time(garbage)


def test_error_message_names_the_accepted_formats() -> None:
    with pytest.raises(IBKRTimeError, match="20231211-04:00:00"):
        parse_ibkr_time("soon")


def test_parse_date_from_yyyymmdd() -> None:
    assert parse_ibkr_date("20231211") == date(2023, 12, 11)


def test_parse_date_from_iso_date() -> None:
    assert parse_ibkr_date("2023-12-11") == date(2023, 12, 11)


def test_parse_date_from_epoch_milliseconds_uses_utc() -> None:
    assert parse_ibkr_date(1702335600000) == date(2023, 12, 11)  # 23:00 UTC


def test_parse_date_passes_dates_through() -> None:
    assert parse_ibkr_date(date(2023, 12, 11)) == date(2023, 12, 11)


def test_parse_date_rejects_an_impossible_date() -> None:
    with pytest.raises(IBKRTimeError):
        parse_ibkr_date("20231345")


def test_format_is_yyyymmdd_dash_time_in_utc() -> None:
    assert format_ibkr_time(DEC_11_4AM) == "20231211-04:00:00"


def test_format_converts_other_zones_to_utc() -> None:
    assert format_ibkr_time(datetime(2023, 12, 10, 23, tzinfo=ZoneInfo("US/Eastern"))) == (
        "20231211-04:00:00"
    )


def test_format_drops_fractions_of_a_second() -> None:
    assert format_ibkr_time(DEC_11_4AM + timedelta(microseconds=999_999)) == "20231211-04:00:00"


def test_format_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_ibkr_time(datetime(2023, 12, 11, 4))


def test_format_rejects_plain_dates() -> None:
    with pytest.raises(IBKRTimeError):
        format_ibkr_time(date(2023, 12, 11))  # type: ignore[arg-type]


def test_format_and_parse_round_trip() -> None:
    assert parse_ibkr_time(format_ibkr_time(DEC_11_4AM)) == DEC_11_4AM
