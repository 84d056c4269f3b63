"""Market data results: historical bars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from ibkr_webapi_client.models import HistoricalData
from ibkr_webapi_client.types import Unset

from ..dates import parse_ibkr_time
from ..seam import unset_to_none


@attrs.frozen
class Bar:
    """One historical bar with a timezone-aware start time (UTC)."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float


@attrs.frozen
class History:
    """Historical bars for one contract, plus the gateway's answer as received."""

    conid: int
    symbol: str | None
    text: str | None
    bars: Sequence[Bar]
    bar_length_seconds: int | None
    model: HistoricalData

    @classmethod
    def from_model(cls, conid: int, model: HistoricalData) -> History:
        bars = []
        for item in model.data if not isinstance(model.data, Unset) else []:
            stamp = unset_to_none(item.t)
            if not isinstance(stamp, int):
                continue  # a bar without a time cannot be placed; the raw model still has it
            bars.append(
                Bar(
                    time=parse_ibkr_time(stamp),
                    open=_num(item.o),
                    high=_num(item.h),
                    low=_num(item.l),
                    close=_num(item.c),
                    volume=_num(item.v),
                )
            )
        symbol = unset_to_none(model.symbol)
        text = unset_to_none(model.text)
        length = unset_to_none(model.bar_length)
        return cls(
            conid=conid,
            symbol=symbol if isinstance(symbol, str) else None,
            text=text if isinstance(text, str) else None,
            bars=tuple(bars),
            bar_length_seconds=length if isinstance(length, int) else None,
            model=model,
        )


def _num(value: object) -> float:
    value = unset_to_none(value)
    return float(value) if isinstance(value, int | float) else float("nan")
