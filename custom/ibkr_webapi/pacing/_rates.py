"""Rates such as ``"10/second"`` or ``"1 per 15 minutes"``, parsed once."""

from __future__ import annotations

import re

import attrs

from .._validators import at_least, positive
from ..errors import ConfigurationError

__all__ = ["TIMER_SLACK", "Rate"]

# An event loop wakes a timer up to about a millisecond late. A grant that late still counts
# from the time it was due (so lateness does not eat into throughput); the spacing carries that
# millisecond on top of the margin, so the margin stays whole for the network's jitter.
TIMER_SLACK = 0.001

_UNITS = {
    "ms": 0.001,
    "millisecond": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
}
_PATTERN = re.compile(
    r"^\s*(?P<count>\d+)\s*(?:/|per)\s*(?P<amount>\d+(?:\.\d+)?)?\s*(?P<unit>[a-z]+)\s*$",
    re.IGNORECASE,
)


def _unit(word: str) -> float | None:
    word = word.lower()
    if word not in _UNITS and word.endswith("s"):
        word = word[:-1]
    return _UNITS.get(word)


def _seconds(value: float) -> float:
    """A Python function, not ``float`` itself: attrs reads a converter's signature, and a
    builtin's costs a tokenizer start (5 ms) at import."""
    return float(value)


@attrs.frozen
class Rate:
    """At most ``count`` requests in any window of ``per`` seconds."""

    count: int = attrs.field(validator=at_least(1))
    per: float = attrs.field(converter=_seconds, validator=positive)

    @classmethod
    def parse(cls, text: str | Rate, name: str = "rate") -> Rate:
        """``"10/second"``, ``"10/s"``, ``"1 per 5 seconds"``, ``"1 per 15 minutes"``, ``"1/minute"``."""
        if isinstance(text, Rate):
            return text
        match = _PATTERN.match(str(text))
        unit = _unit(match.group("unit")) if match else None
        if match is None or unit is None or int(match.group("count")) < 1:
            raise ConfigurationError(
                f"{name}={text!r} is not a rate; write it like '10/second', "
                "'1 per 5 seconds' or '1 per 15 minutes'"
            )
        amount = float(match.group("amount") or 1.0)
        return cls(int(match.group("count")), amount * unit)

    def interval(self, margin: float) -> float:
        """Seconds between two scheduled grants so that, whatever the order of arrival, no window
        of ``per`` seconds at the server holds more than ``count`` requests as long as each one
        arrives at most ``margin`` seconds after it was due (see :data:`TIMER_SLACK`)."""
        return (self.per + margin + TIMER_SLACK) / self.count

    def __str__(self) -> str:
        per = self.per
        for unit, size in (("hour", 3600.0), ("minute", 60.0), ("second", 1.0)):
            if per >= size and (per / size).is_integer():
                amount = int(per / size)
                return (
                    f"{self.count}/{unit}" if amount == 1 else f"{self.count} per {amount} {unit}s"
                )
        return f"{self.count} per {per:g} seconds"
