"""Historical bars: period/bar validation and deterministic OHLCV built on the same walk as quotes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ._catalogue import Contract
from ._errors import bad_request
from ._market import SECONDS_PER_YEAR, Market, round_price
from ._noise import gauss

# unit: (seconds, smallest count, largest count) of the `period` parameter
PERIOD_UNITS = {
    "min": (60, 1, 30),
    "h": (3600, 1, 8),
    "d": (86_400, 1, 1000),
    "w": (604_800, 1, 792),
    "m": (2_592_000, 1, 182),
    "y": (31_536_000, 1, 15),
}
BAR_SIZES = {
    "1min": 60,
    "2min": 120,
    "3min": 180,
    "5min": 300,
    "10min": 600,
    "15min": 900,
    "30min": 1800,
    "1h": 3600,
    "2h": 7200,
    "3h": 10_800,
    "4h": 14_400,
    "8h": 28_800,
    "1d": 86_400,
    "1w": 604_800,
    "1m": 2_592_000,
}
_DURATION = re.compile(r"^(\d+)(min|h|d|w|m|y)$")
START_TIME_FORMAT = "%Y%m%d-%H:%M:%S"


@dataclass(frozen=True)
class HistoryRequest:
    """Validated parameters of GET /iserver/marketdata/history."""

    period: str
    period_seconds: int
    bar: str
    bar_seconds: int
    end: float | None
    outside_rth: bool
    source: str

    @classmethod
    def parse(
        cls, period: str, bar: str, start_time: str | None, outside_rth: bool, source: str
    ) -> HistoryRequest:
        """Check the parameters the way the gateway does; raises a 400 GatewayError."""
        period, bar = period.strip().lower(), bar.strip().lower()
        match = _DURATION.match(period)
        if not match or match.group(2) not in PERIOD_UNITS:
            raise bad_request(f"invalid period '{period}'")
        count, unit = int(match.group(1)), match.group(2)
        unit_seconds, smallest, largest = PERIOD_UNITS[unit]
        if not smallest <= count <= largest:
            raise bad_request(f"period '{period}' out of range: {smallest}-{largest}{unit}")
        if bar not in BAR_SIZES:
            raise bad_request(f"invalid bar size '{bar}'; use one of {', '.join(BAR_SIZES)}")
        if BAR_SIZES[bar] > count * unit_seconds:
            raise bad_request(f"bar size '{bar}' is longer than period '{period}'")
        end = None
        if start_time:
            try:
                parsed = datetime.strptime(start_time, START_TIME_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                raise bad_request(
                    f"invalid startTime '{start_time}', expected YYYYMMDD-hh:mm:ss"
                ) from None
            end = parsed.timestamp()
        return cls(period, count * unit_seconds, bar, BAR_SIZES[bar], end, outside_rth, source)


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(START_TIME_FORMAT)


def history(
    contract: Contract,
    request: HistoryRequest,
    market: Market,
    now: float,
    *,
    seed: int,
    max_bars: int,
) -> dict[str, Any]:
    """Body of a history answer: the most recent bars up to `max_bars`, oldest first."""
    length = request.bar_seconds
    end = min(request.end or now, now)
    last_start = math.floor(end / length) * length
    count = min(math.ceil(request.period_seconds / length), max_bars)
    starts = [last_start - (count - 1 - i) * length for i in range(count)]
    opens = [market.last(contract, t) for t in starts] + [market.last(contract, end)]
    sigma = contract.annual_volatility * math.sqrt(length / SECONDS_PER_YEAR)
    trades = request.source.lower() in ("trades", "last", "")
    bars: list[dict[str, Any]] = []
    for i, start in enumerate(starts):
        o, c = opens[i], opens[i + 1]
        index = int(start // length)
        wick_up = abs(gauss(seed, contract.conid, length, index, 1)) * sigma * 0.5
        wick_down = abs(gauss(seed, contract.conid, length, index, 2)) * sigma * 0.5
        volume = (
            contract.average_volume
            * min(1.0, length / 86_400)
            * math.exp(0.4 * gauss(seed, contract.conid, length, index, 3))
        )
        bars.append(
            {
                "o": o,
                "c": c,
                "h": round_price(max(o, c) * (1 + wick_up)),
                "l": round_price(min(o, c) * (1 - wick_down)),
                "v": float(round(volume / 100)) if trades else 0.0,
                "t": int(start * 1000),
            }
        )
    high = max(bars, key=lambda b: b["h"])
    low = min(bars, key=lambda b: b["l"])
    first = starts[0]

    def extreme(bar: dict[str, Any], key: str) -> str:
        minutes = int((bar["t"] / 1000 - first) // 60)
        return f"{round(bar[key] * 100)}/{int(bar['v'])}/{minutes}"

    return {
        "serverId": "20477",
        "symbol": contract.symbol,
        "text": contract.company_name,
        "priceFactor": 100,
        "startTime": _stamp(first),
        "high": extreme(high, "h"),
        "low": extreme(low, "l"),
        "timePeriod": request.period,
        "barLength": length,
        "mdAvailability": "S",
        "mktDataDelay": 0,
        "outsideRth": request.outside_rth,
        "volumeFactor": 1,
        "priceDisplayRule": 1,
        "priceDisplayValue": "2",
        "chartPanStartTime": _stamp(first),
        "direction": -1,
        "negativeCapable": False,
        "messageVersion": 2,
        "data": bars,
        "points": len(bars) - 1,
        "travelTime": 40,
    }
