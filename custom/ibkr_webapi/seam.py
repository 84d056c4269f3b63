"""Typed reading of the generated layer's answers (``ibkr_webapi_client``).

The generated models mark absent fields with ``UNSET`` and keep whatever JSON value arrived, whatever
its type. Every helper here takes a field with its *declared* type, so that when a spec change
alters that type mypy names the call, and checks the value at run time, so that a changed or
hostile answer becomes an :class:`~ibkr_webapi.errors.UnexpectedResponseError` naming the field
instead of a wrong value in a result. Absent fields come out as ``None``: no ``Unset`` goes further.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import orjson

from ibkr_webapi_client import Client
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
    "json_body",
    "json_list",
    "json_object",
    "model_or_none",
    "number_or_none",
    "required",
    "send_unparsed",
    "str_or_none",
    "str_tuple",
    "unexpected",
    "unset_if_none",
    "wire_bool",
    "wire_int",
    "wire_number",
    "wire_numeric_text",
    "wire_text",
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
    # The generated parser reads an empty JSON list as an empty object (dict([]) == {}).
    if isinstance(parsed, kind) and response.content.lstrip()[:1] != b"[":
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


# --- hot paths: the answer read once, by our own typed readers (see results/*.from_json)


async def send_unparsed(client: Client, kwargs: dict[str, Any]) -> Response[None]:
    """Send a generated operation's request (its ``_get_kwargs``) without the generated parser.

    For answers that are large and read by a typed reader of ours (snapshots, position pages, the
    account summary): the body is decoded once, by :func:`json_body`, instead of once into
    generated models that are thrown away and once more.
    """
    answer = await client.get_async_httpx_client().request(**_query_in_url(kwargs))
    return Response(
        status_code=HTTPStatus(answer.status_code),
        content=answer.content,
        headers=answer.headers,
        parsed=None,
    )


def _query_in_url(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Plain text and number parameters written into the URL, commas left as they are.

    httpx checks a URL character by character each time it builds one; encoded, a snapshot's 100
    conids and 20 fields triple in length (``,`` -> ``%2C``): 175 µs of CPU per request, 90 µs
    written plainly (IBKR's own examples send them so). Anything else goes through httpx as is.
    """
    params = kwargs.get("params")
    if not params or "?" in kwargs["url"]:
        return kwargs
    if not all(type(value) is str or type(value) is int for value in params.values()):
        return kwargs
    rest = {key: value for key, value in kwargs.items() if key != "params"}
    rest["url"] = f"{kwargs['url']}?{urlencode(params, safe=',', quote_via=quote)}"
    return rest


def json_body(response: Response[None], what: str) -> object:
    """The body as JSON values (decoded with orjson); a typed error when it is not JSON."""
    try:
        return orjson.loads(response.content or b"null")
    except orjson.JSONDecodeError as exc:
        raise unexpected(what, f"not JSON ({exc}): {body_excerpt(response)!r}") from None


def json_list(value: object, what: str) -> list[object]:
    """A JSON array; anything else is a typed error."""
    if isinstance(value, list):
        return value
    raise _wrong(what, "a list", value)


def json_object(value: object, what: str) -> Mapping[str, object]:
    """A JSON object; anything else is a typed error."""
    if isinstance(value, dict):
        return value
    raise _wrong(what, "an object", value)


# Readers of one key of a raw JSON object, for the hot paths that skip the generated models. Same
# checks as the helpers above; ``where`` prefixes the key in an error (``"positions[]."``). Tests
# check that each reader agrees with the generated model's reading of the same answer.


def wire_text(data: Mapping[str, object], key: str, where: str) -> str | None:
    """A text value; ``None`` when absent or null."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _wrong(where + key, "text", value)


def wire_number(data: Mapping[str, object], key: str, where: str) -> float | None:
    """A JSON number as a float; ``None`` when absent or null."""
    value = data.get(key)
    if isinstance(value, float):
        return value
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    raise _wrong(where + key, "a number", value)


def wire_int(data: Mapping[str, object], key: str, where: str) -> int | None:
    """An integer (a JSON number without a fraction); ``None`` when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    return _integer(value, where + key)


def wire_bool(data: Mapping[str, object], key: str, where: str) -> bool | None:
    """true or false; ``None`` when absent or null."""
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise _wrong(where + key, "true or false", value)


def wire_numeric_text(data: Mapping[str, object], key: str, where: str) -> float | None:
    """A number sent as a JSON number or as text (``"150.00"``); ``None`` when absent or blank."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str | int | float):
        return number_or_none(value, where + key)
    raise _wrong(where + key, "a number", value)
