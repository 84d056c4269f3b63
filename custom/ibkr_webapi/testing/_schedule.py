"""Trading hours: US stock, option and CME futures sessions, by calendar day or by weekday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ._catalogue import Contract


@dataclass(frozen=True)
class Hours:
    """One venue's hours as "hhmm" in its own time zone; extended opens the day before if late."""

    exchange: str
    description: str
    timezone: str  # what /trsrv/secdef/schedule calls it
    zone_label: str  # what /contract/trading-schedule calls it
    central: bool  # US/Central rather than US/Eastern
    extended: tuple[str, str]
    liquid: tuple[str, str]


NASDAQ = Hours(
    "NASDAQ", "Nasdaq", "America/New_York", "US/Eastern", False, ("0400", "2000"), ("0930", "1600")
)
NYSE = Hours(
    "NYSE",
    "New York Stock Exchange",
    "America/New_York",
    "US/Eastern",
    False,
    ("0400", "2000"),
    ("0930", "1600"),
)
ARCA = Hours(
    "ARCA", "NYSE Arca", "America/New_York", "US/Eastern", False, ("0400", "2000"), ("0930", "1600")
)
CBOE = Hours(
    "CBOE",
    "Cboe Options",
    "America/New_York",
    "US/Eastern",
    False,
    ("0930", "1600"),
    ("0930", "1600"),
)
CME = Hours("CME", "Chicago Mercantile Exchange", "America/Chicago", "US/Central", True, ("1700", "1600"), ("0830", "1500"))  # fmt: skip
VENUES = {h.exchange: h for h in (NASDAQ, NYSE, ARCA, CBOE, CME)}


def venue(contract: Contract) -> Hours:
    if contract.sec_type == "OPT":
        return CBOE
    return VENUES.get(contract.listing_exchange, NYSE)


def _second_sunday_of_march(year: int) -> date:
    first = date(year, 3, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def _first_sunday_of_november(year: int) -> date:
    first = date(year, 11, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7)


def utc_offset_hours(day: date, *, central: bool) -> int:
    """US Eastern (or Central) offset from UTC on ``day``: daylight saving from March to November."""
    summer = _second_sunday_of_march(day.year) <= day < _first_sunday_of_november(day.year)
    return (-4 if summer else -5) - (1 if central else 0)


def _epoch(day: date, hhmm: str, offset: int) -> int:
    local = datetime(day.year, day.month, day.day, int(hhmm[:2]), int(hhmm[2:]), tzinfo=UTC)
    return int((local - timedelta(hours=offset)).timestamp())


def _trading_days(today: date, before: int, after: int) -> list[date]:
    days: list[date] = []
    day = today
    while len([d for d in days if d < today]) < before:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.insert(0, day)
    day = today
    while len([d for d in days if d >= today]) < after:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def contract_schedule(contract: Contract, today: date) -> dict[str, Any]:
    """``/contract/trading-schedule``: liquid and extended hours of the previous and next trading
    days, as epoch seconds, by day."""
    hours = venue(contract)
    schedules: dict[str, Any] = {}
    for day in _trading_days(today, 1, 5):
        offset = utc_offset_hours(day, central=hours.central)
        open_day = day - timedelta(days=1) if hours.extended[0] > hours.extended[1] else day
        schedules[day.strftime("%Y%m%d")] = {
            "extended_hours": [
                {
                    "cancel_daily_orders": True,
                    "opening": _epoch(open_day, hours.extended[0], offset),
                    "closing": _epoch(day, hours.extended[1], offset),
                }
            ],
            "liquid_hours": [
                {
                    "opening": _epoch(day, hours.liquid[0], offset),
                    "closing": _epoch(day, hours.liquid[1], offset),
                }
            ],
        }
    return {"exchange_time_zone": hours.zone_label, "schedules": schedules}


def weekly_schedule(hours: Hours, venue_id: int) -> dict[str, Any]:
    """``/trsrv/secdef/schedule`` for one venue: a week, 20000101 (Saturday) to 20000107 (Friday)."""
    days = []
    for n in range(7):
        weekday = n >= 2
        days.append(
            {
                "clearingCycleEndTime": "1700" if weekday else "0000",
                "tradingScheduleDate": f"2000010{n + 1}",
                "sessions": (
                    [
                        {
                            "openingTime": hours.liquid[0],
                            "closingTime": hours.liquid[1],
                            "prop": "LIQUID",
                        }
                    ]
                    if weekday
                    else []
                ),
                "tradingtimes": (
                    [
                        {
                            "openingTime": hours.extended[0],
                            "closingTime": hours.extended[1],
                            "cancelDayOrders": "Y",
                        }
                    ]
                    if weekday
                    else []
                ),
            }
        )
    return {
        "id": f"p{101_700 + venue_id}",
        "tradeVenueId": f"v{13_000 + venue_id}",
        "exchange": hours.exchange,
        "description": hours.description,
        "timezone": hours.timezone,
        "schedules": days,
    }
