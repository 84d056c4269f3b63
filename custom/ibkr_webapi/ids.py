"""Checks for what callers pass (ids of accounts, orders and contracts; flags, counts, texts and
numbers), made before anything is sent.

An id ends up in a URL path: ``"."``, ``".."``, ``"a/b"`` or a 5,000-digit number must never reach the
gateway as part of another request; a flag, text or number ends up in a query or a JSON body, where
a wrong type would fail deep inside httpx. Every refusal is an
:class:`~ibkr_webapi.errors.InvalidRequestError` that says what a good value looks like.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from .errors import InvalidRequestError
from .redact import redact_text

__all__ = [
    "check_account",
    "check_choice",
    "check_conid",
    "check_conids",
    "check_count",
    "check_flag",
    "check_number",
    "check_order_id",
    "check_text",
    "check_text_id",
]

_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,32}")
_TEXT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-:]{0,127}")
_INT64 = 2**63


def check_account(account_id: object) -> str:
    """An account code such as ``"U1234567"`` or ``"DU1234567"``, blanks removed."""
    if isinstance(account_id, str) and _ACCOUNT.fullmatch(account_id.strip()):
        return account_id.strip()
    raise InvalidRequestError(
        f"account_id {_shown(account_id)} is not an account code; use one such as 'U1234567' "
        "(list yours with accounts())"
    )


def _integer(value: object, what: str, hint: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if digits.isdecimal() and digits.isascii() and len(digits) <= 19:
            number = int(text)
    if number is None or not -_INT64 <= number < _INT64:
        raise InvalidRequestError(f"{what} {_shown(value)} is not a number; {hint}")
    return number


def check_order_id(order_id: object) -> int:
    """An IBKR order id (as returned by ``place_order`` and ``live_orders``)."""
    return _integer(
        order_id, "order_id", "use the order_id of a PlacedOrder or LiveOrder, e.g. 1370093239"
    )


def check_conid(conid: object) -> int:
    """A contract id: a positive number."""
    number = _integer(conid, "conid", "find contract ids with search_contracts()")
    if number <= 0:
        raise InvalidRequestError(
            f"conid must be positive, got {number}; find contract ids with search_contracts()"
        )
    return number


_INT_ONLY = {int}


def check_conids(conids: int | str | Iterable[int | str]) -> list[int]:
    """One or more conids, duplicates dropped, order kept (linear in the number of conids)."""
    items: object = [conids] if isinstance(conids, int | str) else conids
    if not isinstance(items, Iterable) or isinstance(items, bytes | dict):
        raise InvalidRequestError(
            f"conids {_shown(conids)} is not a conid or a list of them, e.g. [265598, 8314]"
        )
    if (
        isinstance(items, list | tuple)
        and set(map(type, items)) == _INT_ONLY
        and min(items) > 0
        and max(items) < _INT64
    ):  # the usual list of plain numbers: checked in a few C-level passes
        result = list(dict.fromkeys(items))
    else:  # one by one: a bad one is named
        result = list(dict.fromkeys(check_conid(item) for item in items))
    if not result:
        raise InvalidRequestError("give at least one conid")
    return result


def check_text_id(value: object, what: str) -> str:
    """A gateway-made text id (reply ids, alert ids, watchlist ids) safe to put in a path."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() < 64:
        value = str(value)
    if isinstance(value, str) and _TEXT_ID.fullmatch(value.strip()):
        return value.strip()
    raise InvalidRequestError(
        f"{what} {_shown(value)} is not an id the gateway makes; pass the id it returned"
    )


def check_flag(value: object, what: str) -> bool:
    """``True`` or ``False`` (nothing else: ``"no"`` would be true)."""
    if isinstance(value, bool):
        return value
    raise InvalidRequestError(f"{what} must be True or False, got {_shown(value)}")


def check_count(value: object, what: str, *, minimum: int = 1, maximum: int = 10_000) -> int:
    """A whole number from ``minimum`` to ``maximum``."""
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum:
        return value
    raise InvalidRequestError(
        f"{what} must be a whole number from {minimum} to {maximum}, got {_shown(value)}"
    )


def check_number(value: object, what: str) -> float:
    """A finite number (``NaN`` and infinities are refused)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
    raise InvalidRequestError(f"{what} must be a finite number, got {_shown(value)}")


def check_text(value: object, what: str, *, max_length: int = 256) -> str:
    """A non-empty text of at most ``max_length`` characters, without control characters."""
    if (
        isinstance(value, str)
        and value.strip()
        and len(value) <= max_length
        and value.isprintable()
    ):
        return value
    raise InvalidRequestError(
        f"{what} must be a non-empty text of at most {max_length} printable characters, "
        f"got {_shown(value)}"
    )


def check_choice(value: object, what: str, choices: Iterable[str]) -> str:
    """One of ``choices``."""
    allowed = tuple(choices)
    if isinstance(value, str) and value in allowed:
        return value
    raise InvalidRequestError(f"{what} must be one of {', '.join(allowed)}, got {_shown(value)}")


def _shown(value: object) -> str:
    try:
        text = redact_text(repr(value))
    except Exception:  # e.g. an int too long to print
        return f"a {type(value).__name__} that cannot be shown"
    return text if len(text) <= 40 else text[:37] + "..."
