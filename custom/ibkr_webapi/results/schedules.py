"""Trading hours: one contract's sessions by day, and a symbol's weekly hours on each exchange."""

from __future__ import annotations

from datetime import date, datetime, time

import attrs

from ibkr_webapi_client.models import ContractTradingSchedule as ContractTradingScheduleModel
from ibkr_webapi_client.models import DayTradingHours, ScheduleTimes
from ibkr_webapi_client.models import TradingHours as TradingHoursModel
from ibkr_webapi_client.models import TradingSchedule as TradingScheduleModel
from ibkr_webapi_client.models import TradingScheduleDay as TradingScheduleDayModel

from ..seam import bool_or_none, model_or_none, required, str_or_none
from ._fields import epoch_time, hhmm, items, ymd

__all__ = [
    "ContractSchedule",
    "ExchangeSchedule",
    "SessionTimes",
    "TradingDay",
    "TradingSession",
    "VenueDay",
]

# /trsrv/secdef/schedule writes "any Saturday" .. "any Friday" as 2000-01-01 .. 2000-01-07.
_ANY_WEEKDAY = {date(2000, 1, n): name for n, name in enumerate(
    ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"), start=1
)}  # fmt: skip


@attrs.frozen
class TradingSession:
    """One stretch of trading, as aware UTC datetimes."""

    opening: datetime
    closing: datetime
    cancels_day_orders: bool | None = None

    def __contains__(self, when: object) -> bool:
        return isinstance(when, datetime) and self.opening <= when < self.closing

    @classmethod
    def from_model(cls, model: TradingHoursModel, where: str) -> TradingSession:
        return cls(
            opening=required(epoch_time(model.opening, f"{where}.opening"), f"{where}.opening"),
            closing=required(epoch_time(model.closing, f"{where}.closing"), f"{where}.closing"),
            cancels_day_orders=bool_or_none(
                model.cancel_daily_orders, f"{where}.cancel_daily_orders"
            ),
        )


@attrs.frozen(kw_only=True)
class TradingDay:
    """A trading day's liquid (regular) and extended sessions."""

    day: date
    liquid: tuple[TradingSession, ...]
    extended: tuple[TradingSession, ...]

    @classmethod
    def from_model(cls, key: str, model: DayTradingHours) -> TradingDay:
        where = f"schedules.{key}"
        return cls(
            day=required(ymd(key, where), where),
            liquid=tuple(
                TradingSession.from_model(h, f"{where}.liquid_hours[]")
                for h in items(model.liquid_hours, f"{where}.liquid_hours")
            ),
            extended=tuple(
                TradingSession.from_model(h, f"{where}.extended_hours[]")
                for h in items(model.extended_hours, f"{where}.extended_hours")
            ),
        )


@attrs.frozen(kw_only=True)
class ContractSchedule:
    """A contract's trading hours for the previous and the coming trading days
    (``/contract/trading-schedule``); days without trading are absent."""

    timezone: str | None
    """The exchange's time zone as the gateway names it (``"US/Eastern"``); times are UTC."""
    days: tuple[TradingDay, ...]
    model: ContractTradingScheduleModel = attrs.field(repr=False, eq=False)

    def on(self, day: date) -> TradingDay | None:
        """The hours of ``day``; ``None`` when the contract does not trade then."""
        return next((d for d in self.days if d.day == day), None)

    def is_open(self, when: datetime, *, extended: bool = False) -> bool:
        """Whether ``when`` (aware) falls in a liquid session (or an extended one)."""
        return any(
            when in session
            for day in self.days
            for session in (day.extended if extended else day.liquid)
        )

    @classmethod
    def from_model(cls, model: ContractTradingScheduleModel) -> ContractSchedule:
        schedules = model_or_none(model.schedules)
        by_day = {} if schedules is None else schedules.additional_properties
        days = sorted(
            (TradingDay.from_model(key, hours) for key, hours in by_day.items()),
            key=lambda d: d.day,
        )
        return cls(
            timezone=str_or_none(model.exchange_time_zone, "exchange_time_zone"),
            days=tuple(days),
            model=model,
        )


@attrs.frozen
class SessionTimes:
    """Opening and closing times of day, in the exchange's time zone."""

    opening: time | None
    closing: time | None
    kind: str | None = None
    """``"LIQUID"`` for the regular session, when the gateway says so."""
    cancels_day_orders: bool | None = None

    @classmethod
    def from_model(cls, model: ScheduleTimes, where: str) -> SessionTimes:
        cancels = str_or_none(model.cancel_day_orders, f"{where}.cancelDayOrders")
        return cls(
            opening=hhmm(model.opening_time, f"{where}.openingTime"),
            closing=hhmm(model.closing_time, f"{where}.closingTime"),
            kind=str_or_none(model.prop, f"{where}.prop"),
            cancels_day_orders=None if cancels is None else cancels.upper() == "Y",
        )


@attrs.frozen(kw_only=True)
class VenueDay:
    """One day of an exchange's schedule: either any ``weekday`` or one specific date (a holiday
    or a short day)."""

    weekday: str | None
    """``"Monday"`` .. ``"Sunday"`` when the entry stands for every such day."""
    on: date | None
    """The date, when the entry is for one date only."""
    trading_times: tuple[SessionTimes, ...]
    liquid_sessions: tuple[SessionTimes, ...]
    clearing_cycle_end: time | None

    @classmethod
    def from_model(cls, model: TradingScheduleDayModel) -> VenueDay:
        day = ymd(model.trading_schedule_date, "schedules[].tradingScheduleDate")
        weekday = None if day is None else _ANY_WEEKDAY.get(day)
        return cls(
            weekday=weekday,
            on=None if weekday is not None else day,
            trading_times=tuple(
                SessionTimes.from_model(t, "schedules[].tradingtimes[]")
                for t in items(model.tradingtimes, "schedules[].tradingtimes")
            ),
            liquid_sessions=tuple(
                SessionTimes.from_model(t, "schedules[].sessions[]")
                for t in items(model.sessions, "schedules[].sessions")
            ),
            clearing_cycle_end=hhmm(
                model.clearing_cycle_end_time, "schedules[].clearingCycleEndTime"
            ),
        )


@attrs.frozen(kw_only=True)
class ExchangeSchedule:
    """A symbol's weekly hours on one exchange (``/trsrv/secdef/schedule``), in ``timezone``."""

    exchange: str | None
    description: str | None
    timezone: str | None
    """An IANA zone name such as ``"America/New_York"``: the zone of every time here."""
    days: tuple[VenueDay, ...]
    model: TradingScheduleModel = attrs.field(repr=False, eq=False)

    def weekday(self, name: str) -> VenueDay | None:
        """The usual hours of ``"Monday"`` .. ``"Sunday"``."""
        return next((d for d in self.days if d.weekday == name.capitalize()), None)

    @classmethod
    def from_model(cls, model: TradingScheduleModel) -> ExchangeSchedule:
        return cls(
            exchange=str_or_none(model.exchange, "exchange"),
            description=str_or_none(model.description, "description"),
            timezone=str_or_none(model.timezone, "timezone"),
            days=tuple(VenueDay.from_model(d) for d in items(model.schedules, "schedules")),
            model=model,
        )
