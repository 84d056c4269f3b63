"""Option prices and greeks (Black-Scholes with a dividend yield), and a volatility smile."""

from __future__ import annotations

import math
from dataclasses import dataclass

RATE = 0.045  # the simulated risk-free rate (annual, continuous)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / _SQRT_2PI


def smile(base_vol: float, spot: float, strike: float) -> float:
    """Implied volatility of one strike: higher away from the money, a little higher below it."""
    x = max(-0.5, min(0.5, math.log(strike / spot)))
    return base_vol * (1.0 + 1.5 * x * x - 0.3 * x)


@dataclass(frozen=True)
class Greeks:
    """What a snapshot shows for an option besides its price."""

    price: float
    delta: float
    gamma: float
    theta: float  # per calendar day
    vega: float  # per volatility point (1 %)
    implied_vol: float  # a fraction: 0.25 is 25 %


def black_scholes(
    *, call: bool, spot: float, strike: float, years: float, vol: float, dividend_yield: float
) -> Greeks:
    """Price and greeks of a European option; at or past expiry, the intrinsic value."""
    if years <= 0 or vol <= 0:
        intrinsic = max(0.0, spot - strike) if call else max(0.0, strike - spot)
        delta = (1.0 if spot > strike else 0.0) if call else (-1.0 if spot < strike else 0.0)
        return Greeks(intrinsic, delta, 0.0, 0.0, 0.0, vol)
    root = math.sqrt(years)
    d1 = (math.log(spot / strike) + (RATE - dividend_yield + 0.5 * vol * vol) * years) / (
        vol * root
    )
    d2 = d1 - vol * root
    carry, discount = math.exp(-dividend_yield * years), math.exp(-RATE * years)
    if call:
        price = spot * carry * _cdf(d1) - strike * discount * _cdf(d2)
        delta = carry * _cdf(d1)
        theta_year = (
            -spot * carry * _pdf(d1) * vol / (2 * root)
            - RATE * strike * discount * _cdf(d2)
            + dividend_yield * spot * carry * _cdf(d1)
        )
    else:
        price = strike * discount * _cdf(-d2) - spot * carry * _cdf(-d1)
        delta = -carry * _cdf(-d1)
        theta_year = (
            -spot * carry * _pdf(d1) * vol / (2 * root)
            + RATE * strike * discount * _cdf(-d2)
            - dividend_yield * spot * carry * _cdf(-d1)
        )
    gamma = carry * _pdf(d1) / (spot * vol * root)
    vega = spot * carry * _pdf(d1) * root / 100.0
    return Greeks(max(0.0, price), delta, gamma, theta_year / 365.0, vega, vol)


def forward(spot: float, years: float, dividend_yield: float) -> float:
    """A future's fair price: the spot carried at the risk-free rate less the dividend yield."""
    return spot * math.exp((RATE - dividend_yield) * max(0.0, years))
