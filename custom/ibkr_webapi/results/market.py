"""Market data results: historical bars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from ibkr_webapi_client.models import HistoricalData

from ..dates import parse_ibkr_time
from ..seam import float_or_none, int_or_none, str_or_none

__all__ = ["Bar", "History"]


@attrs.frozen
class Bar:
    """One historical bar with a timezone-aware start time (UTC)."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float


def _price(value: float | None) -> float:
    return float("nan") if value is None else value


@attrs.frozen(kw_only=True)
class History:
    """Historical bars for one contract, plus the gateway's answer as received."""

    conid: int
    symbol: str | None
    text: str | None
    bars: Sequence[Bar]
    bar_length_seconds: int | None
    model: HistoricalData = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, conid: int, model: HistoricalData) -> History:
        bars = []
        for item in model.data if isinstance(model.data, list) else []:
            stamp = int_or_none(item.t, "data[].t")
            if stamp is None:
                continue  # a bar without a time cannot be placed; the model still has it
            bars.append(
                Bar(
                    time=parse_ibkr_time(stamp, epoch_unit="ms"),
                    open=_price(float_or_none(item.o, "data[].o")),
                    high=_price(float_or_none(item.h, "data[].h")),
                    low=_price(float_or_none(item.l, "data[].l")),
                    close=_price(float_or_none(item.c, "data[].c")),
                    volume=_price(float_or_none(item.v, "data[].v")),
                )
            )
        return cls(
            conid=conid,
            symbol=str_or_none(model.symbol, "symbol"),
            text=str_or_none(model.text, "text"),
            bars=tuple(bars),
            bar_length_seconds=int_or_none(model.bar_length, "barLength"),
            model=model,
        )
