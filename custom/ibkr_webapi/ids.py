"""Checks for the ids callers pass (accounts, orders, contracts), made before anything is sent.

An id ends up in a URL path: ``"."``, ``".."``, ``"a/b"`` or a 5,000-digit number must never reach the
gateway as part of another request. Every refusal is an :class:`~ibkr_webapi.errors.InvalidRequestError`
that says what a good value looks like.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import InvalidRequestError

__all__ = ["check_account", "check_conid", "check_conids", "check_order_id", "check_text_id"]

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


def check_conids(conids: int | str | Iterable[int | str]) -> list[int]:
    """One or more conids, duplicates dropped, order kept (linear in the number of conids)."""
    items: Iterable[int | str] = [conids] if isinstance(conids, int | str) else conids
    result = list(dict.fromkeys(check_conid(item) for item in items))
    if not result:
        raise InvalidRequestError("give at least one conid")
    return result


def check_text_id(value: object, what: str) -> str:
    """A gateway-made text id (reply ids, alert ids, watchlist ids) safe to put in a path."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _TEXT_ID.fullmatch(value.strip()):
        return value.strip()
    raise InvalidRequestError(
        f"{what} {_shown(value)} is not an id the gateway makes; pass the id it returned"
    )


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
