"""Market data frames merged into the last full picture of each contract, as :class:`Quote`.

The gateway sends a first ``smd`` frame, then only the fields that changed. Each contract keeps its
merged wire row (frames as received, ``topic`` included; the latest frame's ``_updated`` wins: one
socket delivers in order) and its parsed values; a frame updates both for just the keys it carries, and the
:class:`Quote` is built only when a consumer takes it. Values are parsed with the snapshot parser
(:func:`ibkr_webapi.snapshot.parse_value`, memoised: the same text always parses the same), so a
streamed quote equals ``Quote.from_row`` of the same merged row.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ..dates import STAMP_CACHE, updated_time
from ..fields import FIELDS
from ..snapshot import FlaggedPrice, MarketDataAvailability, PriceFlag, Quote, parse_value

__all__ = ["QuoteBook", "QuoteState", "cached_value"]

_NAMES: dict[str, str] = {wire: info.name for wire, info in FIELDS.items()}
_CACHE_LIMIT = 50_000
_Entry = tuple[str, dict[object, object]]
_UNSEEN: _Entry = ("", {})
# Per wire key: its value name and the memo of its parsed values; None for keys that are not fields.
_KEYS: dict[str, _Entry | None] = {}


def _entry(key: str) -> _Entry | None:
    entry = _KEYS.get(key, _UNSEEN)
    if entry is _UNSEEN:
        is_field = key.isdecimal() and key.isascii()
        entry = _KEYS[key] = (_NAMES.get(key, key), {}) if is_field else None
    return entry


def cached_value(wire: str, raw: object) -> object:
    """``parse_value(wire, raw)``, remembered for hashable raw values (prices repeat a lot)."""
    entry = _entry(wire)
    if entry is None:
        return parse_value(wire, raw)
    memo = entry[1]
    try:
        return memo[raw]
    except KeyError:
        pass
    except TypeError:  # an unhashable value (a list, an object): parse it each time
        return parse_value(wire, raw)
    value = parse_value(wire, raw)
    if len(memo) >= _CACHE_LIMIT:
        memo.clear()
    memo[raw] = value
    return value


class QuoteState:
    """One contract's merged row and parsed values.

    Both dicts are replaced, never changed, by a merge: a built :class:`Quote` shares them safely.
    """

    __slots__ = ("_built", "conid", "raw", "values")

    def __init__(self, conid: int) -> None:
        self.conid = conid
        self.raw: dict[str, Any] = {"conid": conid}
        self.values: dict[str, Any] = {}
        self._built: Quote | None = None

    def merge(self, frame: dict[str, Any], *, blanks: bool = True) -> None:
        """Merge one frame: newer values win, an empty value never wipes out a known one.

        ``blanks=False`` promises the frame has no empty or null value (the reader can tell from
        the text cheaply): the merge then skips looking for them.
        """
        if blanks and (None in frame.values() or "" in frame.values()):
            self._merge_blanks(frame)
            return
        self.raw = {**self.raw, **frame}
        values = self.values.copy()
        keys = _KEYS
        for key, value in frame.items():
            entry = keys.get(key, _UNSEEN)
            if entry is _UNSEEN:
                entry = _entry(key)
            if entry is None:
                continue
            try:
                values[entry[0]] = entry[1][value]
            except (KeyError, TypeError):
                values[entry[0]] = cached_value(key, value)
        self.values = values
        self._built = None

    def _merge_blanks(self, frame: dict[str, Any]) -> None:
        """The careful merge, for the rare frame with empty values (they must not wipe out)."""
        old_raw = self.raw
        raw = {**old_raw, **frame}
        values = self.values.copy()
        for key, value in frame.items():
            if (value is None or value == "") and old_raw.get(key) not in (None, ""):
                raw[key] = old_raw[key]
                continue
            entry = _entry(key)
            if entry is not None:
                values[entry[0]] = cached_value(key, value)
        self.raw, self.values = raw, values
        self._built = None

    def reset(self) -> None:
        """Forget the picture (after a reconnect the first frame is a full one again)."""
        self.raw = {"conid": self.conid}
        self.values = {}
        self._built = None

    def quote(self) -> Quote:
        """The current picture as a Quote (built once per version; the dicts are shared)."""
        built = self._built
        if built is not None:
            return built
        values = self.values
        last = values.get("last_price")
        flag = last.flag if type(last) is FlaggedPrice else None
        availability = values.get("market_data_availability")
        stamp = self.raw.get("_updated")
        built = self._built = Quote(
            self.conid,
            STAMP_CACHE.when
            if type(stamp) is int and stamp == STAMP_CACHE.stamp
            else updated_time(stamp),
            MappingProxyType(self.raw),
            MappingProxyType(values),
            availability if type(availability) is MarketDataAvailability else None,
            flag is PriceFlag.PRIOR_CLOSE,
            flag is PriceFlag.HALTED,
        )
        return built

    __call__ = quote  # the state is its own thunk in a conflating buffer: no bound method per frame


class QuoteBook:
    """Every streamed contract's state, by conid."""

    def __init__(self) -> None:
        self._states: dict[int, QuoteState] = {}
        self.states = self._states
        """The states by conid (read-only use: the reader's fast path)."""

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
