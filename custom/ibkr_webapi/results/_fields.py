"""Typed readers for the contract, schedule and event answers, beside those of :mod:`..seam`.

Same rule as the seam: a value of the wrong type raises an
:class:`~ibkr_webapi.errors.UnexpectedResponseError` naming the field; absent is ``None`` or empty.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import TypeVar

from ibkr_webapi_client.types import Unset

from ..errors import UnexpectedResponseError
from ..redact import redact_text

M = TypeVar("M")

__all__ = ["epoch_time", "hhmm", "items", "number_tuple", "right_or_none", "ymd"]


def _wrong(field: str, expected: str, value: object) -> UnexpectedResponseError:
    shown = redact_text(repr(value))
    shown = shown[:80] + ("..." if len(shown) > 80 else "")
    return UnexpectedResponseError(
        f"the gateway sent {field}={shown}, expected {expected}; "
        "the answer's shape changed or is damaged"
    )


def items(value: list[M] | Unset | None, field: str) -> list[M]:
    """A list of nested generated models; empty when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return []
    if not isinstance(raw, list):
        raise _wrong(field, "a list", raw)
    return value if isinstance(value, list) else []


def number_tuple(value: Iterable[float] | Unset | None, field: str) -> tuple[float, ...]:
    """A list of numbers (strikes); empty when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return ()
    if not isinstance(raw, list):
        raise _wrong(field, "a list of numbers", raw)
    numbers = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise _wrong(field + "[]", "a number", item)
        number = float(item)
        if not math.isfinite(number):
            raise _wrong(field + "[]", "a finite number", item)
        numbers.append(number)
    return tuple(numbers)


def ymd(value: str | int | Unset | None, field: str) -> date | None:
    """A day sent as ``"YYYYMMDD"`` or ``20241220``; ``None`` when absent or blank."""
    raw: object = value
    if raw is None or isinstance(raw, Unset) or raw == "":
        return None
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if len(text) == 8 and text.isdecimal() and text.isascii():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise _wrong(field, "a day as YYYYMMDD", raw)


def epoch_time(value: int | Unset | None, field: str) -> datetime | None:
    """Epoch seconds as an aware UTC datetime; ``None`` when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _wrong(field, "epoch seconds", raw)
    try:
        return datetime.fromtimestamp(raw, UTC)
    except (OverflowError, OSError, ValueError):
        raise _wrong(field, "epoch seconds", raw) from None


def hhmm(value: str | Unset | None, field: str) -> time | None:
    """A time of day sent as ``"0930"``; ``None`` when absent or blank. ``"2400"`` is midnight."""
    raw: object = value
    if raw is None or isinstance(raw, Unset) or raw == "":
        return None
    if isinstance(raw, str) and len(raw) == 4 and raw.isdecimal() and raw.isascii():
        hours, minutes = int(raw[:2]), int(raw[2:])
        if (hours, minutes) == (24, 0):
            return time(0, 0)
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise _wrong(field, "a time as hhmm", raw)


def right_or_none(value: str | Unset | None, field: str) -> str | None:
    """An option right as ``"C"`` or ``"P"`` (the gateway also writes ``"CALL"``, ``"PUT"``, and
    ``"?"`` or nothing for contracts that are not options)."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if not isinstance(raw, str):
        raise _wrong(field, "C or P", raw)
    text = raw.strip().upper()
    if text in ("C", "CALL"):
        return "C"
    if text in ("P", "PUT"):
        return "P"
    return None
