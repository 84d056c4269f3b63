"""Event contract (ForecastEx) results: categories, markets, contracts, rules, schedules."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from ibkr_webapi_client.models import EventCategories as EventCategoriesModel
from ibkr_webapi_client.models import EventCategory as EventCategoryModel
from ibkr_webapi_client.models import EventContract as EventContractModel
from ibkr_webapi_client.models import EventContractDetails as EventContractDetailsModel
from ibkr_webapi_client.models import EventContractRules as EventContractRulesModel
from ibkr_webapi_client.models import EventMarket as EventMarketModel
from ibkr_webapi_client.models import EventMarketRef as EventMarketRefModel
from ibkr_webapi_client.models import EventSchedules as EventSchedulesModel

from ..seam import (
    float_or_none,
    int_id,
    int_or_none,
    model_or_none,
    required,
    str_or_none,
)
from ._fields import epoch_time, items, ymd

__all__ = [
    "EventCategory",
    "EventContract",
    "EventContractDetails",
    "EventMarket",
    "EventMarketRef",
    "EventRules",
    "EventSchedule",
    "EventTradingDay",
]


@attrs.frozen(kw_only=True)
class EventMarketRef:
    """A market listed under a category; ``conid`` goes to ``ib.events.market(...)``."""

    conid: int
    name: str | None
    symbol: str | None
    exchange: str | None
    product_conid: int | None

    @classmethod
    def from_model(cls, model: EventMarketRefModel) -> EventMarketRef:
        return cls(
            conid=required(int_or_none(model.conid, "markets[].conid"), "markets[].conid"),
            name=str_or_none(model.name, "markets[].name"),
            symbol=str_or_none(model.symbol, "markets[].symbol"),
            exchange=str_or_none(model.exchange, "markets[].exchange"),
            product_conid=int_or_none(model.product_conid, "markets[].product_conid"),
        )


@attrs.frozen(kw_only=True)
class EventCategory:
    """One node of the category tree; ``parent_id`` is ``None`` at the top."""

    id: str
    name: str | None
    parent_id: str | None
    markets: tuple[EventMarketRef, ...]

    @classmethod
    def from_model(cls, category_id: str, model: EventCategoryModel) -> EventCategory:
        return cls(
            id=category_id,
            name=str_or_none(model.name, "categories.*.name"),
            parent_id=str_or_none(model.parent_id, "categories.*.parent_id"),
            markets=tuple(
                EventMarketRef.from_model(m) for m in items(model.markets, "categories.*.markets")
            ),
        )

    @staticmethod
    def read_tree(model: EventCategoriesModel) -> list[EventCategory]:
        found = model_or_none(model.categories)
        tree = {} if found is None else found.additional_properties
        return [EventCategory.from_model(key, value) for key, value in tree.items()]


@attrs.frozen(kw_only=True)
class EventContract:
    """One side (``"Y"`` or ``"N"``) of one strike of a market."""

    conid: int
    side: str | None
    strike: float | None
    strike_label: str | None
    expiration: date | None
    expiry_label: str | None
    underlying_conid: int | None
    time_specifier: str | None

    @classmethod
    def from_model(cls, model: EventContractModel) -> EventContract:
        return cls(
            conid=required(int_or_none(model.conid, "contracts[].conid"), "contracts[].conid"),
            side=str_or_none(model.side, "contracts[].side"),
            strike=float_or_none(model.strike, "contracts[].strike"),
            strike_label=str_or_none(model.strike_label, "contracts[].strike_label"),
            expiration=ymd(model.expiration, "contracts[].expiration"),
            expiry_label=str_or_none(model.expiry_label, "contracts[].expiry_label"),
            underlying_conid=int_or_none(model.underlying_conid, "contracts[].underlying_conid"),
            time_specifier=str_or_none(model.time_specifier, "contracts[].time_specifier"),
        )


@attrs.frozen(kw_only=True)
class EventMarket:
    """A market's contracts: a YES and a NO contract per strike."""

    name: str | None
    symbol: str | None
    exchange: str | None
    payout: float | None
    contracts: tuple[EventContract, ...]
    model: EventMarketModel = attrs.field(repr=False, eq=False)

    @property
    def strikes(self) -> tuple[float, ...]:
        return tuple(sorted({c.strike for c in self.contracts if c.strike is not None}))

    @classmethod
    def from_model(cls, model: EventMarketModel) -> EventMarket:
        return cls(
            name=str_or_none(model.market_name, "market_name"),
            symbol=str_or_none(model.symbol, "symbol"),
            exchange=str_or_none(model.exchange, "exchange"),
            payout=float_or_none(model.payout, "payout"),
            contracts=tuple(
                EventContract.from_model(c) for c in items(model.contracts, "contracts")
            ),
            model=model,
        )


@attrs.frozen(kw_only=True)
class EventContractDetails:
    """One event contract: its question, strike, side, and the conids of both sides."""

    conid_yes: int | None
    conid_no: int | None
    question: str | None
    side: str | None
    strike: float | None
    strike_label: str | None
    exchange: str | None
    symbol: str | None
    expiration: date | None
    measured_period: str | None
    market_name: str | None
    underlying_conid: int | None
    category: str | None
    payout: float | None
    model: EventContractDetailsModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: EventContractDetailsModel) -> EventContractDetails:
        return cls(
            conid_yes=int_or_none(model.conid_yes, "conid_yes"),
            conid_no=int_or_none(model.conid_no, "conid_no"),
            question=str_or_none(model.question, "question"),
            side=str_or_none(model.side, "side"),
            strike=float_or_none(model.strike, "strike"),
            strike_label=str_or_none(model.strike_label, "strike_label"),
            exchange=str_or_none(model.exchange, "exchange"),
            symbol=str_or_none(model.symbol, "symbol"),
            expiration=ymd(model.expiration, "expiration"),
            measured_period=str_or_none(model.measured_period, "measured_period"),
            market_name=str_or_none(model.market_name, "market_name"),
            underlying_conid=int_id(model.underlying_conid, "underlying_conid"),
            category=str_or_none(model.category, "category"),
            payout=float_or_none(model.payout, "payout"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class EventRules:
    """How an event contract resolves and trades."""

    description: str | None
    market_name: str | None
    measured_period: str | None
    threshold: str | None
    source_agency: str | None
    resolution_link: str | None
    rules_link: str | None
    product_code: str | None
    last_trade_time: datetime | None
    release_time: datetime | None
    payout_time: datetime | None
    payout: str | None
    price_increment: str | None
    exchange_timezone: str | None
    model: EventContractRulesModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: EventContractRulesModel) -> EventRules:
        return cls(
            description=str_or_none(model.description, "description"),
            market_name=str_or_none(model.market_name, "market_name"),
            measured_period=str_or_none(model.measured_period, "measured_period"),
            threshold=str_or_none(model.threshold, "threshold"),
            source_agency=str_or_none(model.source_agency, "source_agency"),
            resolution_link=str_or_none(model.data_and_resolution_link, "data_and_resolution_link"),
            rules_link=str_or_none(model.market_rules_link, "market_rules_link"),
            product_code=str_or_none(model.product_code, "product_code"),
            last_trade_time=epoch_time(model.last_trade_time, "last_trade_time"),
            release_time=epoch_time(model.release_time, "release_time"),
            payout_time=epoch_time(model.payout_time, "payout_time"),
            payout=str_or_none(model.payout, "payout"),
            price_increment=str_or_none(model.price_increment, "price_increment"),
            exchange_timezone=str_or_none(model.exchange_timezone, "exchange_timezone"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class EventTradingDay:
    """The trading times of one weekday, as the gateway writes them (``("12:00 AM", "4:00 PM")``)."""

    day_of_week: str | None
    times: tuple[tuple[str | None, str | None], ...]


@attrs.frozen(kw_only=True)
class EventSchedule:
    """When an event contract trades, by weekday, in ``timezone``."""

    timezone: str | None
    days: tuple[EventTradingDay, ...]
    model: EventSchedulesModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: EventSchedulesModel) -> EventSchedule:
        where = "trading_schedules[]"
        return cls(
            timezone=str_or_none(model.timezone, "timezone"),
            days=tuple(
                EventTradingDay(
                    day_of_week=str_or_none(day.day_of_week, f"{where}.day_of_week"),
                    times=tuple(
                        (
                            str_or_none(t.open_, f"{where}.trading_times[].open"),
                            str_or_none(t.close, f"{where}.trading_times[].close"),
                        )
                        for t in items(day.trading_times, f"{where}.trading_times")
                    ),
                )
                for day in items(model.trading_schedules, "trading_schedules")
            ),
            model=model,
        )
