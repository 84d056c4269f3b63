"""Account routes: account lists and sub-account pages, selecting an account (also dynamically),
signers and owners, and the trading view's summary, funds, balances, margins and market value."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .. import _account_figures as figures
from .._accounts import (
    iserver_accounts,
    portfolio_accounts,
    signatures_and_owners,
    subaccounts_page,
)
from .._errors import GatewayError, bad_request
from .._portfolio import Portfolio
from .._routing import ApiRoute, Call, iserver_route
from .._simulator import SimulatorState

MAX_SUBACCOUNTS = (
    100  # /portfolio/subaccounts lists at most this many (subaccounts2 pages the rest)
)


async def get_iserver_accounts(call: Call) -> Any:
    sim = call.sim
    sim.session.iserver_accounts_seen = True
    session_id = f"{sim.session.session_token[:8]}.{sim.session.generation:08x}"
    return iserver_accounts(
        sim.config.all_accounts,
        session_id=session_id,
        paper=sim.config.paper,
        selected=sim.session.selected_account,
        advisor=sim.config.advisor,
        groups=tuple(sim.advisor.groups),
    )


async def get_portfolio_accounts(call: Call) -> Any:
    sim = call.sim
    sim.session.portfolio_accounts_seen = True
    return portfolio_accounts(sim.config.all_accounts, sim.config.advisor)


async def get_subaccounts(call: Call) -> Any:
    sim = call.sim
    sim.session.portfolio_accounts_seen = True
    accounts = sim.config.accounts if sim.config.advisor else sim.config.all_accounts
    return portfolio_accounts(accounts[:MAX_SUBACCOUNTS], sim.config.advisor)


async def get_subaccounts_page(call: Call) -> Any:
    sim = call.sim
    text = call.query("page")
    if not text.lstrip("-").isdigit():
        raise bad_request("page must be a page number, from 0")
    sim.session.portfolio_accounts_seen = True
    accounts = sim.config.accounts if sim.config.advisor else sim.config.all_accounts
    return subaccounts_page(
        accounts, int(text), sim.config.subaccounts_page_size, sim.config.advisor
    )


def _select(call: Call) -> Any:
    account = call.json_object().get("acctId")
    sim = call.sim
    if not isinstance(account, str) or account not in sim.config.all_accounts:
        raise bad_request(f"Invalid account ID: {account!r}")
    sim.session.select(account)
    return {"set": True, "acctId": account}


async def switch_account(call: Call) -> Any:
    if len(call.sim.config.all_accounts) < 2:
        raise bad_request("switching accounts needs an advisor or multi-account login")
    return _select(call)


def _require_dynamic(sim: SimulatorState) -> None:
    if not sim.config.dynamic_accounts:
        raise GatewayError(
            503,
            {"error": "dynamic accounts are not enabled for this login", "statusCode": 503},
        )


async def search_dynamic_accounts(call: Call) -> Any:
    sim = call.sim
    _require_dynamic(sim)
    pattern = call.path_param("searchPattern")
    found = [
        {"accountId": a, "alias": a, "allocationId": a}
        for a in sim.config.all_accounts
        if a.upper().startswith(pattern.upper())
    ]
    return {"matchedAccounts": found, "pattern": pattern}


async def set_dynamic_account(call: Call) -> Any:
    _require_dynamic(call.sim)
    return _select(call)


async def get_signatures(call: Call) -> Any:
    return signatures_and_owners(call.path_param("accountId"))


Figures = Callable[[str, Portfolio, float], dict[str, Any]]


def _figures(reader: Figures) -> Callable[[Call], Awaitable[Any]]:
    async def handler(call: Call) -> Any:
        return reader(call.path_param("accountId"), call.sim.portfolio, call.now)

    return handler


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/iserver/accounts", get_iserver_accounts),
    ApiRoute("GET", "/portfolio/accounts", get_portfolio_accounts, tier="read_only"),
    ApiRoute("GET", "/portfolio/subaccounts", get_subaccounts, tier="read_only"),
    ApiRoute("GET", "/portfolio/subaccounts2", get_subaccounts_page, tier="read_only"),
    iserver_route("POST", "/iserver/account", switch_account),
    ApiRoute("GET", "/iserver/account/search/{searchPattern}", search_dynamic_accounts),
    ApiRoute("POST", "/iserver/dynaccount", set_dynamic_account),
    ApiRoute("GET", "/acesws/{accountId}/signatures-and-owners", get_signatures, tier="read_only"),
    ApiRoute("GET", "/iserver/account/{accountId}/summary", _figures(figures.trading_summary)),
    ApiRoute(
        "GET",
        "/iserver/account/{accountId}/summary/available_funds",
        _figures(figures.available_funds),
    ),
    ApiRoute("GET", "/iserver/account/{accountId}/summary/balances", _figures(figures.balances)),
    ApiRoute("GET", "/iserver/account/{accountId}/summary/margins", _figures(figures.margins)),
    ApiRoute(
        "GET",
        "/iserver/account/{accountId}/summary/market_value",
        _figures(figures.market_value),
    ),
)
