"""Portfolio Analyst results: performance series, the year's summary, and transactions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from types import MappingProxyType

import attrs

from ibkr_webapi_client.models import AnalystSummary as AnalystSummaryModel
from ibkr_webapi_client.models import (
    NavData,
    NavSeries,
    PeriodSeries,
    ReturnData,
    ReturnSeries,
    StartNav,
    TransactionHistory,
)
from ibkr_webapi_client.models import Performance as PerformanceModel
from ibkr_webapi_client.models import Transaction as TransactionModel
from ibkr_webapi_client.types import Unset

from ..dates import IBKRTimeError, parse_ibkr_date
from ..seam import (
    float_or_none,
    int_id,
    int_or_none,
    model_or_none,
    number_or_none,
    required,
    str_or_none,
    str_tuple,
    unexpected,
)

__all__ = [
    "AnalystSummary",
    "AnalystTransaction",
    "AnalystTransactions",
    "Performance",
    "PerformanceSeries",
    "PeriodPerformance",
]

# "Mon Dec 11 00:00:00 EST 2023": how the analyst writes a transaction's day.
_JAVA_DATE = re.compile(
    r"[A-Z][a-z]{2} (?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2}) \S+ \S+ (?P<year>\d{4})"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MAX_POINTS = 100_000


def read_day(value: str | Unset | None, field: str) -> date | None:
    """A day in any of the analyst's formats (``20231211``, ``2023-12-11``, Java's date text)."""
    text = str_or_none(value, field)
    if text is None or not text.strip():
        return None
    match = _JAVA_DATE.fullmatch(text.strip())
    try:
        if match is not None and match["mon"] in _MONTHS:
            return date(int(match["year"]), _MONTHS.index(match["mon"]) + 1, int(match["day"]))
        return parse_ibkr_date(text)
    except (IBKRTimeError, ValueError):
        raise unexpected(field, f"not a date: {text[:40]!r}") from None


def _days(values: list[str] | Unset | None, field: str) -> tuple[date, ...]:
    texts = str_tuple(values, field)
    if len(texts) > _MAX_POINTS:
        raise unexpected(field, f"{len(texts)} dates, more than any period has")
    return tuple(required(read_day(t, field), field) for t in texts)


def _numbers(values: Sequence[float] | Unset | None, field: str) -> tuple[float, ...]:
    if values is None or isinstance(values, Unset):
        return ()
    if not isinstance(values, list) or len(values) > _MAX_POINTS:
        raise unexpected(field, "expected a list of numbers")
    return tuple(required(float_or_none(v, field), field) for v in values)


def _start(model: StartNav | Unset | None) -> tuple[date | None, float | None]:
    start = model_or_none(model)
    if start is None:
        return None, None
    return read_day(start.date, "startNAV.date"), float_or_none(start.val, "startNAV.val")


@attrs.frozen(kw_only=True)
class PerformanceSeries:
    """One account's values over a period: net asset values, or returns as fractions
    (0.0123 = 1.23 %), each with its day."""

    account_id: str
    points: tuple[tuple[date, float], ...]
    start: date | None = None
    """The day before the period (the base the returns are measured from)."""
    start_value: float | None = None

    @classmethod
    def from_model(
        cls, model: NavSeries | ReturnSeries, dates: tuple[date, ...], where: str
    ) -> PerformanceSeries:
        if isinstance(model, NavSeries):
            values = _numbers(model.navs, f"{where}.navs")
            start, start_value = _start(model.start_nav)
        else:
            values = _numbers(model.returns, f"{where}.returns")
            start, start_value = None, None
        if len(values) != len(dates):
            raise unexpected(where, f"{len(values)} values for {len(dates)} dates")
        return cls(
            account_id=required(str_or_none(model.id, f"{where}.id"), f"{where}.id"),
            points=tuple(zip(dates, values, strict=True)),
            start=start,
            start_value=start_value,
        )


def _by_account(block: NavData | ReturnData | Unset, where: str) -> Mapping[str, PerformanceSeries]:
    if isinstance(block, Unset) or block is None:
        return MappingProxyType({})
    found = block
    dates = _days(found.dates, f"{where}.dates")
    series: dict[str, PerformanceSeries] = {}
    items: list[NavSeries] | list[ReturnSeries] = (
        [] if isinstance(found.data, Unset) else found.data
    )
    for item in items:
        read = PerformanceSeries.from_model(item, dates, f"{where}.data[]")
        series[read.account_id] = read
    return MappingProxyType(series)


@attrs.frozen(kw_only=True)
class Performance:
    """Accounts' performance over a period: net asset value, cumulative return, and the return
    of each step (a day, or a month for long periods), by account."""

    period: str
    method: str | None
    """How returns are computed (``TWR``: time-weighted)."""
    nav: Mapping[str, PerformanceSeries]
    cumulative: Mapping[str, PerformanceSeries]
    period_returns: Mapping[str, PerformanceSeries]
    model: PerformanceModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, period: str, model: PerformanceModel) -> Performance:
        return cls(
            period=period,
            method=str_or_none(model.pm, "pm"),
            nav=_by_account(model.nav, "nav"),
            cumulative=_by_account(model.cps, "cps"),
            period_returns=_by_account(model.tpps, "tpps"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class PeriodPerformance:
    """One account over one period of the standard set (``1D``, ``7D``, ``MTD``, ``1M``,
    ``YTD``, ``1Y``): net asset values and cumulative returns by day."""

    period: str
    nav: tuple[tuple[date, float], ...]
    cumulative: tuple[tuple[date, float], ...]
    start: date | None
    start_value: float | None

    @classmethod
    def from_model(cls, period: str, model: PeriodSeries, where: str) -> PeriodPerformance:
        dates = _days(model.dates, f"{where}.dates")
        nav = _numbers(model.nav, f"{where}.nav")
        cps = _numbers(model.cps, f"{where}.cps")
        if len(nav) != len(dates) or len(cps) != len(dates):
            raise unexpected(where, "values and dates differ in number")
        start, start_value = _start(model.start_nav)
        return cls(
            period=period,
            nav=tuple(zip(dates, nav, strict=True)),
            cumulative=tuple(zip(dates, cps, strict=True)),
            start=start,
            start_value=start_value,
        )


@attrs.frozen(kw_only=True)
class AnalystSummary:
    """The accounts' value this year: start and end, change, return, and the value by day."""

    start_date: date | None
    end_date: date | None
    currency: str | None
    start_value: float | None
    end_value: float | None
    change: float | None
    return_pct: float | None
    """The return as the analyst reports it (percent)."""
    incomplete: bool | None
    balances: Mapping[str, tuple[tuple[datetime, float], ...]]
    """Each account's value by day."""
    model: AnalystSummaryModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: AnalystSummaryModel) -> AnalystSummary:
        total = model_or_none(model.total)
        balances: dict[str, tuple[tuple[datetime, float], ...]] = {}
        by_date = model_or_none(model.balance_by_date)
        for series in (model_or_none(by_date.series) if by_date else None) or []:
            name = required(str_or_none(series.id, "series[].id"), "series[].id")
            points: list[tuple[datetime, float]] = []
            for pair in model_or_none(series.date) or []:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise unexpected("balanceByDate", "expected [epoch ms, value] pairs")
                when = required(float_or_none(pair[0], "series[].date[0]"), "date")
                value = required(float_or_none(pair[1], "series[].date[1]"), "value")
                points.append((datetime.fromtimestamp(when / 1000, UTC), value))
            balances[name] = tuple(points)
        return cls(
            start_date=read_day(model.start_date, "startDate"),
            end_date=read_day(model.end_date, "endDate"),
            currency=str_or_none(model.currency, "currency"),
            start_value=None if total is None else number_or_none(total.start_val, "startVal"),
            end_value=None if total is None else number_or_none(total.end_val, "endVal"),
            change=None if total is None else number_or_none(total.chg, "chg"),
            return_pct=None if total is None else number_or_none(total.rtn, "rtn"),
            incomplete=None if total is None else total.incomplete_data is True,
            balances=MappingProxyType(balances),
            model=model,
        )


@attrs.frozen(kw_only=True)
class AnalystTransaction:
    """One trade as the analyst lists it (``quantity`` < 0 for a sale)."""

    day: date | None
    account_id: str | None
    conid: int | None
    kind: str | None
    """``Buy``, ``Sell`` ..."""
    description: str | None
    quantity: float | None
    price: float | None
    amount: float | None
    currency: str | None
    fx_rate: float | None

    @classmethod
    def from_model(cls, model: TransactionModel) -> AnalystTransaction:
        return cls(
            day=read_day(model.date, "transactions[].date"),
            account_id=str_or_none(model.acctid, "transactions[].acctid"),
            conid=int_id(model.conid, "transactions[].conid"),
            kind=str_or_none(model.type_, "transactions[].type"),
            description=str_or_none(model.desc, "transactions[].desc"),
            quantity=float_or_none(model.qty, "transactions[].qty"),
            price=float_or_none(model.pr, "transactions[].pr"),
            amount=float_or_none(model.amt, "transactions[].amt"),
            currency=str_or_none(model.cur, "transactions[].cur"),
            fx_rate=float_or_none(model.fx_rate, "transactions[].fxRate"),
        )


@attrs.frozen(kw_only=True)
class AnalystTransactions:
    """A contract's trades in the accounts over some days, and the P&L they realized."""

    items: tuple[AnalystTransaction, ...]
    realized_pnl: float | None
    currency: str | None
    since: datetime | None
    until: datetime | None
    model: TransactionHistory = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: TransactionHistory) -> AnalystTransactions:
        rpnl = model_or_none(model.rpnl)
        since = int_or_none(model.from_, "from")
        until = int_or_none(model.to, "to")
        return cls(
            items=tuple(
                AnalystTransaction.from_model(t) for t in model_or_none(model.transactions) or []
            ),
            realized_pnl=None if rpnl is None else number_or_none(rpnl.amt, "rpnl.amt"),
            currency=str_or_none(model.currency, "currency"),
            since=None if since is None else datetime.fromtimestamp(since / 1000, UTC),
            until=None if until is None else datetime.fromtimestamp(until / 1000, UTC),
            model=model,
        )
