"""Portfolio routes: positions pages, one position, summary, ledger, partitioned P&L."""

from __future__ import annotations

from typing import Any

from .._accounts import (
    account_summary,
    ledger,
    partitioned_pnl,
)
from .._routing import ApiRoute, Call, portfolio_route
from ._common import int_param


async def positions(call: Call) -> Any:
    sim = call.sim
    return sim.portfolio.positions_page(
        call.path_param("accountId"),
        int_param(call, "pageId"),
        sim.config.positions_page_size,
        call.now,
        sort=call.query("sort", "name") or "name",
        descending=call.query("direction", "a").lower().startswith("d"),
        model=call.query("model"),
    )


async def position(call: Call) -> Any:
    sim, account = call.sim, call.path_param("accountId")
    holding = sim.portfolio.holding(account, int_param(call, "conid"))
    if holding is None:
        return []
    return [sim.portfolio.position_item(account, holding, call.now, sim.config.positions_page_size)]


async def summary(call: Call) -> Any:
    return account_summary(call.path_param("accountId"), call.sim.portfolio, call.now)


async def get_ledger(call: Call) -> Any:
    return ledger(
        call.path_param("accountId"), call.sim.portfolio, call.now, call.sim.session.generation
    )


async def pnl(call: Call) -> Any:
    sim = call.sim
    if sim.config.pnl_preflight and not sim.session.pnl_primed:
        sim.session.pnl_primed = True
        return {"upnl": {}}
    return partitioned_pnl(sim.portfolio, call.now)


ROUTES: tuple[ApiRoute, ...] = (
    portfolio_route("GET", "/portfolio/{accountId}/positions/{pageId}", positions),
    portfolio_route("GET", "/portfolio/{accountId}/position/{conid}", position),
    portfolio_route("GET", "/portfolio/{accountId}/summary", summary),
    portfolio_route("GET", "/portfolio/{accountId}/ledger", get_ledger),
    ApiRoute("GET", "/iserver/account/pnl/partitioned", pnl),
)
