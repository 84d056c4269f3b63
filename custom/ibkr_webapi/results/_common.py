"""Readers shared by the scanner, watchlist, alert and notification results."""

from __future__ import annotations

from typing import TypeVar

from ibkr_webapi_client.types import Unset

from ..errors import UnexpectedResponseError
from ..redact import redact_text

__all__ = ["flag", "listed"]

M = TypeVar("M")


def listed(value: list[M] | Unset) -> list[M]:
    """A list of generated models; empty when absent (the generated parser made each item)."""
    return [] if isinstance(value, Unset) else value


def flag(value: bool | int | str | Unset | None, field: str) -> bool | None:
    """A yes/no the gateway sends as ``true``/``false``, ``1``/``0`` or ``"1"``/``"0"``."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return raw == 1
    if isinstance(raw, str) and raw.strip().lower() in ("0", "1", "true", "false"):
        return raw.strip().lower() in ("1", "true")
    shown = redact_text(repr(raw))[:80]
    raise UnexpectedResponseError(
        f"the gateway sent {field}={shown}, expected 0/1 or true/false; "
        "the answer's shape changed or is damaged"
    )
