"""One key of many decoded JSON objects at once: the page readers' hot path.

Each reader gives exactly what the matching ``seam.wire_*`` reader gives for every object, with
the same checks: the values are gathered and their types checked in a few C-level passes; when a
column holds anything unusual, it is read object by object by ``seam.wire_*``, which converts what
it can and raises the typed error naming the key on the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar, cast

from .seam import wire_int, wire_number, wire_numeric_text, wire_text

__all__ = ["int_column", "number_column", "numeric_text_column", "text_column"]

_NONE = type(None)
_TEXT: frozenset[type] = frozenset({str, _NONE})
_FLOAT: frozenset[type] = frozenset({float, _NONE})
_NUMBER: frozenset[type] = frozenset({float, int, _NONE})
_INT: frozenset[type] = frozenset({int, _NONE})
_STR: frozenset[type] = frozenset({str})
_NOT_PLAIN = str.maketrans("", "", "0123456789.-")  # what is left once digits, points, signs go

Row = Mapping[str, object]
Rows = Sequence[Row]
T = TypeVar("T")


def _column(rows: Rows, key: str) -> list[object]:
    return [row.get(key) for row in rows]  # twice as fast as map(methodcaller("get", key), ...)


def _as_sent(
    rows: Rows, key: str, where: str, kinds: frozenset[type], reader: Callable[[Row, str, str], T]
) -> list[T]:
    """The column as sent when its values are all of ``kinds``, else ``reader`` of every object."""
    values = _column(rows, key)
    if set(map(type, values)) <= kinds:
        return cast("list[T]", values)  # checked: only the kinds ``reader`` passes through
    return [reader(row, key, where) for row in rows]


def text_column(rows: Rows, key: str, where: str) -> list[str | None]:
    """``wire_text`` of every object."""
    return _as_sent(rows, key, where, _TEXT, wire_text)


def number_column(rows: Rows, key: str, where: str) -> list[float | None]:
    """``wire_number`` of every object."""
    values = _column(rows, key)
    kinds = set(map(type, values))
    if kinds <= _FLOAT:
        return cast("list[float | None]", values)  # checked: floats and nulls only
    if kinds <= _NUMBER:  # whole numbers among them (never bool: its type is bool, not int)
        numbers = cast("list[float | int | None]", values)
        return [float(v) if v.__class__ is int else v for v in numbers]
    return [wire_number(row, key, where) for row in rows]


def int_column(rows: Rows, key: str, where: str) -> list[int | None]:
    """``wire_int`` of every object."""
    return _as_sent(rows, key, where, _INT, wire_int)


def numeric_text_column(rows: Rows, key: str, where: str) -> list[float | None]:
    """``wire_numeric_text`` of every object (numbers sent as JSON numbers or as text)."""
    values = _column(rows, key)
    kinds = set(map(type, values))
    if kinds <= _FLOAT:
        return cast("list[float | None]", values)  # checked: floats and nulls only
    if kinds == _STR:
        texts = cast("list[str]", values)  # checked: texts only
        if all(texts) and not "".join(texts).translate(_NOT_PLAIN):
            try:
                read = list(map(float, texts))
            except ValueError:  # "1.2.3", "-": read one by one for the error
                pass
            else:
                if all(map(math.isfinite, read)):
                    return cast("list[float | None]", read)
    return [wire_numeric_text(row, key, where) for row in rows]
