"""Snapshot field ids and their snake_case names: one table, looked up both ways.

The gateway keys snapshot values by numeric field-id strings (``"31"`` is the last price). This module
maps every documented id to a readable name, a value kind (how the value is written on the wire) and a
one-line description. Ids missing from the table are still accepted, as raw ids.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from .errors import InvalidRequestError

__all__ = [
    "DEFAULT_FIELDS",
    "FIELDS",
    "FIELDS_BY_NAME",
    "FieldInfo",
    "FieldKind",
    "UnknownFieldError",
    "field_id",
    "field_info",
    "field_name",
    "resolve_fields",
]


class FieldKind(enum.StrEnum):
    """How a field's value is written on the wire, and so how it is parsed."""

    PRICE = "price"
    """Decimal price; the last price may carry a ``C`` (prior close) or ``H`` (halted) prefix."""
    NUMBER = "number"
    """Decimal number (money amounts, ratios, greeks)."""
    SIZE = "size"
    """Quantity, may contain thousands separators (``"1,300"``)."""
    ABBREVIATED = "abbreviated"
    """Number abbreviated with a ``K``/``M``/``B`` suffix (``"24.5M"``)."""
    PERCENT = "percent"
    """Percentage, with or without a trailing ``%``; parsed as the number of percent."""
    TEXT = "text"
    """Text, kept as received."""
    DATE = "date"
    """Calendar date; kept as text when the format is not recognised."""
    CONID = "conid"
    """Integer contract id."""
    AVAILABILITY = "availability"
    """Market data availability code (``"RpB"``)."""
    BOOLEAN = "boolean"
    """``1`` (true) or ``0`` (false)."""


@attrs.frozen
class FieldInfo:
    """One snapshot field: wire id, snake_case name, value kind and meaning."""

    id: str
    name: str
    kind: FieldKind
    description: str


_P, _N, _S, _A = FieldKind.PRICE, FieldKind.NUMBER, FieldKind.SIZE, FieldKind.ABBREVIATED
_PCT, _T, _D = FieldKind.PERCENT, FieldKind.TEXT, FieldKind.DATE

# fmt: off
_TABLE: tuple[tuple[int, str, FieldKind, str], ...] = (
    (31, "last_price", _P, "Last traded price; prefix C = prior close (no trade today), H = halted"),
    (55, "symbol", _T, "Ticker symbol"),
    (58, "text", _T, "Free text sent with the quote"),
    (70, "high", _P, "Day's high price"),
    (71, "low", _P, "Day's low price"),
    (73, "market_value", _N, "Market value of your position"),
    (74, "avg_price", _P, "Average price of your position"),
    (75, "unrealized_pnl", _N, "Unrealized profit or loss of your position"),
    (76, "formatted_position", _T, "Position, formatted for display"),
    (77, "formatted_unrealized_pnl", _T, "Unrealized profit or loss, formatted for display"),
    (78, "daily_pnl", _N, "Profit or loss of the day since the prior close"),
    (79, "realized_pnl", _N, "Realized profit or loss of your position"),
    (80, "unrealized_pnl_percent", _PCT, "Unrealized profit or loss in percent"),
    (82, "change", _P, "Last price minus the prior day's close"),
    (83, "change_percent", _PCT, "Change against the prior day's close, in percent"),
    (84, "bid_price", _P, "Best bid price"),
    (85, "ask_size", _S, "Size offered at the ask price"),
    (86, "ask_price", _P, "Best ask (offer) price"),
    (87, "volume", _A, "Day's volume, abbreviated (K/M/B); see volume_long for full precision"),
    (88, "bid_size", _S, "Size bid at the bid price"),
    (201, "right", _T, "Option right: P (put) or C (call)"),
    (6004, "exchange", _T, "Exchange"),
    (6008, "conid", FieldKind.CONID, "Contract id"),
    (6070, "sec_type", _T, "Security type (asset class), e.g. STK, OPT, FUT"),
    (6072, "months", _T, "Contract months"),
    (6073, "regular_expiry", _T, "Regular expiry"),
    (6119, "delivery_marker", _T, "Marker of the market data delivery (like a request id)"),
    (6457, "underlying_conid", FieldKind.CONID, "Contract id of the underlying"),
    (6508, "service_params", _T, "Service parameters"),
    (6509, "market_data_availability", FieldKind.AVAILABILITY, "Market data availability code (R/D/Z/Y/N + P/p/B)"),
    (7051, "company_name", _T, "Company name"),
    (7057, "ask_exchanges", _T, "Exchange codes offering the SMART ask price"),
    (7058, "last_exchanges", _T, "Exchange codes of the SMART last price"),
    (7059, "last_size", _S, "Size traded at the last price"),
    (7068, "bid_exchanges", _T, "Exchange codes offering the SMART bid price"),
    (7084, "implied_vs_historical_vol_percent", _PCT, "Implied volatility over historical volatility, in percent"),
    (7085, "put_call_interest", _N, "Put open interest over call open interest for the day"),
    (7086, "put_call_volume", _N, "Put volume over call volume for the day"),
    (7087, "historical_vol_percent", _PCT, "30-day historical volatility, in percent"),
    (7088, "historical_vol_close_percent", _PCT, "Historical volatility from the prior close, in percent"),
    (7089, "option_volume", _A, "Option volume"),
    (7094, "conid_exchange", _T, "Contract id and exchange"),
    (7184, "can_be_traded", FieldKind.BOOLEAN, "Whether the contract can be traded"),
    (7219, "contract_description", _T, "Contract description"),
    (7220, "contract_description_alt", _T, "Contract description (second form)"),
    (7221, "listing_exchange", _T, "Listing exchange"),
    (7280, "industry", _T, "Industry of the company"),
    (7281, "category", _T, "Category within the industry"),
    (7282, "average_volume", _A, "Average daily volume over 90 days"),
    (7283, "option_implied_vol_percent", _PCT, "30-day at-the-money implied volatility of the options, in percent"),
    (7284, "historical_vol_percent_deprecated", _PCT, "Historical volatility in percent (deprecated)"),
    (7285, "put_call_ratio", _N, "Put/call ratio"),
    (7286, "dividend_amount", _N, "Dividend amount"),
    (7287, "dividend_yield_percent", _PCT, "Dividend yield, in percent"),
    (7288, "ex_dividend_date", _D, "Ex-dividend date"),
    (7289, "market_cap", _A, "Market capitalisation"),
    (7290, "pe", _N, "Price/earnings ratio"),
    (7291, "eps", _N, "Earnings per share"),
    (7292, "cost_basis", _N, "Position times average price times multiplier"),
    (7293, "week52_high", _P, "Highest price of the past 52 weeks"),
    (7294, "week52_low", _P, "Lowest price of the past 52 weeks"),
    (7295, "open", _P, "Day's opening price"),
    (7296, "close", _P, "Day's closing price"),
    (7308, "delta", _N, "Option delta"),
    (7309, "gamma", _N, "Option gamma"),
    (7310, "theta", _N, "Option theta"),
    (7311, "vega", _N, "Option vega"),
    (7607, "option_volume_change_percent", _PCT, "Day's option volume against its average, in percent"),
    (7633, "implied_vol_percent", _PCT, "Implied volatility of this option strike, in percent"),
    (7635, "mark_price", _P, "Mark price"),
    (7636, "shortable_shares", _A, "Shares available for shorting"),
    (7637, "fee_rate", _PCT, "Interest rate charged on borrowed shares"),
    (7638, "option_open_interest", _A, "Option open interest"),
    (7639, "mark_value_percent", _PCT, "Market value as a percentage of the account's total market value"),
    (7644, "shortable", _T, "How hard the security is to sell short"),
    (7655, "morningstar_rating", _T, "Morningstar rating (needs a Morningstar subscription)"),
    (7671, "dividends", _N, "Expected dividends per share over the next twelve months"),
    (7672, "dividends_ttm", _N, "Dividends per share over the last twelve months"),
    (7674, "ema_200", _P, "Exponential moving average, N=200"),
    (7675, "ema_100", _P, "Exponential moving average, N=100"),
    (7676, "ema_50", _P, "Exponential moving average, N=50"),
    (7677, "ema_20", _P, "Exponential moving average, N=20"),
    (7678, "price_vs_ema_200_percent", _PCT, "Price over EMA(200) minus one"),
    (7679, "price_vs_ema_100_percent", _PCT, "Price over EMA(100) minus one"),
    (7724, "price_vs_ema_50_percent", _PCT, "Price over EMA(50) minus one"),
    (7681, "price_vs_ema_20_percent", _PCT, "Price over EMA(20) minus one"),
    (7682, "change_since_open", _P, "Last price minus the day's open"),
    (7683, "upcoming_event", _T, "Next major company event"),
    (7684, "upcoming_event_date", _D, "Date of the next major company event"),
    (7685, "upcoming_analyst_meeting", _T, "Date and time of the next analyst meeting"),
    (7686, "upcoming_earnings", _T, "Date and time of the next earnings event"),
    (7687, "upcoming_misc_event", _T, "Date and time of the next shareholder meeting"),
    (7688, "recent_analyst_meeting", _T, "Date and time of the most recent analyst meeting"),
    (7689, "recent_earnings", _T, "Date and time of the most recent earnings event"),
    (7690, "recent_misc_event", _T, "Date and time of the most recent shareholder meeting"),
    (7694, "probability_max_return", _PCT, "Implied probability of the maximum potential gain"),
    (7695, "break_even", _T, "Break-even points"),
    (7696, "spx_delta", _N, "Beta-weighted delta (delta times dollar-adjusted beta)"),
    (7697, "futures_open_interest", _A, "Outstanding futures contracts"),
    (7698, "last_yield", _PCT, "Bond yield at the last price"),
    (7699, "bid_yield", _PCT, "Bond yield at the bid price"),
    (7700, "probability_max_return_alt", _PCT, "Implied probability of the maximum potential gain (second id)"),
    (7702, "probability_max_loss", _PCT, "Implied probability of the maximum potential loss"),
    (7703, "profit_probability", _PCT, "Implied probability of any gain"),
    (7704, "organization_type", _T, "Issuer organisation type"),
    (7705, "debt_class", _T, "Debt class"),
    (7706, "ratings", _T, "Bond ratings"),
    (7707, "bond_state_code", _T, "Bond state code"),
    (7708, "bond_type", _T, "Bond type"),
    (7714, "last_trading_date", _D, "Last trading date"),
    (7715, "issue_date", _D, "Issue date"),
    (7718, "beta", _N, "Beta"),
    (7720, "ask_yield", _PCT, "Bond yield at the ask price"),
    (7741, "prior_close", _P, "Prior day's closing price"),
    (7762, "volume_long", _S, "Day's volume in full precision"),
    (7768, "has_trading_permissions", FieldKind.BOOLEAN, "Whether you may trade the contract"),
    (7899, "stock_type", _T, "Stock type"),
    (7920, "daily_pnl_raw", _N, "Profit or loss of the day since the prior close, unformatted"),
    (7921, "cost_basis_raw", _N, "Cost basis, unformatted"),
    (7943, "rebate_rate", _PCT, "Benchmark rate minus the borrow fee rate"),
)
# fmt: on

FIELDS: Mapping[str, FieldInfo] = MappingProxyType(
    {str(i): FieldInfo(str(i), name, kind, text) for i, name, kind, text in _TABLE}
)
"""Every documented field, keyed by wire id (``"31"``)."""

FIELDS_BY_NAME: Mapping[str, FieldInfo] = MappingProxyType({f.name: f for f in FIELDS.values()})
"""Every documented field, keyed by snake_case name (``"last_price"``)."""

DEFAULT_FIELDS: tuple[str, ...] = (
    "last_price",
    "bid_price",
    "ask_price",
    "bid_size",
    "ask_size",
    "last_size",
    "volume",
    "high",
    "low",
    "open",
    "prior_close",
    "change",
    "change_percent",
    "symbol",
    "market_data_availability",
)
"""Fields asked for when the caller names none: a top-of-book quote with the day's range."""


class UnknownFieldError(InvalidRequestError):
    """A field name that is not in the table (raw numeric ids are always accepted)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.suggestions: list[str] = difflib.get_close_matches(
            _normalise(name), list(FIELDS_BY_NAME), n=3, cutoff=0.6
        )
        hint = (
            f" Did you mean {', '.join(map(repr, self.suggestions))}?" if self.suggestions else ""
        )
        super().__init__(
            f"unknown snapshot field {name!r}.{hint} To ask for a field that is not in the table, "
            f'pass its numeric id, e.g. 7777 or "7777".'
        )


def _normalise(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def field_id(name_or_id: str | int) -> str:
    """Wire id of a field given by name (``"last_price"``) or id (``"31"``, ``31``).

    Numeric ids not in the table are kept as they are; unknown names raise :class:`UnknownFieldError`.
    """
    if type(name_or_id) is str:  # the usual spelling, looked up once
        known = _KNOWN_IDS.get(name_or_id)
        if known is not None:
            return known
        wire = _field_id(name_or_id)
        if len(_KNOWN_IDS) < 1024:  # names and ids people ask for: a few hundred at most
            _KNOWN_IDS[name_or_id] = wire
        return wire
    return _field_id(name_or_id)


_KNOWN_IDS: dict[str, str] = {}


def _field_id(name_or_id: str | int) -> str:
    if isinstance(name_or_id, bool) or not isinstance(name_or_id, str | int):
        raise InvalidRequestError(
            f"a field is a name or a numeric id, not {type(name_or_id).__name__}"
        )
    if isinstance(name_or_id, int) and name_or_id.bit_length() > 63:
        raise UnknownFieldError("a number too large to be a field id")
    text = str(name_or_id).strip()
    if text.isdecimal() and text.isascii() and len(text) <= 9:
        number = int(text)
        if number <= 0:
            raise UnknownFieldError(text)
        return str(number)
    info = FIELDS_BY_NAME.get(_normalise(text))
    if info is None:
        raise UnknownFieldError(str(name_or_id))
    return info.id


def field_name(id_: str | int) -> str | None:
    """snake_case name of a field id, or ``None`` when the id is not in the table."""
    text = str(id_).strip()
    if text.isdecimal() and text.isascii():
        text = str(int(text))
    info = FIELDS.get(text)
    return info.name if info is not None else None


def field_info(name_or_id: str | int) -> FieldInfo | None:
    """Table entry for a name or id; ``None`` for a numeric id not in the table."""
    return FIELDS.get(field_id(name_or_id))


def resolve_fields(fields: Iterable[str | int] | str | int) -> list[str]:
    """Wire ids for names and/or ids, duplicates dropped, first-seen order kept."""
    items: object = [fields] if isinstance(fields, str | int) else fields
    if not isinstance(items, Iterable) or isinstance(items, bytes | dict):
        raise InvalidRequestError(
            "fields are names or numeric ids, e.g. ['last_price', 'bid_price'] or [31, 84]"
        )
    result: list[str] = []
    for item in items:
        wire = field_id(item)
        if wire not in result:
            result.append(wire)
    return result
