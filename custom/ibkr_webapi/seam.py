"""Typed reading of the generated layer's answers (``ibkr_webapi_client``).

The generated models mark absent fields with ``UNSET`` and keep whatever JSON value arrived, whatever
its type. Every helper here takes a field with its *declared* type, so that when a spec change
alters that type mypy names the call, and checks the value at run time, so that a changed or
hostile answer becomes an :class:`~ibkr_webapi.errors.UnexpectedResponseError` naming the field
instead of a wrong value in a result. Absent fields come out as ``None``: no ``Unset`` goes further.
"""

from __future__ import annotations

import math
from typing import TypeVar

from ibkr_webapi_client.models import ErrorResponse
from ibkr_webapi_client.types import UNSET, Response, Unset

from .errors import UnexpectedResponseError
from .redact import redact_text

__all__ = [
    "body_excerpt",
    "bool_or_none",
    "expect_list",
    "expect_one",
    "float_or_none",
    "int_id",
    "int_or_none",
    "model_or_none",
    "number_or_none",
    "required",
    "str_or_none",
    "str_tuple",
    "unexpected",
    "unset_if_none",
]

T = TypeVar("T")
M = TypeVar("M")


def body_excerpt(response: Response[T], limit: int = 200) -> str:
    """The start of an answer's body, redacted first and cut after, for error messages."""
    text = redact_text(response.content.decode("utf-8", "replace"))
    return text[:limit] + ("..." if len(text) > limit else "")


def unexpected(what: str, detail: str) -> UnexpectedResponseError:
    """The error for an answer that does not have the documented shape."""
    return UnexpectedResponseError(
        f"{what}: the gateway's answer did not have the documented shape ({detail})"
    )


def expect_one(response: Response[T | ErrorResponse], kind: type[T], what: str) -> T:
    """The parsed body when it is a ``kind``; otherwise a typed error that shows the body."""
    parsed = response.parsed
    if isinstance(parsed, kind):
        return parsed
    raise unexpected(what, f"HTTP {int(response.status_code)}, {body_excerpt(response)!r}")


def expect_list(response: Response[list[T] | ErrorResponse], what: str) -> list[T]:
    """The parsed body when it is a list (of generated models); otherwise a typed error."""
    parsed = response.parsed
    if isinstance(parsed, list):
        return parsed
    raise unexpected(what, f"HTTP {int(response.status_code)}, {body_excerpt(response)!r}")


def _wrong(field: str, expected: str, value: object) -> UnexpectedResponseError:
    shown = redact_text(repr(value))
    shown = shown[:80] + ("..." if len(shown) > 80 else "")
    return UnexpectedResponseError(
        f"the gateway sent {field}={shown}, expected {expected}; "
        "the answer's shape changed or is damaged"
    )


def required(value: T | Unset | None, field: str) -> T:
    """A field the gateway always sends; its absence is an error naming the field."""
    if value is None or isinstance(value, Unset):
        raise UnexpectedResponseError(
            f"the gateway's answer lacks {field}, which it always sends; "
            "the answer's shape changed or is damaged"
        )
    return value


def str_or_none(value: str | Unset | None, field: str) -> str | None:
    """A text field; ``None`` when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if not isinstance(raw, str):
        raise _wrong(field, "text", raw)
    return raw


def bool_or_none(value: bool | Unset | None, field: str) -> bool | None:
    """A true/false field; ``None`` when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if not isinstance(raw, bool):
        raise _wrong(field, "true or false", raw)
    return raw


def _integer(raw: object, field: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    raise _wrong(field, "an integer", raw)


def int_or_none(value: int | Unset | None, field: str) -> int | None:
    """An integer field (a JSON number with no fraction); ``None`` when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    return _integer(raw, field)


def float_or_none(value: float | Unset | None, field: str) -> float | None:
    """A number field; ``None`` when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _wrong(field, "a number", raw)
    return float(raw)


def number_or_none(value: float | str | Unset | None, field: str) -> float | None:
    """A number the gateway sends as a JSON number or as text (``"150.00"``, ``"1,300"``)."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise _wrong(field, "a number", raw) from None
        if not math.isfinite(number):
            raise _wrong(field, "a finite number", raw)
        return number
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _wrong(field, "a number", raw)
    return float(raw)


def int_id(value: int | str | Unset | None, field: str) -> int | None:
    """An id the gateway sends as a number or as digits (order ids, conids); ``None`` when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        digits = text[1:] if text.startswith("-") else text
        if not (digits.isdecimal() and digits.isascii()) or len(digits) > 19:
            raise _wrong(field, "a numeric id", raw)
        return int(text)
    return _integer(raw, field)


def str_tuple(value: list[str] | Unset | None, field: str) -> tuple[str, ...]:
    """A list of texts; empty when absent."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise _wrong(field, "a list of texts", raw)
    return tuple(item for item in raw if isinstance(item, str))


def model_or_none(value: M | Unset | None) -> M | None:
    """A nested generated model; ``None`` when absent (its own fields are read with the helpers)."""
    if value is None or isinstance(value, Unset):
        return None
    return value


def unset_if_none(value: T | None) -> T | Unset:
    """``None`` as the generated layer's ``UNSET`` (the field is left out of the request)."""
    return UNSET if value is None else value
