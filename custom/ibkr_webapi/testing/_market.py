"""Moving quotes: a seeded random walk per contract, read lazily at any clock time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ._catalogue import Contract
from ._noise import WALK_ORIGIN, gauss, uniform, walk
from ._pricing import Greeks, black_scholes, forward, smile

DAY = 86_400.0
SECONDS_PER_YEAR = 365.0 * DAY
_HIGH_LOW_SAMPLES = 24  # samples a day (hourly) that make the day's high and low

TradingState = Literal["trading", "halted", "no_trade_today"]


@dataclass(frozen=True, kw_only=True)
class Quote:
    """Top of book and day statistics for one contract at one step of the walk."""

    conid: int
    updated_ms: int
    last: float
    bid: float
    ask: float
    bid_size: int
    ask_size: int
    last_size: int
    open: float
    high: float
    low: float
    prior_close: float
    volume: int
    week52_high: float
    week52_low: float
    state: TradingState

    @property
    def mid(self) -> float:
        return round((self.bid + self.ask) / 2, 4)

    @property
    def change(self) -> float:
        return self.last - self.prior_close

    @property
    def change_percent(self) -> float:
        return 100.0 * self.change / self.prior_close if self.prior_close else 0.0


def round_price(price: float) -> float:
    """Round to the contract's tick: cents above one dollar, 1/100 cent below."""
    return round(price, 2 if price >= 1 else 4)


def _derivative_book(contract: Contract, mid: float) -> tuple[float, float]:
    """Bid and ask of an option (cents, about 3 % wide) or a future (one tick wide)."""
    tick = contract.tick
    if contract.sec_type == "FUT":
        bid = math.floor(mid / tick) * tick
        return round(bid, 2), round(bid + tick, 2)
    half = max(tick, round(mid * 0.015, 2))
    bid = max(0.0, round(mid - half, 2))
    return bid, round(max(bid + tick, mid + half), 2)


class Market:
    """Prices of every catalogue contract as a pure function of (seed, conid, clock time)."""

    def __init__(self, *, seed: int, interval: float, start: float, availability: str) -> None:
        self._seed = seed
        self._default_availability = availability
        self._availability: dict[int, str] = {}
        self._interval = interval
        self._start = start
        self._states: dict[int, TradingState] = {}
        self._origins: dict[int, float] = {}
        self._extremes: dict[int, tuple[int, int, float, float]] = {}  # conid: day, step, hi, lo
        self._grid = max(1, int(DAY / interval) // _HIGH_LOW_SAMPLES)
        self._prices: dict[tuple[int, int], float] = {}

    # --- time and steps
    def step_at(self, when: float) -> int:
        """Walk step in force at epoch seconds `when` (quotes change once per interval)."""
        return WALK_ORIGIN + math.floor((when - self._start) / self._interval)

    def time_of(self, step: int) -> float:
        return self._start + (step - WALK_ORIGIN) * self._interval

    # --- trading state
    def set_state(self, conid: int, state: TradingState) -> None:
        if state == "trading":
            self._states.pop(conid, None)
        else:
            self._states[conid] = state

    def state(self, conid: int) -> TradingState:
        return self._states.get(conid, "trading")

    def set_availability(self, conid: int, code: str | None) -> None:
        """Override field 6509 for one contract ("N..." means no market data); None restores it."""
        if code is None:
            self._availability.pop(conid, None)
        else:
            self._availability[conid] = code

    def availability(self, conid: int) -> str:
        return self._availability.get(conid, self._default_availability)

    def has_market_data(self, conid: int) -> bool:
        return not self.availability(conid).startswith("N")

    # --- prices
    def prior_close(self, contract: Contract, when: float) -> float:
        """Close of the previous (UTC) day: the price at the day's first step."""
        return round_price(
            self._price_at_step(contract, self.step_at(math.floor(when / DAY) * DAY))
        )

    def _price_at_step(self, contract: Contract, step: int) -> float:
        key = (contract.conid, step)
        cached = self._prices.get(key)
        if cached is None:
            if len(self._prices) > 200_000:
                self._prices.clear()
            cached = self._prices[key] = self._compute_price(contract, step)
        return cached

    def _compute_price(self, contract: Contract, step: int) -> float:
        if contract.underlying is not None:
            return self._derivative_price(contract, step)
        sigma = contract.annual_volatility * math.sqrt(self._interval / SECONDS_PER_YEAR)
        origin = self._origins.get(contract.conid)
        if origin is None:
            origin = self._origins[contract.conid] = walk(self._seed, contract.conid, WALK_ORIGIN)
        value = walk(self._seed, contract.conid, step) - origin
        return contract.reference_price * math.exp(sigma * value)

    def _derivative_price(self, contract: Contract, step: int) -> float:
        """An option's or a future's fair value from its underlying's price at the same step."""
        underlying = contract.underlying
        assert underlying is not None
        spot = self._price_at_step(underlying, step)
        years = self._years_left(contract, self.time_of(step))
        if contract.sec_type == "FUT":
            return forward(spot, years, underlying.dividend_yield / 100)
        return self._greeks_at(contract, spot, years).price

    @staticmethod
    def _years_left(contract: Contract, when: float) -> float:
        expires = contract.expires_at if contract.expires_at is not None else when
        return max(0.0, expires - when) / SECONDS_PER_YEAR

    @staticmethod
    def _greeks_at(contract: Contract, spot: float, years: float) -> Greeks:
        underlying = contract.underlying
        assert underlying is not None and contract.strike is not None
        return black_scholes(
            call=contract.right == "C",
            spot=spot,
            strike=contract.strike,
            years=years,
            vol=smile(underlying.annual_volatility, spot, contract.strike),
            dividend_yield=underlying.dividend_yield / 100,
        )

    def greeks(self, contract: Contract, when: float) -> Greeks | None:
        """An option's price, greeks and implied volatility at epoch seconds `when`."""
        if contract.sec_type != "OPT" or contract.underlying is None:
            return None
        step = self.step_at(when)
        spot = self._price_at_step(contract.underlying, step)
        return self._greeks_at(contract, spot, self._years_left(contract, self.time_of(step)))

    def quote(self, contract: Contract, when: float) -> Quote:
        """The full quote at epoch seconds `when`."""
        conid, seed = contract.conid, self._seed
        step = self.step_at(when)
        bid, ask, last = self._top_of_book(contract, step)

        day = math.floor(when / DAY)
        day_start = self.step_at(day * DAY)
        prior_close = self.prior_close(contract, when)
        day_open = round_price(self._price_at_step(contract, day_start + 1))
        high, low = self._day_extremes(contract, day, day_start, step)
        high, low = max(high, last, day_open), min(low, last, day_open)

        elapsed = max(0.0, when - day * DAY) / DAY
        volume = int(contract.average_volume * elapsed * math.exp(0.3 * gauss(seed, conid, day)))
        ref = contract.reference_price
        return Quote(
            conid=conid,
            updated_ms=int(self.time_of(step) * 1000),
            last=last,
            bid=bid,
            ask=ask,
            bid_size=100 * (1 + int(uniform(seed, conid, step, 2) * 40)),
            ask_size=100 * (1 + int(uniform(seed, conid, step, 3) * 40)),
            last_size=1 + int(uniform(seed, conid, step, 4) * 300),
            open=day_open,
            high=high,
            low=low,
            prior_close=prior_close,
            volume=volume,
            week52_high=max(high, round_price(ref * (1.15 + 0.2 * uniform(seed, conid, 5)))),
            week52_low=min(low, round_price(ref * (0.85 - 0.2 * uniform(seed, conid, 6)))),
            state=self.state(conid),
        )

    def last(self, contract: Contract, when: float) -> float:
        """Last traded price at epoch seconds `when` (cheaper than a full quote)."""
        return self._top_of_book(contract, self.step_at(when))[2]

    def _top_of_book(self, contract: Contract, step: int) -> tuple[float, float, float]:
        """Bid, ask and last at one step: a tight spread around the walk; last is bid or ask."""
        mid = self._price_at_step(contract, step)
        if contract.underlying is not None:
            bid, ask = _derivative_book(contract, mid)
        else:
            tick = 0.01 if mid >= 1 else 0.0001
            half_spread = max(tick, round_price(mid * 0.00005))
            bid = round_price(max(tick, mid - half_spread))
            ask = round_price(bid + 2 * half_spread)
        last = bid if uniform(self._seed, contract.conid, step, 1) < 0.5 else ask
        return bid, ask, (last or ask)

    def _day_extremes(
        self, contract: Contract, day: int, day_start: int, step: int
    ) -> tuple[float, float]:
        """High and low of the day so far, sampled every few steps and cached per contract."""
        cached = self._extremes.get(contract.conid)
        if cached and cached[0] == day and cached[1] <= step:
            _, sampled_to, high, low = cached
        else:
            sampled_to, high, low = day_start, 0.0, math.inf
        next_sample = sampled_to + self._grid
        while next_sample <= step:
            price = round_price(self._price_at_step(contract, next_sample))
            high, low = max(high, price), min(low, price)
            sampled_to, next_sample = next_sample, next_sample + self._grid
        if not cached or cached[0] != day or sampled_to >= cached[1]:
            self._extremes[contract.conid] = (day, sampled_to, high, low)
        return high, low
