"""Event contract (ForecastEx) routes: the category tree, a market's contracts, and each contract's
details, rules and trading schedule."""

from __future__ import annotations

from typing import Any

from .._errors import bad_request
from .._events import EventContract
from .._routing import ApiRoute, Call


def _number(call: Call, name: str) -> int:
    text = call.query(name).strip()
    if not text:
        raise bad_request(f"{name} is required")
    if not text.isdigit():
        raise bad_request(f"{name} must be an integer, got '{text}'")
    return int(text)


def _contract(call: Call) -> EventContract:
    conid = _number(call, "conid")
    found = call.sim.events.contract(conid)
    if found is None:
        raise bad_request(f"unknown event contract '{conid}'")
    return found


async def categories(call: Call) -> Any:
    return call.sim.events.categories()


async def market(call: Call) -> Any:
    conid = _number(call, "underlyingConid")
    found = call.sim.events.market(conid)
    exchange = call.query("exchange").strip().upper()
    if found is None or (exchange and exchange != "FORECASTX"):
        raise bad_request(f"no event market with underlyingConid '{conid}'")
    return call.sim.events.market_answer(found)


async def details(call: Call) -> Any:
    return call.sim.events.details(_contract(call))


async def rules(call: Call) -> Any:
    return call.sim.events.rules(_contract(call))


async def schedules(call: Call) -> Any:
    _contract(call)
    return call.sim.events.schedules()


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/forecast/category/tree", categories, tier="read_only"),
    ApiRoute("GET", "/forecast/contract/market", market, tier="read_only"),
    ApiRoute("GET", "/forecast/contract/details", details, tier="read_only"),
    ApiRoute("GET", "/forecast/contract/rules", rules, tier="read_only"),
    ApiRoute("GET", "/forecast/contract/schedules", schedules, tier="read_only"),
)
