"""attrs validators for settings objects: a bad value raises :class:`ConfigurationError` naming it."""

from __future__ import annotations

from typing import Protocol, TypeVar

import attrs

from .errors import ConfigurationError

__all__ = ["Validator", "at_least", "at_most", "optional_at_least", "positive"]

_N = TypeVar("_N", bound=float)
_M = TypeVar("_M", bound=float | None)


class Validator(Protocol):
    """An attrs validator for a number field (int or float, maybe optional)."""

    def __call__(self, owner: object, attribute: attrs.Attribute[_M], value: _M) -> None: ...


def _fail(owner: object, name: str, rule: str, value: object) -> ConfigurationError:
    return ConfigurationError(
        f"{type(owner).__name__}.{name} must be a number {rule}, got {value!r}"
    )


def at_least(bound: float) -> Validator:
    """The value must be ``>= bound``."""

    def check(owner: object, attribute: attrs.Attribute[_M], value: _M) -> None:
        if isinstance(value, bool) or value is None or not value >= bound:
            raise _fail(owner, attribute.name, f">= {bound:g}", value)

    return check


def at_most(bound: float) -> Validator:
    """The value must be ``<= bound``."""

    def check(owner: object, attribute: attrs.Attribute[_M], value: _M) -> None:
        if isinstance(value, bool) or value is None or not value <= bound:
            raise _fail(owner, attribute.name, f"<= {bound:g}", value)

    return check


def positive(owner: object, attribute: attrs.Attribute[_N], value: _N) -> None:
    """The value must be ``> 0``."""
    if isinstance(value, bool) or not value > 0:
        raise _fail(owner, attribute.name, "> 0", value)


def optional_at_least(bound: float) -> Validator:
    """None, or a value ``>= bound``."""
    inner = at_least(bound)

    def check(owner: object, attribute: attrs.Attribute[_M], value: _M) -> None:
        if value is not None:
            inner(owner, attribute, value)

    return check
