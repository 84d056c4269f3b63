"""Snapshot rows as readable quotes: value parsing, availability codes, the Quote type.

Pure functions only (no I/O): the client polls the gateway and hands the rows to :meth:`Quote.from_row`.
"""

from __future__ import annotations

import enum
import importlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import is_, itemgetter, methodcaller
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from .dates import IBKRTimeError, parse_ibkr_date, updated_time
from .fields import (
    FIELDS,
    FIELDS_BY_NAME,
    FieldKind,
    UnknownFieldError,
    field_id,
    field_info,
    resolve_fields,
)

__all__ = [
    "AvailabilityStatus",
    "FlaggedPrice",
    "MarketDataAvailability",
    "PriceFlag",
    "Quote",
    "merge_rows",
    "parse_value",
    "split_request",
]

# Keys of a wire row that are not field ids.
_META_KEYS = frozenset({"conid", "conidEx", "_updated", "server_id"})

_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<digits>\d[\d,]*(?:\.\d*)?|\.\d+)(?P<suffix>[KMBT]?)%?")
_MULTIPLIER = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
_PRICE_PREFIX = re.compile(r"(?P<flag>[CH])(?P<rest>[+-]?[\d.].*)")


class PriceFlag(enum.StrEnum):
    """The letter the gateway puts before a last price."""

    PRIOR_CLOSE = "C"
    """No trade yet today: the value is the prior close."""
    HALTED = "H"
    """Trading in the contract is halted."""


class FlaggedPrice(float):
    """A price that arrived with a ``C``/``H`` prefix: a plain ``float`` that also carries ``flag``."""

    __slots__ = ("flag",)
    flag: PriceFlag

    def __new__(cls, value: float, flag: PriceFlag) -> FlaggedPrice:
        self = super().__new__(cls, value)
        self.flag = flag
        return self

    def __getnewargs__(self) -> tuple[float, PriceFlag]:  # type: ignore[override]
        return float(self), self.flag

    def __repr__(self) -> str:
        return f"FlaggedPrice({float(self)!r}, PriceFlag.{self.flag.name})"

    @property
    def is_prior_close(self) -> bool:
        """True for a ``C`` prefix: the value is the prior close."""
        return self.flag is PriceFlag.PRIOR_CLOSE

    @property
    def is_halted(self) -> bool:
        """True for an ``H`` prefix: trading is halted."""
        return self.flag is PriceFlag.HALTED


class AvailabilityStatus(enum.StrEnum):
    """First letter of the market data availability code (field 6509)."""

    REALTIME = "R"
    DELAYED = "D"
    FROZEN = "Z"
    FROZEN_DELAYED = "Y"
    NOT_SUBSCRIBED = "N"
    INCOMPLETE = "i"
    VDR_EXEMPT = "v"
    UNKNOWN = "?"
    """A letter this client does not know; see ``MarketDataAvailability.code``."""


@attrs.frozen
class MarketDataAvailability:
    """Decoded field 6509, e.g. ``"RpB"``: real-time, consolidated, top of book available."""

    code: str
    """The code as received."""
    status: AvailabilityStatus
    snapshot: bool
    """``P``: a snapshot can be requested for the contract."""
    consolidated: bool
    """``p``: data is aggregated across exchanges."""
    book: bool
    """``B``: top-of-book data is available."""

    @classmethod
    def from_code(cls, code: str) -> MarketDataAvailability:
        """Decode a code; unknown letters never raise (status ``UNKNOWN``, flags ignored)."""
        code = code.strip()
        try:
            status = AvailabilityStatus(code[:1])
        except ValueError:
            status = AvailabilityStatus.UNKNOWN
        rest = code[1:]
        return cls(code, status, snapshot="P" in rest, consolidated="p" in rest, book="B" in rest)

    @property
    def is_realtime(self) -> bool:
        return self.status is AvailabilityStatus.REALTIME

    @property
    def is_delayed(self) -> bool:
        """Delayed data, frozen or not."""
        return self.status in (AvailabilityStatus.DELAYED, AvailabilityStatus.FROZEN_DELAYED)

    @property
    def is_frozen(self) -> bool:
        """Last values recorded at the close, real-time or delayed."""
        return self.status in (AvailabilityStatus.FROZEN, AvailabilityStatus.FROZEN_DELAYED)

    @property
    def is_subscribed(self) -> bool:
        """False when the account lacks the market data subscription."""
        return self.status is not AvailabilityStatus.NOT_SUBSCRIBED


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PLAIN_FLOAT_KINDS = frozenset({FieldKind.PRICE, FieldKind.NUMBER})


def _decimal(text: str) -> Decimal | None:
    """The number in ``text``, thousands separators and a trailing % dropped, K/M/B/T applied."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    try:
        number = Decimal(match["digits"].replace(",", ""))
    except InvalidOperation:
        return None
    number *= _MULTIPLIER[match["suffix"]]
    return -number if match["sign"] == "-" else number


def _int_or_float(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def parse_value(field: str | int, raw: Any) -> Any:
    """A snapshot value as a Python value, by the field's kind; never raises.

    ``"168.42"`` -> 168.42; ``"1,300"`` -> 1300; ``"24.5M"`` -> 24_500_000; ``"1.23%"`` -> 1.23;
    ``"C193.18"`` -> ``FlaggedPrice(193.18, PRIOR_CLOSE)`` (``H``: halted); ``""`` -> None; 6509 ->
    :class:`MarketDataAvailability`. JSON numbers and text fields pass through; values of unknown
    ids, and values that do not fit their field's kind, are kept as received.
    """
    if raw is None:
        return None
    if isinstance(raw, str) and not raw.strip():
        return None
    # Fast path: rows arrive keyed by canonical id strings.
    info = FIELDS.get(field) if isinstance(field, str) else None
    if info is None:
        try:
            info = field_info(field)
        except (UnknownFieldError, TypeError):
            return raw
    if info is None:
        return raw
    try:
        return _parse_kind(info.kind, raw)
    except (ValueError, ArithmeticError, IBKRTimeError):
        return raw


def _parse_kind(kind: FieldKind, raw: Any) -> Any:
    if kind is FieldKind.BOOLEAN and isinstance(raw, int | str) and str(raw).strip() in {"0", "1"}:
        return str(raw).strip() == "1"
    if kind is FieldKind.CONID and isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if not isinstance(raw, str) or kind is FieldKind.TEXT:
        return raw
    text = raw.strip()
    if kind is FieldKind.AVAILABILITY:
        return MarketDataAvailability.from_code(text)
    if kind is FieldKind.DATE:
        # A bare number other than YYYYMMDD is not a date we can read (epoch? days?): keep it.
        return raw if text.isdecimal() and len(text) != 8 else parse_ibkr_date(text)
    if kind is FieldKind.CONID:
        return int(text) if text.isdecimal() and text.isascii() else raw
    if kind is FieldKind.BOOLEAN:
        return raw
    if kind in _PLAIN_FLOAT_KINDS and _PLAIN_NUMBER.fullmatch(text):
        return float(text)  # the common case: a plain decimal number, no prefix or suffix
    flag: PriceFlag | None = None
    if kind is FieldKind.PRICE and (prefixed := _PRICE_PREFIX.fullmatch(text)) is not None:
        flag, text = PriceFlag(prefixed["flag"]), prefixed["rest"]
    number = _decimal(text)
    if number is None:
        return raw
    if kind in (FieldKind.SIZE, FieldKind.ABBREVIATED):
        return _int_or_float(number)
    if flag is not None:
        return FlaggedPrice(float(number), flag)
    return float(number)


# --- the fast path: one table lookup per value, the common wire forms read without a regex.
# Every shortcut below gives exactly what parse_value gives (tests compare them on random input);
# anything unusual goes to parse_value itself.

_AVAILABILITY_CACHE: dict[str, MarketDataAvailability] = {}


def _slow(kind: FieldKind) -> Any:
    def parse(raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            return _parse_kind(kind, raw)
        except (ValueError, ArithmeticError, IBKRTimeError):
            return raw

    return parse


def _float_kind(kind: FieldKind) -> Any:
    """Prices, numbers and percentages: ``"424.57"`` (and ``"24.0%"`` for percent) without a regex."""
    slow = _slow(kind)
    percent = kind is FieldKind.PERCENT

    def parse(raw: Any) -> Any:
        if raw.__class__ is str:
            text = raw[:-1] if percent and raw[-1:] == "%" else raw
            body = text[1:] if text[:1] in _SIGNS else text
            if body.replace(".", "", 1).isdecimal():
                return float(text)
        elif raw.__class__ is float or raw.__class__ is int:
            return raw  # a JSON number: kept as sent
        return slow(raw)

    return parse


def _abbreviated_kind(raw: Any) -> Any:
    """``"24.5M"`` -> 24_500_000 exactly (integer arithmetic, as Decimal would give)."""
    if raw.__class__ is str:
        if raw.isdecimal():
            return int(raw)
        exponent = _EXPONENT.get(raw[-1:])
        if exponent is not None:
            whole, _, fraction = raw[:-1].partition(".")
            if (
                whole.isdecimal()
                and (not fraction or fraction.isdecimal())
                and len(fraction) <= exponent
            ):
                return int(whole + fraction) * 10 ** (exponent - len(fraction))
    elif raw.__class__ is int:
        return raw
    return _slow_abbreviated(raw)


def _size_kind(raw: Any) -> Any:
    """Sizes: ``"291"``, ``"1,300"``."""
    if raw.__class__ is str:
        if raw[:1].isdecimal():
            digits = raw.replace(",", "") if "," in raw else raw
            if digits.isdecimal():
                return int(digits)
    elif raw.__class__ is int or raw.__class__ is float:
        return raw
    return _slow_size(raw)


def _text_kind(raw: Any) -> Any:
    return None if raw.__class__ is str and not raw.strip() else raw


def _availability_kind(raw: Any) -> Any:
    if raw.__class__ is str:
        known = _AVAILABILITY_CACHE.get(raw)
        if known is not None:
            return known
        if raw.strip():
            decoded = MarketDataAvailability.from_code(raw)
            if len(_AVAILABILITY_CACHE) < 256:  # a handful of codes exist; never grows unbounded
                _AVAILABILITY_CACHE[raw] = decoded
            return decoded
    return _slow(FieldKind.AVAILABILITY)(raw)


_SIGNS = ("-", "+")
_EXPONENT = {"K": 3, "M": 6, "B": 9, "T": 12}
_slow_size = _slow(FieldKind.SIZE)
_slow_abbreviated = _slow(FieldKind.ABBREVIATED)
_FAST: dict[FieldKind, Any] = {
    FieldKind.ABBREVIATED: _abbreviated_kind,
    FieldKind.PRICE: _float_kind(FieldKind.PRICE),
    FieldKind.NUMBER: _float_kind(FieldKind.NUMBER),
    FieldKind.PERCENT: _float_kind(FieldKind.PERCENT),
    FieldKind.SIZE: _size_kind,
    FieldKind.TEXT: _text_kind,
    FieldKind.AVAILABILITY: _availability_kind,
}
# wire id -> (name, how, parser) for every field in the table; ``how`` picks a shortcut taken in
# _parse_row itself (0: a plain decimal number is a float, 1: text is kept), else the parser runs.
_SHORTCUTS = {FieldKind.PRICE: 0, FieldKind.NUMBER: 0, FieldKind.TEXT: 1}
_READERS: dict[str, tuple[str, int, Any]] = {
    info.id: (info.name, _SHORTCUTS.get(info.kind, 2), _FAST.get(info.kind) or _slow(info.kind))
    for info in FIELDS.values()
}


def _parse_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a wire row, parsed, by name (ids not in the table keep their id)."""
    values: dict[str, Any] = {}
    readers = _READERS
    for key, raw in row.items():
        reader = readers.get(key)
        if reader is None:
            wire = str(key)
            if wire in _META_KEYS or not (wire.isdecimal() and wire.isascii()):
                continue
            info = FIELDS.get(wire)  # "031" and other spellings of a known id
            values[info.name if info is not None else wire] = parse_value(wire, raw)
            continue
        name, how, parse = reader
        if raw.__class__ is str:
            if how == 0:
                if raw.replace(".", "", 1).isdecimal():
                    values[name] = float(raw)
                    continue
            elif how == 1 and raw.strip():
                values[name] = raw
                continue
        values[name] = parse(raw)
    return values


# --- whole columns at once: an answer's rows usually carry the same fields, so each field's values
# are checked and converted with a few C-level passes (``map(float, ...)``) instead of one Python
# call per value. Each column reader gives exactly what the per-value reader gives, or hands the
# column to it.

_NOT_PLAIN = str.maketrans("", "", "0123456789.+-")  # what is left of a text once these go
_STR_ONLY = frozenset({str})
_NUMBERS_ONLY = frozenset({float, int})
_no_percent = methodcaller("removesuffix", "%")


def _floats(column: Sequence[Any], parse: Any, texts: Sequence[Any] | None = None) -> list[Any]:
    try:
        joined = "".join(column if texts is None else texts)  # a TypeError unless all texts
    except TypeError:
        if set(map(type, column)) <= _NUMBERS_ONLY:
            return list(column)
        return list(map(parse, column))
    if not joined.translate(_NOT_PLAIN):  # digits, signs and points only
        try:
            return list(map(float, column if texts is None else texts))
        except ValueError:
            pass
    return list(map(parse, column))


def _float_column(column: Sequence[Any], parse: Any) -> list[Any]:
    return _floats(column, parse)


def _percent_column(column: Sequence[Any], parse: Any) -> list[Any]:
    try:
        texts = list(map(_no_percent, column))  # an AttributeError unless all texts
    except (AttributeError, TypeError):
        return _floats(column, parse)
    return _floats(column, parse, texts)


def _text_column(column: Sequence[Any], parse: Any) -> list[Any]:
    if set(map(type, column)) == _STR_ONLY and all(column) and not any(map(str.isspace, column)):
        return list(column)
    return list(map(parse, column))


def _any_column(column: Sequence[Any], parse: Any) -> list[Any]:
    return list(map(parse, column))


def _remembered(parse: Any, numbers: frozenset[type] = frozenset(), limit: int = 4096) -> Any:
    """A column reader that remembers what each text read as (immutable results only).

    Sizes (``"1,300"``), abbreviated volumes (``"8.1M"``) and availability codes (``"RpB"``) come
    back the same from one poll to the next: a dict lookup per value instead of a parse. The table
    is cleared when full. Columns of the ``numbers`` types are kept as sent, as ``parse`` keeps them.
    """
    known: dict[str, Any] = {}
    lookup = known.get

    def column_reader(column: Sequence[Any], _parse: Any) -> list[Any]:
        kinds = set(map(type, column))
        if kinds != _STR_ONLY:
            return list(column) if kinds <= numbers else list(map(parse, column))
        values = list(map(lookup, column))
        if any(map(is_, values, repeat(None))):  # "is": no __eq__ call per value
            if len(known) > limit:
                known.clear()
            for position, raw in enumerate(column):
                if values[position] is None:
                    value = values[position] = parse(raw)
                    if value is not None:
                        known[raw] = value
        return values

    return column_reader


_COLUMN_READERS = {
    FieldKind.PRICE: _float_column,
    FieldKind.NUMBER: _float_column,
    FieldKind.PERCENT: _percent_column,
    FieldKind.SIZE: _remembered(_size_kind, _NUMBERS_ONLY),
    FieldKind.TEXT: _text_column,
    FieldKind.ABBREVIATED: _remembered(_abbreviated_kind, frozenset({int})),
    FieldKind.AVAILABILITY: _remembered(_availability_kind),
}
_COLUMNS: dict[str, Any] = {
    info.id: _COLUMN_READERS.get(info.kind, _any_column) for info in FIELDS.values()
}


_AVAILABILITY = "market_data_availability"


class _Values(Mapping[str, Any]):
    """Parsed values of one row read by columns: a tuple, and the name -> position index shared by
    every row of the group (no dict per row). Read-only, like the mapping proxy of other rows."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple[Any, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[self._index[name]]

    def get(self, name: str, default: Any = None) -> Any:
        position = self._index.get(name)
        return default if position is None else self._values[position]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"mappingproxy({dict(self)!r})"


@attrs.define(slots=True)
class _Group:
    """Rows of one answer with the same keys, read by columns."""

    numbers: Sequence[int]
    """Their positions in the answer."""
    index: dict[str, int]
    """Field name -> position in ``columns`` (shared by the rows' ``_Values``)."""
    columns: list[list[Any]]
    """Parsed values, one list per field."""


def _parse_rows(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """:func:`_parse_row` for many rows: rows with the same keys are read column by column."""
    return _read_rows(rows)[0]


def _read_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], list[_Group]]:
    """Every row parsed (as :func:`_parse_rows`), and the groups that were read by columns."""
    parsed: list[Mapping[str, Any]] = [MappingProxyType({})] * len(rows)
    read_by_columns: list[_Group] = []
    shapes = list(map(tuple, rows))
    groups: Mapping[tuple[str, ...], Sequence[int]]
    if shapes and shapes.count(shapes[0]) == len(shapes):  # the usual answer: one shape
        groups = {shapes[0]: range(len(rows))}
    else:
        grouping: dict[tuple[str, ...], list[int]] = {}
        for number, shape in enumerate(shapes):
            grouping.setdefault(shape, []).append(number)
        groups = grouping
    readers = _READERS
    for keys, numbers in groups.items():
        fields = [key for key in keys if key in readers]
        index = {readers[key][0]: position for position, key in enumerate(fields)}
        if (
            len(numbers) < 4
            or len(fields) < 2
            or len(fields) + len(_META_KEYS & set(keys)) != len(keys)
            or len(index) != len(fields)  # two ids for one name ("31" and "031")
        ):
            for number in numbers:  # few rows alike, or keys outside the table: one at a time
                parsed[number] = MappingProxyType(_parse_row(rows[number]))
            continue
        values = itemgetter(*fields)
        columns = zip(*[values(rows[number]) for number in numbers], strict=True)
        read = [
            _COLUMNS[key](column, readers[key][2])
            for key, column in zip(fields, columns, strict=True)
        ]
        for number, row_values in zip(numbers, zip(*read, strict=True), strict=True):
            parsed[number] = _Values(index, row_values)
        read_by_columns.append(_Group(numbers, index, read))
    return parsed, read_by_columns


def _price_flag(raw: Any) -> PriceFlag | None:
    if isinstance(raw, str) and (match := _PRICE_PREFIX.fullmatch(raw.strip())) is not None:
        return PriceFlag(match["flag"])
    return None


def _row_conid(row: Mapping[str, Any]) -> int:
    conid = row.get("conid")
    if conid.__class__ is int and conid > 0:
        return int(conid)
    for key in ("conid", "conidEx"):
        value = row.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            head = re.match(r"\s*(\d+)", value)
            if head is not None:
                return int(head[1])
    raise ValueError(f"snapshot row has no usable conid: {dict(row)!r}")


def _flag_of(last: Any, row: Mapping[str, Any]) -> PriceFlag | None:
    """The prefix on a row's last price (already parsed as ``last``)."""
    if last is None or last.__class__ is float:
        return None
    if isinstance(last, FlaggedPrice):
        return last.flag
    return _price_flag(row.get("31"))  # kept as text: a prefix on something unreadable


_INT_ONLY = frozenset({int})
_FLOAT_OR_NONE = frozenset({float, type(None)})
_AVAILABILITY_ONLY = frozenset({MarketDataAvailability})


def _as_number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@attrs.frozen
class Quote:
    """One contract's snapshot: parsed values by name, plus the row exactly as received.

    ``quote.last_price`` and the other common fields are typed properties; every field name works as
    an attribute at run time and with ``quote["delta"]`` / ``quote["7308"]`` (typed code: use ``[]``).
    Absent fields read as ``None``; numeric properties are also ``None`` when the value could not be
    parsed (the text is still in ``values`` and ``raw``).
    """

    conid: int
    updated: datetime | None
    """When the gateway last refreshed the row (``_updated``), aware UTC."""
    raw: Mapping[str, Any] = attrs.field(hash=False, repr=False)
    """The wire row as received (field-id keys, string values)."""
    values: Mapping[str, Any] = attrs.field(hash=False)
    """Parsed values by snake_case name; ids not in the table keep their id as the key."""
    availability: MarketDataAvailability | None = None
    is_prior_close: bool = False
    """The last price is the prior close (``C`` prefix): no trade yet today."""
    is_halted: bool = False
    """Trading is halted (``H`` prefix on the last price)."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Quote:
        """Build a quote from one row of ``/iserver/marketdata/snapshot``."""
        return cls._from_owned_row(dict(row))

    @classmethod
    def _from_owned_rows(cls, rows: list[dict[str, Any]]) -> list[Quote]:
        """Quotes of the rows of one answer, which nobody else holds: kept without a copy.

        Rows read by columns become quotes a column at a time (C-level passes over each group's
        conids, stamps, last prices and availabilities); the others one by one.
        """
        parsed, groups = _read_rows(rows)
        quotes: list[Quote | None] = [None] * len(rows)
        for group in groups:
            numbers = group.numbers
            members = rows if len(numbers) == len(rows) else [rows[n] for n in numbers]
            made = cls._from_group(members, [parsed[n] for n in numbers], group)
            for number, quote in zip(numbers, made, strict=True):
                quotes[number] = quote
        return [
            cls._from_owned_row(row, values) if quote is None else quote
            for row, values, quote in zip(rows, parsed, quotes, strict=True)
        ]

    @classmethod
    def _from_group(
        cls, rows: list[dict[str, Any]], values: list[Mapping[str, Any]], group: _Group
    ) -> list[Quote]:
        """Quotes of rows read by columns (what :meth:`_from_owned_row` gives, column-wise)."""
        count = len(rows)
        conids: list[Any] = list(map(dict.get, rows, repeat("conid")))
        if set(map(type, conids)) != _INT_ONLY or min(conids) <= 0:
            conids = [
                c if c.__class__ is int and c > 0 else _row_conid(row)
                for c, row in zip(conids, rows, strict=True)
            ]
        at = group.index.get("last_price")
        last = group.columns[at] if at is not None else None
        if last is None or set(map(type, last)) <= _FLOAT_OR_NONE:
            prior: Iterable[bool] = repeat(False, count)
            halted: Iterable[bool] = repeat(False, count)
        else:
            flags = [_flag_of(price, row) for price, row in zip(last, rows, strict=True)]
            prior = [flag is PriceFlag.PRIOR_CLOSE for flag in flags]
            halted = [flag is PriceFlag.HALTED for flag in flags]
        at = group.index.get(_AVAILABILITY)
        availability: Iterable[Any] = repeat(None, count)
        if at is not None:
            availability = group.columns[at]
            if set(map(type, availability)) != _AVAILABILITY_ONLY:
                availability = [
                    a if isinstance(a, MarketDataAvailability) else None for a in availability
                ]
        return list(
            map(
                cls,
                conids,
                map(updated_time, map(dict.get, rows, repeat("_updated"))),
                map(MappingProxyType, rows),
                values,
                availability,
                prior,
                halted,
            )
        )

    @classmethod
    def _from_owned_row(cls, row: dict[str, Any], values: Mapping[str, Any] | None = None) -> Quote:
        """:meth:`from_row` for a row nobody else holds (the client's own): kept without a copy."""
        if values is None:
            values = MappingProxyType(_parse_row(row))
        availability = values.get(_AVAILABILITY)
        flag = _flag_of(values.get("last_price"), row)
        return cls(  # positional: conid, updated, raw, values, availability, prior close, halted
            _row_conid(row),
            updated_time(row.get("_updated")),
            MappingProxyType(row),
            values,
            availability if isinstance(availability, MarketDataAvailability) else None,
            flag is PriceFlag.PRIOR_CLOSE,
            flag is PriceFlag.HALTED,
        )

    def __getitem__(self, key: str | int) -> Any:
        """Parsed value by name (``"bid_size"``) or id (``"88"``, ``88``); None when absent."""
        try:
            wire = field_id(key)
        except (UnknownFieldError, TypeError) as exc:
            raise KeyError(str(exc)) from None
        info = FIELDS.get(wire)
        return self.values.get(info.name if info is not None else wire)

    def __contains__(self, key: object) -> bool:
        """Whether the field (name or id) arrived in the row."""
        if not isinstance(key, str | int):
            return False
        try:
            return field_id(key) in self.raw
        except (UnknownFieldError, TypeError):
            return False

    if not TYPE_CHECKING:
        # Hidden from type checkers so that a misspelt attribute is still an error there.
        def __getattr__(self, name: str) -> Any:
            if name.startswith("_") or name not in FIELDS_BY_NAME:
                raise AttributeError(_attribute_hint(name))
            try:
                values = object.__getattribute__(self, "values")
            except AttributeError:
                raise AttributeError(name) from None
            return values.get(name)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Rebuilt from the wire row: pickles and copies stay small and read-only mappings need no care.
        return _quote_from_row, (dict(self.raw),)

    def __dir__(self) -> list[str]:
        return sorted(set(object.__dir__(self)) | set(FIELDS_BY_NAME))

    @property
    def has_data(self) -> bool:
        """Whether any field arrived (``False``: an unknown contract, or no market data permission)."""
        values = self.values
        return values.__class__ is _Values or bool(values)  # rows read by columns have fields

    def has(self, fields: Iterable[str | int] | str | int) -> bool:
        """Whether every asked field (names or ids) has arrived."""
        return not self.missing(fields)

    def missing(self, fields: Iterable[str | int] | str | int) -> list[str]:
        """The asked fields that have not arrived yet, by name (by id when not in the table)."""
        result = []
        for wire in resolve_fields(fields):
            if wire not in self.raw:
                info = FIELDS.get(wire)
                result.append(info.name if info is not None else wire)
        return result

    def model(self) -> Any:
        """The row as the generated ``ibkr_webapi_client.models.MarketDataSnapshot``.

        Named properties carry the wire strings (``LastPrice`` keeps a ``C``/``H`` prefix); every
        other key of the row goes to ``additional_properties``.
        """
        try:
            module = importlib.import_module("ibkr_webapi_client.models")
            model_class = module.MarketDataSnapshot
        except (ImportError, AttributeError) as exc:
            raise ImportError(
                "Quote.model() needs the generated client ibkr_webapi_client with "
                "models.MarketDataSnapshot; regenerate it with `make generate`"
            ) from exc
        data: dict[str, Any] = {
            key: value for key, value in self.raw.items() if key not in _MODEL_NAMES
        }
        data["conid"] = self.conid
        for wire, name in _MODEL_NAMES.items():
            value = self.raw.get(wire)
            if value is not None:
                data[name] = str(value)
        return model_class.from_dict(data)

    # Typed shortcuts for the common fields.
    @property
    def last_price(self) -> float | None:
        return _as_number(self.values.get("last_price"))

    @property
    def bid_price(self) -> float | None:
        return _as_number(self.values.get("bid_price"))

    @property
    def ask_price(self) -> float | None:
        return _as_number(self.values.get("ask_price"))

    @property
    def bid_size(self) -> float | None:
        return _as_number(self.values.get("bid_size"))

    @property
    def ask_size(self) -> float | None:
        return _as_number(self.values.get("ask_size"))

    @property
    def last_size(self) -> float | None:
        return _as_number(self.values.get("last_size"))

    @property
    def volume(self) -> float | None:
        """Day's volume (from ``volume_long`` when the abbreviated ``volume`` is absent)."""
        value = _as_number(self.values.get("volume"))
        return value if value is not None else _as_number(self.values.get("volume_long"))

    @property
    def high(self) -> float | None:
        return _as_number(self.values.get("high"))

    @property
    def low(self) -> float | None:
        return _as_number(self.values.get("low"))

    @property
    def open(self) -> float | None:
        return _as_number(self.values.get("open"))

    @property
    def close(self) -> float | None:
        return _as_number(self.values.get("close"))

    @property
    def prior_close(self) -> float | None:
        return _as_number(self.values.get("prior_close"))

    @property
    def change(self) -> float | None:
        return _as_number(self.values.get("change"))

    @property
    def change_percent(self) -> float | None:
        return _as_number(self.values.get("change_percent"))

    @property
    def mark_price(self) -> float | None:
        return _as_number(self.values.get("mark_price"))

    @property
    def symbol(self) -> str | None:
        return _as_text(self.values.get("symbol"))

    @property
    def company_name(self) -> str | None:
        return _as_text(self.values.get("company_name"))


# Wire ids the named snapshot model has properties for, and those properties' wire names.
_MODEL_NAMES = {"84": "BidPrice", "86": "AskPrice", "31": "LastPrice", "87": "Volume"}


def _quote_from_row(row: Mapping[str, Any]) -> Quote:
    return Quote.from_row(row)


def _attribute_hint(name: str) -> str:
    try:
        field_id(name)
    except UnknownFieldError as exc:
        return f"'Quote' object has no attribute {name!r} ({exc})"
    return f"'Quote' object has no attribute {name!r}"


def merge_rows(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Combine two rows of the same conid: newer values win, late fields are added, none are lost.

    An empty or null value in ``new`` does not wipe out a value ``old`` already had.
    """
    merged = dict(old)
    for key, value in new.items():
        if (value is None or value == "") and merged.get(key) not in (None, ""):
            continue
        merged[key] = value
    stamps = [row.get("_updated") for row in (old, new)]
    numeric = [s for s in stamps if isinstance(s, int | float) and not isinstance(s, bool)]
    if numeric:
        merged["_updated"] = max(numeric)
    return merged


def split_request(
    conids: Iterable[int],
    fields: Iterable[str],
    max_conids: int = 100,
    max_fields: int = 50,
) -> list[tuple[list[int], list[str]]]:
    """Batches of at most ``max_conids`` conids and ``max_fields`` fields covering every pair once."""
    if max_conids < 1 or max_fields < 1:
        raise ValueError("max_conids and max_fields must be at least 1")
    conid_list, field_list = list(conids), list(fields)
    conid_chunks = [conid_list[i : i + max_conids] for i in range(0, len(conid_list), max_conids)]
    field_chunks = [field_list[i : i + max_fields] for i in range(0, len(field_list), max_fields)]
    return [(c, f) for c in conid_chunks for f in field_chunks or [[]]]
