"""Account routes: the brokerage and portfolio account lists."""

from __future__ import annotations

from typing import Any

from .._accounts import (
    iserver_accounts,
    portfolio_accounts,
)
from .._routing import ApiRoute, Call


async def get_iserver_accounts(call: Call) -> Any:
    sim = call.sim
    sim.session.iserver_accounts_seen = True
    session_id = f"{sim.session.session_token[:8]}.{sim.session.generation:08x}"
    return iserver_accounts(sim.config.accounts, session_id=session_id, paper=sim.config.paper)


async def get_portfolio_accounts(call: Call) -> Any:
    call.sim.session.portfolio_accounts_seen = True
    return portfolio_accounts(call.sim.config.accounts)


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/iserver/accounts", get_iserver_accounts),
    ApiRoute("GET", "/portfolio/accounts", get_portfolio_accounts, tier="read_only"),
    ApiRoute("GET", "/portfolio/subaccounts", get_portfolio_accounts, tier="read_only"),
)
