"""IBKR's time formats to timezone-aware datetimes, and back.

The gateway writes times in several ways: ``"20231211-04:00:00"`` (UTC), ``"231211143015"``
(``lastExecutionTime``, UTC), ``"20231211"`` (a date), epoch milliseconds (``1702285200000``, as a
number or a numeric string) and, here and there, ISO 8601. Times without a zone are UTC.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import IBKRError

__all__ = ["IBKRTimeError", "format_ibkr_time", "parse_ibkr_date", "parse_ibkr_time"]

EpochUnit = Literal["auto", "ms", "s"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Epoch values at or above this are milliseconds (1e11 s is the year 5138; 1e11 ms is March 1973).
_MS_THRESHOLD = 100_000_000_000

# 20231211-04:00:00, 20231211 04:00:00, 20231211-04:00, 20231211T040000, optional fraction and zone.
_COMPACT = re.compile(
    r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})[-\sT_]?"
    r"(?P<h>\d{2}):?(?P<mi>\d{2})(?::?(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"(?:\s*(?P<zone>\S.*))?"
)
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<h>[01]\d|2[0-3]):?(?P<m>[0-5]\d)")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


class IBKRTimeError(IBKRError, ValueError):
    """A value that is not a time or date in any format IBKR uses."""


def parse_ibkr_time(value: object, *, epoch_unit: EpochUnit = "auto") -> datetime:
    """A timezone-aware UTC datetime from any IBKR time format.

    Accepts ``"YYYYMMDD-hh:mm:ss"`` (also with a space, ``T`` or no separator, without seconds, or
    followed by ``Z``/``UTC``/an IANA zone name such as ``US/Eastern``), ``"YYMMDDhhmmss"``,
    ``"YYYYMMDDhhmmss"``, ``"YYYYMMDD"`` (midnight), epoch numbers and numeric strings, ISO 8601
    strings, and ``datetime``/``date`` objects. Times without a zone are taken as UTC. Epoch values
    are milliseconds from 1e11 upwards and seconds below, unless ``epoch_unit`` says which.
    Raises :class:`IBKRTimeError` on anything else.
    """
    if isinstance(value, bool):
        raise IBKRTimeError(f"not a time: {value!r}")
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float):
        return _from_epoch(value, epoch_unit, value)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        raise IBKRTimeError(f"not a time: {type(value).__name__} {value!r}")
    text = value.strip()
    if not text:
        raise IBKRTimeError("not a time: empty string")
    if text.isdecimal() and text.isascii():
        return _from_digits(text, epoch_unit, value)
    if _NUMBER.fullmatch(text):
        return _from_epoch(float(text), epoch_unit, value)
    match = _COMPACT.fullmatch(text)
    if match is not None:
        return _from_compact(match, value)
    try:
        from dateutil.parser import isoparse  # only for ISO 8601 text: kept out of the import

        return _as_utc(isoparse(text))
    except (ValueError, OverflowError):
        pass
    raise IBKRTimeError(
        f"not an IBKR time: {value!r}; expected e.g. '20231211-04:00:00', '231211143015', "
        "'20231211', epoch milliseconds or ISO 8601"
    )


def parse_ibkr_date(value: object) -> date:
    """A calendar date from ``"YYYYMMDD"``, ISO ``"2023-12-11"``, a ``date`` or any time format.

    Times are converted to UTC before the date is taken. Raises :class:`IBKRTimeError` on garbage.
    """
    if isinstance(value, datetime):
        return _as_utc(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 8 and text.isdecimal() and text.isascii():
                return date(int(text[:4]), int(text[4:6]), int(text[6:]))
            if len(text) == 10 and text[4:5] == "-" and text[7:8] == "-":
                return date.fromisoformat(text)
        except ValueError:
            raise IBKRTimeError(f"not a valid date: {value!r}") from None
    return parse_ibkr_time(value).date()


def format_ibkr_time(dt: datetime) -> str:
    """``"YYYYMMDD-hh:mm:ss"`` in UTC, as the gateway expects (e.g. history's ``startTime``).

    Naive datetimes are refused: their zone is unknown, so the instant they mean is unknown.
    """
    if not isinstance(dt, datetime):
        raise IBKRTimeError(f"format_ibkr_time needs a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise IBKRTimeError(
            f"format_ibkr_time needs a timezone-aware datetime, got naive {dt.isoformat()}; "
            "attach a zone, e.g. dt.replace(tzinfo=datetime.timezone.utc)"
        )
    return dt.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")


def _as_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _from_epoch(number: float, unit: EpochUnit, original: object) -> datetime:
    if not math.isfinite(number):
        raise IBKRTimeError(f"not a time: {original!r}")
    in_ms = unit == "ms" or (unit == "auto" and abs(number) >= _MS_THRESHOLD)
    try:
        return _EPOCH + (timedelta(milliseconds=number) if in_ms else timedelta(seconds=number))
    except OverflowError:
        raise IBKRTimeError(f"epoch value out of range: {original!r}") from None


def _from_digits(text: str, unit: EpochUnit, original: object) -> datetime:
    fixed = {8: "%Y%m%d", 12: "%y%m%d%H%M%S", 14: "%Y%m%d%H%M%S"}.get(len(text))
    if fixed is not None and unit == "auto":
        try:
            return datetime.strptime(text, fixed).replace(tzinfo=UTC)
        except ValueError:
            raise IBKRTimeError(f"not a valid time: {original!r} (read as {fixed})") from None
    return _from_epoch(int(text), unit, original)


def _from_compact(match: re.Match[str], original: object) -> datetime:
    parts = match.groupdict()
    zone = _zone(parts["zone"], original)
    try:
        naive = datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            int(parts["h"]),
            int(parts["mi"]),
            int(parts["s"] or 0),
            int((parts["f"] or "0").ljust(6, "0")),
        )
    except ValueError as exc:
        raise IBKRTimeError(f"not a valid time: {original!r} ({exc})") from None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _zone(name: str | None, original: object) -> tzinfo:
    if name is None or name.strip().upper() in {"Z", "UTC", "GMT"}:
        return UTC
    offset = _OFFSET.fullmatch(name.strip())
    if offset is not None:
        sign = -1 if offset["sign"] == "-" else 1
        return timezone(sign * timedelta(hours=int(offset["h"]), minutes=int(offset["m"])))
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise IBKRTimeError(f"unknown time zone {name.strip()!r} in {original!r}") from None


class _LastStamp:
    """The last ``_updated`` read and its datetime: rows of one answer and frames of one server
    tick share their time, so hot loops compare against it before calling :func:`updated_time`."""

    __slots__ = ("stamp", "when")

    def __init__(self) -> None:
        self.stamp: object = None
        self.when: datetime | None = None


STAMP_CACHE = _LastStamp()


def updated_time(stamp: object) -> datetime | None:
    """A market-data ``_updated`` value (epoch milliseconds) as an aware datetime; None if unusable."""
    if type(stamp) is int:
        if stamp == STAMP_CACHE.stamp:
            return STAMP_CACHE.when
        try:
            when = _EPOCH + timedelta(milliseconds=stamp)
        except OverflowError:
            return None
        STAMP_CACHE.stamp, STAMP_CACHE.when = stamp, when
        return when
    if stamp is None or isinstance(stamp, bool):
        return None
    try:
        return parse_ibkr_time(stamp, epoch_unit="ms")
    except IBKRTimeError:
        return None
