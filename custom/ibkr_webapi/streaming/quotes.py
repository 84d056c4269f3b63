"""Market data frames merged into the last full picture of each contract, as :class:`Quote`.

The gateway sends a first ``smd`` frame, then only the fields that changed. Each contract keeps its
merged wire row and its parsed values; a frame updates both for just the keys it carries, and the
:class:`Quote` is built only when a consumer takes it. Values are parsed with the snapshot parser
(:func:`ibkr_webapi.snapshot.parse_value`, memoised: the same text always parses the same), so a
streamed quote equals ``Quote.from_row`` of the same merged row.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..dates import IBKRTimeError, parse_ibkr_time
from ..fields import FIELDS
from ..snapshot import FlaggedPrice, MarketDataAvailability, PriceFlag, Quote, parse_value

__all__ = ["QuoteBook", "QuoteState", "cached_value"]

# Keys of a frame that belong to the transport, not to the quote.
_DROPPED = frozenset({"topic"})
_NAMES: dict[str, str] = {wire: info.name for wire, info in FIELDS.items()}
_CACHE_LIMIT = 200_000
_cache: dict[tuple[str, object], object] = {}


def cached_value(wire: str, raw: object) -> object:
    """``parse_value(wire, raw)``, remembered for hashable raw values (prices repeat a lot)."""
    try:
        return _cache[wire, raw]
    except KeyError:
        pass
    except TypeError:  # an unhashable value (a list, an object): parse it each time
        return parse_value(wire, raw)
    value = parse_value(wire, raw)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[wire, raw] = value
    return value


def _is_field(key: str) -> bool:
    return key.isdecimal() and key.isascii()


class QuoteState:
    """One contract's merged row and parsed values; ``version`` counts the frames merged in."""

    __slots__ = ("_built", "arrived_ns", "conid", "raw", "values", "version")

    def __init__(self, conid: int) -> None:
        self.conid = conid
        self.raw: dict[str, Any] = {"conid": conid}
        self.values: dict[str, Any] = {}
        self.version = 0
        self.arrived_ns = 0
        """When the latest frame arrived (``time.monotonic_ns``), for latency measurements."""
        self._built: Quote | None = None

    def merge(self, frame: dict[str, Any]) -> None:
        """Merge one frame: newer values win, an empty value never wipes out a known one."""
        raw, values = self.raw, self.values
        for key, value in frame.items():
            if key in _DROPPED:
                continue
            if (value is None or value == "") and raw.get(key) not in (None, ""):
                continue
            raw[key] = value
            if _is_field(key):
                values[_NAMES.get(key, key)] = cached_value(key, value)
        self.version += 1
        self._built = None

    def reset(self) -> None:
        """Forget the picture (after a reconnect the first frame is a full one again)."""
        self.raw = {"conid": self.conid}
        self.values = {}
        self._built = None

    def quote(self) -> Quote:
        """The current picture as a Quote (built once per version)."""
        built = self._built
        if built is None:
            built = self._built = self._build()
        return built

    def _build(self) -> Quote:
        values = self.values
        last = values.get("last_price")
        flag = last.flag if isinstance(last, FlaggedPrice) else None
        availability = values.get("market_data_availability")
        return Quote(
            conid=self.conid,
            updated=_updated(self.raw.get("_updated")),
            raw=MappingProxyType(self.raw.copy()),
            values=MappingProxyType(values.copy()),
            availability=availability if isinstance(availability, MarketDataAvailability) else None,
            is_prior_close=flag is PriceFlag.PRIOR_CLOSE,
            is_halted=flag is PriceFlag.HALTED,
        )


def _updated(stamp: object) -> datetime | None:
    if stamp is None or isinstance(stamp, bool):
        return None
    try:
        return parse_ibkr_time(stamp, epoch_unit="ms")
    except IBKRTimeError:
        return None


class QuoteBook:
    """Every streamed contract's state, by conid."""

    def __init__(self) -> None:
        self._states: dict[int, QuoteState] = {}

    def state(self, conid: int) -> QuoteState:
        state = self._states.get(conid)
        if state is None:
            state = self._states[conid] = QuoteState(conid)
        return state

    def get(self, conid: int) -> QuoteState | None:
        return self._states.get(conid)

    def discard(self, conid: int) -> None:
        self._states.pop(conid, None)

    def reset_all(self) -> None:
        for state in self._states.values():
            state.reset()
