"""Portfolio Analyst routes: performance (one period, every period), summary and transactions,
computed from the simulated accounts (see `_analyst`). IBKR allows each 1 request per 15 minutes
(`SimulatorConfig.endpoint_rate_limits`)."""

from __future__ import annotations

from typing import Any

from .._analyst import Analyst
from .._routing import ApiRoute, Call


def _analyst(call: Call) -> Analyst:
    sim = call.sim
    return Analyst(sim.portfolio, sim.market, sim.catalogue, call.now)


async def performance(call: Call) -> Any:
    return _analyst(call).performance(call.json_object())


async def all_periods(call: Call) -> Any:
    body = call.body if isinstance(call.body, dict) else {}
    return _analyst(call).all_periods(body, call.query("param") or None)


async def summary(call: Call) -> Any:
    return _analyst(call).summary(call.json_object())


async def transactions(call: Call) -> Any:
    return _analyst(call).transactions(call.json_object())


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("POST", "/pa/performance", performance, tier="read_only"),
    ApiRoute("POST", "/pa/allperiods", all_periods, tier="read_only"),
    ApiRoute("POST", "/pa/summary", summary, tier="read_only"),
    ApiRoute("POST", "/pa/transactions", transactions, tier="read_only"),
)
