"""Lenient readers of loose JSON values: numbers sent as text (``"1,300"``), flags as 0/1.

Unreadable values become ``None``; callers keep the raw value where it matters."""

from __future__ import annotations

__all__ = ["boolean", "integer", "number", "text"]


def number(value: object) -> float | None:
    """A JSON number or a numeric string (``"1,300"``, ``"149.98"``) as float; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            return None
    return None


def integer(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isdecimal() and text.isascii() else None
    return None


def text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def boolean(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    return None
