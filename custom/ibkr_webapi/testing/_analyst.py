"""Portfolio Analyst answers, derived from the simulated accounts: daily net asset values, returns,
the summary of a year so far, and transactions with realized P&L.

A day's net asset value is the account's cash and positions as they stood at that day's close (the
account's trades after it rolled back), priced at the close of the same random walk quotes come
from; the last value is the account as it is now. So values, returns and transactions agree with
positions, the ledger and fills.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ._catalogue import Catalogue
from ._errors import bad_request
from ._market import DAY, Market
from ._portfolio import Portfolio, Trade

PERFORMANCE_PERIODS = ("1D", "7D", "MTD", "1M", "3M", "6M", "12M", "YTD")
ALL_PERIODS = ("1D", "7D", "MTD", "1M", "YTD", "1Y")
_MONTHLY = frozenset({"3M", "6M", "12M", "YTD", "1Y"})  # periods whose tpps step is a month
_NEW_YORK = ZoneInfo("America/New_York")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CURRENCY = "USD"


def _text(day: date) -> str:
    return day.strftime("%Y%m%d")


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _months_back(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _business_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _previous_business_day(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def java_date(epoch: float) -> str:
    """The trade's day as the portfolio analyst writes it: ``"Mon Dec 11 00:00:00 EST 2023"``."""
    local = datetime.fromtimestamp(epoch, _NEW_YORK).replace(hour=0, minute=0, second=0)
    return (
        f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day:02d} 00:00:00 "
        f"{local.tzname()} {local.year}"
    )


class Analyst:
    """Net asset values and transactions of the simulator's accounts at one moment (`now`)."""

    def __init__(
        self, portfolio: Portfolio, market: Market, catalogue: Catalogue, now: float
    ) -> None:
        self._portfolio = portfolio
        self._market = market
        self._catalogue = catalogue
        self._now = now
        self.today = datetime.fromtimestamp(now, UTC).date()
        self._prices: dict[tuple[int, date], float] = {}

    # --- requests
    def accounts(self, body: Any) -> list[str]:
        """The request's ``acctIds``, each an account of this login; a 400 otherwise."""
        raw = body.get("acctIds") if isinstance(body, dict) else None
        if not isinstance(raw, list) or not raw:
            raise bad_request("acctIds must list at least one account")
        accounts = list(dict.fromkeys(raw))
        for account in accounts:
            if account not in self._portfolio.holdings:
                raise bad_request(f"accountId is not valid: {account}")
        return [str(a) for a in accounts]

    # --- net asset values
    def _price(self, conid: int, day: date) -> float:
        key = (conid, day)
        cached = self._prices.get(key)
        if cached is None:
            contract = self._catalogue.get(conid)
            if contract is None:
                cached = 0.0
            elif day >= self.today:
                cached = self._market.last(contract, self._now)
            else:  # the close of `day`: the price as the next day begins
                cached = self._market.prior_close(contract, _epoch(day) + DAY)
            self._prices[key] = cached
        return cached

    def _close(self, day: date) -> float:
        return min(_epoch(day) + DAY, self._now)

    def navs(self, account: str, days: Sequence[date]) -> list[float]:
        """Net asset value at the close of each of `days` (ascending)."""
        if not days:
            return []
        trades = self._portfolio.trades[account]
        quantities = {c: h.quantity for c, h in self._portfolio.holdings[account].items()}
        cash = self._portfolio.cash[account]
        index = len(trades)
        first_close = self._close(days[0])
        while index > 0 and trades[index - 1].time > first_close:
            index -= 1
            cash -= trades[index].cash_change
            quantities[trades[index].conid] = (
                quantities.get(trades[index].conid, 0.0) - trades[index].quantity
            )
        values: list[float] = []
        for day in days:
            close = self._close(day)
            while index < len(trades) and trades[index].time <= close:
                trade = trades[index]
                cash += trade.cash_change
                quantities[trade.conid] = quantities.get(trade.conid, 0.0) + trade.quantity
                index += 1
            held = sum(q * self._price(c, day) for c, q in quantities.items() if q)
            values.append(round(cash + held, 4))
        return values

    def period_days(self, period: str) -> list[date]:
        """The business days a period covers, up to today."""
        today = self.today
        starts = {
            "1D": today,
            "7D": today - timedelta(days=6),
            "MTD": today.replace(day=1),
            "1M": _months_back(today, 1) + timedelta(days=1),
            "3M": _months_back(today, 3) + timedelta(days=1),
            "6M": _months_back(today, 6) + timedelta(days=1),
            "12M": _months_back(today, 12) + timedelta(days=1),
            "1Y": _months_back(today, 12) + timedelta(days=1),
            "YTD": today.replace(month=1, day=1),
        }
        days = _business_days(starts[period], today)
        return days or [_previous_business_day(today + timedelta(days=1))]

    def _series(self, account: str, days: list[date]) -> tuple[dict[str, Any], list[float]]:
        """startNAV and the values over `days`."""
        before = _previous_business_day(days[0])
        values = self.navs(account, [before, *days])
        return {"date": _text(before), "val": values[0]}, values[1:]

    # --- answers
    def performance(self, body: Any) -> dict[str, Any]:
        """Body of POST /pa/performance."""
        accounts = self.accounts(body)
        period = body.get("period", "12M")
        if period not in PERFORMANCE_PERIODS:
            raise bad_request(f"period must be one of {', '.join(PERFORMANCE_PERIODS)}")
        days = self.period_days(period)
        dates = [_text(d) for d in days]
        navs, cps, tpps = [], [], []
        step_dates: list[str] = []
        for account in accounts:
            start, values = self._series(account, days)
            ends = {"start": dates[0], "end": dates[-1], "id": account, "baseCurrency": CURRENCY}
            navs.append({"idType": "acctid", "navs": values, "startNAV": start, **ends})
            cps.append({"idType": "acctid", "returns": _cumulative(start["val"], values), **ends})
            step_dates, returns = _steps(days, start["val"], values, period in _MONTHLY)
            tpps.append({"idType": "acctid", "returns": returns, **ends})
        return {
            "currencyType": "base",
            "rc": 0,
            "nav": {"data": navs, "freq": "D", "dates": dates},
            "nd": len(dates),
            "cps": {"data": cps, "freq": "D", "dates": dates},
            "tpps": {"data": tpps, "freq": "M" if period in _MONTHLY else "D", "dates": step_dates},
            "id": "getPerformanceData",
            "included": accounts,
            "pm": "TWR",
        }

    def all_periods(self, body: Any, only: str | None) -> dict[str, Any]:
        """Body of POST /pa/allperiods (`only`: the ``param`` query, one account)."""
        accounts = [only] if only else self.accounts(body)
        if only and only not in self._portfolio.holdings:
            raise bad_request(f"accountId is not valid: {only}")
        year = self.period_days("1Y")
        answer: dict[str, Any] = {"currencyType": "base", "rc": 0, "view": accounts}
        for account in accounts:
            start, values = self._series(account, year)
            by_day = dict(zip(year, values, strict=True))
            entry: dict[str, Any] = {
                "lastSuccessfulUpdate": datetime.fromtimestamp(self._now, UTC).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                "start": _text(year[0]),
                "end": _text(year[-1]),
                "periods": list(ALL_PERIODS),
                "baseCurrency": CURRENCY,
            }
            for period in ALL_PERIODS:
                days = [d for d in self.period_days(period) if d in by_day] or year[-1:]
                first = year.index(days[0])
                base = by_day[year[first - 1]] if first > 0 else start["val"]
                base_day = _text(year[first - 1]) if first > 0 else start["date"]
                series = [by_day[d] for d in days]
                entry[period] = {
                    "nav": series,
                    "cps": _cumulative(base, series),
                    "freq": "D",
                    "dates": [_text(d) for d in days],
                    "startNAV": {"date": base_day, "val": base},
                }
            answer[account] = entry
        answer.update(
            {"nd": len(year), "id": "getPerformanceAllPeriods", "included": accounts, "pm": "TWR"}
        )
        return answer

    def summary(self, body: Any) -> dict[str, Any]:
        """Body of POST /pa/summary: the year so far, per account type and in total."""
        accounts = self.accounts(body)
        days = self.period_days("YTD")
        start_total = end_total = 0.0
        series = []
        for account in accounts:
            start, values = self._series(account, days)
            start_total += start["val"]
            end_total += values[-1]
            series.append(
                {
                    "id": account,
                    "groupId": "IB",
                    "name": account,
                    "date": [[_epoch(d) * 1000, v] for d, v in zip(days, values, strict=True)],
                }
            )
        figures = _change(start_total, end_total)
        return {
            "currencyType": "base",
            "currency": CURRENCY,
            "rc": 0,
            "id": "getSummary",
            "included": accounts,
            "pm": "TWR",
            "startDate": days[0].isoformat(),
            "endDate": days[-1].isoformat(),
            "lastSuccessfulUpdate": datetime.fromtimestamp(self._now, UTC).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "userId": "123456",
            "hasExternalAccounts": False,
            "accountSummaries": [
                {
                    "accountTypeCode": "IB",
                    "accountTypeName": "Interactive Brokers",
                    "hasAccounts": "true",
                    **figures,
                }
            ],
            "total": {**figures, "incompleteData": False},
            "balanceByDate": {"series": series},
            "excludedAccounts": [],
        }

    def transactions(self, body: Any) -> dict[str, Any]:
        """Body of POST /pa/transactions: one contract's trades in the accounts over `days`."""
        accounts = self.accounts(body)
        conids = body.get("conids")
        if not isinstance(conids, list) or len(conids) != 1:
            raise bad_request("conids must hold exactly one contract id")
        conid = conids[0]
        if isinstance(conid, str) and conid.isdigit():
            conid = int(conid)
        contract = self._catalogue.get(conid) if isinstance(conid, int) else None
        if contract is None:
            raise bad_request(f"unknown conid {conids[0]!r}")
        currency = body.get("currency", CURRENCY)
        if currency != CURRENCY:
            raise bad_request(f"currency {currency!r} is not available; use {CURRENCY}")
        days = body.get("days", 90)
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise bad_request("days must be a positive integer")
        since = self._now - days * DAY
        listed: list[dict[str, Any]] = []
        realized: list[dict[str, Any]] = []
        total = 0.0
        for account in accounts:
            trades = [t for t in self._portfolio.trades[account] if t.conid == conid]
            for trade, gain in zip(trades, _realized(trades), strict=True):
                if trade.time < since:
                    continue
                listed.append(_transaction(trade, contract.company_name))
                if gain:
                    total += gain
                    realized.append(
                        {
                            "date": _text(datetime.fromtimestamp(trade.time, UTC).date()),
                            "cur": CURRENCY,
                            "fxRate": 1,
                            "side": "G" if gain > 0 else "L",
                            "acctid": account,
                            "amt": f"{gain:.4f}",
                            "conid": str(conid),
                        }
                    )
        return {
            "rc": 0,
            "nd": len(listed),
            "rpnl": {
                "data": realized,
                "amt": f"{total:.4f}",
            },
            "currency": CURRENCY,
            "from": int(since * 1000),
            "id": "getTransactions",
            "to": int(self._now * 1000),
            "includesRealTime": True,
            "transactions": listed,
        }


def _cumulative(base: float, values: Iterable[float]) -> list[float]:
    return [round(v / base - 1.0, 4) if base else 0.0 for v in values]


def _steps(
    days: list[date], base: float, values: list[float], monthly: bool
) -> tuple[list[str], list[float]]:
    """Returns per step (a day, or a calendar month) and the steps' dates."""
    if not monthly:
        previous = [base, *values[:-1]]
        return [_text(d) for d in days], [
            round(v / p - 1.0, 4) if p else 0.0 for v, p in zip(values, previous, strict=True)
        ]
    month_end: dict[str, float] = {}
    for day, value in zip(days, values, strict=True):
        month_end[day.strftime("%Y%m")] = value
    returns, previous_value = [], base
    for value in month_end.values():
        returns.append(round(value / previous_value - 1.0, 4) if previous_value else 0.0)
        previous_value = value
    return list(month_end), returns


def _change(start: float, end: float) -> dict[str, str]:
    return {
        "startVal": f"{start:.2f}",
        "endVal": f"{end:.2f}",
        "chg": f"{end - start:.2f}",
        "rtn": f"{(end / start - 1.0) * 100 if start else 0.0:.4f}",
    }


def _realized(trades: Sequence[Trade]) -> list[float]:
    """Realized P&L of each trade of one contract, by average cost (commissions included)."""
    quantity = cost = 0.0
    gains = []
    for trade in trades:
        gain = -trade.commission
        if quantity and quantity * trade.quantity < 0:  # reducing, closing or flipping
            closed = min(abs(trade.quantity), abs(quantity))
            direction = 1.0 if quantity > 0 else -1.0
            gain += closed * (trade.price - cost) * direction
            remaining = quantity + trade.quantity
            if remaining * quantity < 0:
                cost = trade.price
            quantity = remaining
        else:
            total = quantity + trade.quantity
            cost = (quantity * cost + trade.quantity * trade.price) / total if total else 0.0
            quantity = total
        gains.append(0.0 if trade.transfer else round(gain, 4))
    return gains


def _transaction(trade: Trade, description: str) -> dict[str, Any]:
    return {
        "date": java_date(trade.time),
        "cur": CURRENCY,
        "fxRate": 1,
        "pr": round(trade.price, 4),
        "qty": trade.quantity,
        "acctid": trade.account,
        "amt": round(-trade.quantity * trade.price, 2),
        "conid": trade.conid,
        "type": trade.kind,
        "desc": description,
    }
