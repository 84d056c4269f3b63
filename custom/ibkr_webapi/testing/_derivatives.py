"""The simulator's derivatives: option chains on a few stocks and ETFs, quarterly futures on two indexes.

Everything is a pure function of the simulator's first day, so conids are the same in every run that
starts on the same day: options get a block of conids per underlying, numbered in order of expiry,
strike and right.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime, timedelta

from ._catalogue import Contract
from ._pricing import black_scholes, forward, smile

# Underlying symbol -> (first conid of its block, has weekly expiries)
OPTION_UNDERLYINGS: dict[str, tuple[int, bool]] = {
    "AAPL": (600_100_000, True),
    "IBM": (600_200_000, False),
    "SPY": (600_300_000, True),
    "MSFT": (600_400_000, False),
}
# Index symbol -> (first conid of its futures, multiplier)
FUTURE_UNDERLYINGS: dict[str, tuple[int, float]] = {
    "ES": (495_512_550, 50.0),
    "NQ": (563_947_730, 20.0),
}
MONTHLY_EXPIRIES = 6
WEEKLY_WEEKS = 5
QUARTERLY_FUTURES = 5
STRIKE_SPAN = 0.25  # strikes from 25 % below to 25 % above the underlying's price
OPTION_EXCHANGES = "SMART;AMEX;BATS;BOX;CBOE;CBOE2;EDGX;ISE;MIAX;NASDAQOM;PEARL;PHLX"
FUTURE_MONTH_CODES = "FGHJKMNQUVXZ"
EXPIRY_CLOSE_UTC = 20  # 16:00 in New York in summer; close enough for pricing


def third_friday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def month_code(day: date) -> str:
    """The gateway's month of a derivative: ``"MAR24"``."""
    return day.strftime("%b%y").upper()


def _months_ahead(today: date, count: int, every: int = 1) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    year, month = today.year, today.month
    while len(months) < count:
        if (month - 1) % every == every - 1 and third_friday(year, month) >= today:
            months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def option_expiries(today: date, *, weeklies: bool) -> list[date]:
    """Third Fridays of the next months, plus every other Friday of the coming weeks."""
    expiries = {third_friday(y, m) for y, m in _months_ahead(today, MONTHLY_EXPIRIES)}
    if weeklies:
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        expiries.update(friday + timedelta(weeks=w) for w in range(WEEKLY_WEEKS))
    return sorted(expiries)


def strike_step(price: float) -> float:
    if price < 50:
        return 1.0
    if price < 150:
        return 2.5
    if price < 500:
        return 5.0
    return 10.0


def strike_grid(price: float) -> list[float]:
    step = strike_step(price)
    low = math.ceil(price * (1 - STRIKE_SPAN) / step) * step
    high = math.floor(price * (1 + STRIKE_SPAN) / step) * step
    return [round(low + i * step, 2) for i in range(round((high - low) / step) + 1)]


def _close(day: date) -> float:
    return datetime(day.year, day.month, day.day, EXPIRY_CLOSE_UTC, tzinfo=UTC).timestamp()


def _occ_symbol(symbol: str, expiry: date, right: str, strike: float) -> str:
    """``"AAPL  240315C00187500"``: the options' local symbol (OCC format)."""
    return f"{symbol:<6}{expiry:%y%m%d}{right}{round(strike * 1000):08d}"


def _options(underlying: Contract, today: date, first_conid: int, weeklies: bool) -> list[Contract]:
    start = _close(today) - 6.5 * 3600  # the simulator's first day, at the open
    made: list[Contract] = []
    conid = first_conid
    spot = underlying.reference_price
    for expiry in option_expiries(today, weeklies=weeklies):
        closes = _close(expiry)
        years = max(0.0, closes - start) / (365.0 * 86_400)
        for strike in strike_grid(spot):
            moneyness = math.log(strike / spot)
            for right in ("C", "P"):
                theo = black_scholes(
                    call=right == "C",
                    spot=spot,
                    strike=strike,
                    years=years,
                    vol=smile(underlying.annual_volatility, spot, strike),
                    dividend_yield=underlying.dividend_yield / 100,
                )
                made.append(
                    dataclasses.replace(
                        underlying,
                        conid=conid,
                        sec_type="OPT",
                        listing_exchange="CBOE",
                        reference_price=max(0.01, round(theo.price, 2)),
                        average_volume=round(20_000 * math.exp(-40 * moneyness * moneyness)),
                        shares_outstanding=0.0,
                        eps=0.0,
                        dividend_yield=0.0,
                        underlying=underlying,
                        expiry=expiry,
                        expires_at=closes,
                        strike=strike,
                        right=right,
                        multiplier=100.0,
                        trading_class=underlying.symbol,
                        local_symbol=_occ_symbol(underlying.symbol, expiry, right, strike),
                        tick=0.01,
                    )
                )
                conid += 1
    return made


def _futures(index: Contract, today: date, first_conid: int, multiplier: float) -> list[Contract]:
    made: list[Contract] = []
    for n, (year, month) in enumerate(_months_ahead(today, QUARTERLY_FUTURES, every=3)):
        expiry = third_friday(year, month)
        years = max(0.0, _close(expiry) - _close(today)) / (365.0 * 86_400)
        code = f"{index.symbol}{FUTURE_MONTH_CODES[month - 1]}{year % 10}"
        made.append(
            dataclasses.replace(
                index,
                conid=first_conid + n,
                company_name=index.company_name,
                sec_type="FUT",
                reference_price=round(
                    forward(index.reference_price, years, index.dividend_yield / 100) * 4
                )
                / 4,
                average_volume=1.5e6 if n == 0 else 2e5 / (n + 1),
                dividend_yield=0.0,
                underlying=index,
                expiry=expiry,
                expires_at=_close(expiry),
                multiplier=multiplier,
                trading_class=index.symbol,
                local_symbol=code,
                tick=0.25,
            )
        )
    return made


def build_derivatives(underlyings: list[Contract], today: date) -> list[Contract]:
    """Every option and future of the simulator, for its first day ``today``."""
    by_symbol = {c.symbol: c for c in underlyings}
    made: list[Contract] = []
    for symbol, (first, weeklies) in OPTION_UNDERLYINGS.items():
        made += _options(by_symbol[symbol], today, first, weeklies)
    for symbol, (first, multiplier) in FUTURE_UNDERLYINGS.items():
        index = next(c for c in underlyings if c.symbol == symbol and c.sec_type == "IND")
        made += _futures(index, today, first, multiplier)
    return made


def last_trading_day(contract: Contract) -> date | None:
    """Futures stop trading the day before they expire (options on their expiry)."""
    if contract.expiry is None:
        return None
    return contract.expiry - timedelta(days=1) if contract.sec_type == "FUT" else contract.expiry
