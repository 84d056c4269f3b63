"""Market data results: historical bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import attrs

from ibkr_webapi_client.models import HistoricalData

from ..dates import parse_ibkr_time
from ..errors import UnexpectedResponseError
from ..seam import (
    float_or_none,
    int_or_none,
    json_object,
    str_or_none,
    wire_int,
    wire_number,
    wire_text,
)

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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BAR_KEYS = ("o", "h", "l", "c", "v")


def _bar_from_json(item: object) -> Bar | None:
    """One bar of the answer, every value checked; ``None`` for a bar without a time."""
    bar = json_object(item, "data[]")
    stamp = bar.get("t")
    if not (isinstance(stamp, int) and not isinstance(stamp, bool)):
        stamp = wire_int(bar, "t", "data[].")
        if stamp is None:
            return None  # a bar without a time cannot be placed
    prices = []
    for key in _BAR_KEYS:
        value = bar.get(key)
        if not isinstance(value, float):
            value = wire_number(bar, key, "data[].")
        prices.append(float("nan") if value is None else value)
    try:
        when = _EPOCH + timedelta(milliseconds=stamp)
    except OverflowError:
        raise UnexpectedResponseError(
            f"the gateway sent data[].t={stamp}, which is not a time in epoch milliseconds; "
            "the answer's shape changed or is damaged"
        ) from None
    return Bar(when, *prices)


@attrs.frozen(kw_only=True)
class History:
    """Historical bars for one contract, plus the gateway's answer as received."""

    conid: int
    symbol: str | None
    text: str | None
    bars: Sequence[Bar]
    bar_length_seconds: int | None
    _source: HistoricalData | Mapping[str, object] = attrs.field(
        repr=False, eq=False, alias="source"
    )

    @property
    def model(self) -> HistoricalData:
        """The answer as the generated ``ibkr_webapi_client.models.HistoricalData`` (made on demand)."""
        if isinstance(self._source, HistoricalData):
            return self._source
        return HistoricalData.from_dict(dict(self._source))

    @classmethod
    def from_json(cls, conid: int, data: Mapping[str, object]) -> History:
        """Read the answer as decoded from JSON: up to 1,000 bars, no generated model per bar."""
        items = data.get("data")
        bars = (
            [bar for bar in map(_bar_from_json, items) if bar is not None]
            if isinstance(items, list)
            else []
        )
        return cls(
            conid=conid,
            symbol=wire_text(data, "symbol", ""),
            text=wire_text(data, "text", ""),
            bars=tuple(bars),
            bar_length_seconds=wire_int(data, "barLength", ""),
            source=data,
        )

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
            source=model,
        )
