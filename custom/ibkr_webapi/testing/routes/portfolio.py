"""Portfolio routes: positions pages, one position, positions across accounts, combination
positions, the positions cache, account meta, allocation, summary, ledger and partitioned P&L.

For an advisor login the selected account (POST /iserver/account) scopes what is read across
accounts: the master account sees every account, a sub-account only itself.
"""

from __future__ import annotations

from typing import Any

from .._accounts import (
    account_summary,
    ledger,
    partitioned_pnl,
    portfolio_account,
)
from .._errors import bad_request
from .._routing import ApiRoute, Call, portfolio_route
from .._simulator import SimulatorState
from ._common import int_param, known_contract


def visible_accounts(sim: SimulatorState) -> tuple[str, ...]:
    """The accounts calls without an account in their path act on, given the selected account."""
    config, selected = sim.config, sim.session.selected_account
    if config.advisor is not None and selected != config.advisor:
        return (selected,)
    return config.all_accounts


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


async def positions_by_conid(call: Call) -> Any:
    sim = call.sim
    contract = known_contract(call, call.path_param("conid"))
    answer: dict[str, Any] = {}
    for account in visible_accounts(sim):
        holding = sim.portfolio.holding(account, contract.conid)
        if holding is not None:
            item = sim.portfolio.position_item(
                account, holding, call.now, sim.config.positions_page_size
            )
            answer[account] = [item]
    return answer


async def invalidate(call: Call) -> Any:
    return {"message": "success"}


async def combo_positions(call: Call) -> Any:
    sim, account = call.sim, call.path_param("accountId")
    answer = []
    for combo in sim.portfolio.combos[account]:
        legs = [{"conid": str(conid), "ratio": ratio} for conid, ratio in combo.legs]
        held = [
            sim.portfolio.position_item(account, h, call.now, sim.config.positions_page_size)
            for h in (sim.portfolio.holding(account, conid) for conid, _ in combo.legs)
            if h is not None
        ]
        answer.append(
            {"name": combo.name, "description": combo.description, "legs": legs, "positions": held}
        )
    return answer


async def meta(call: Call) -> Any:
    sim, account = call.sim, call.path_param("accountId")
    number = sim.config.all_accounts.index(account) + 1
    return portfolio_account(account, number, sim.config.advisor)


async def allocation(call: Call) -> Any:
    sim = call.sim
    account, name = call.path_param("accountId"), call.query("model")
    if not name:
        return sim.portfolio.allocation([account], call.now)
    model = sim.advisor.models.get(name)
    if model is None:
        raise bad_request(f"no model named '{name}'")
    return sim.portfolio.allocation([account], call.now, frozenset(model.positions))


async def combined_allocation(call: Call) -> Any:
    sim = call.sim
    accounts = call.json_object().get("acctIds")
    if not isinstance(accounts, list) or not accounts:
        raise bad_request("acctIds must list at least one account")
    for account in accounts:
        if account not in sim.portfolio.holdings:
            raise bad_request(f"accountId is not valid: {account}")
    return sim.portfolio.allocation(list(dict.fromkeys(accounts)), call.now)


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
    return partitioned_pnl(sim.portfolio, call.now, visible_accounts(sim))


ROUTES: tuple[ApiRoute, ...] = (
    portfolio_route("GET", "/portfolio/positions/{conid}", positions_by_conid),
    portfolio_route("POST", "/portfolio/allocation", combined_allocation),
    portfolio_route("POST", "/portfolio/{accountId}/positions/invalidate", invalidate),
    portfolio_route("GET", "/portfolio/{accountId}/positions/{pageId}", positions),
    portfolio_route("GET", "/portfolio/{accountId}/position/{conid}", position),
    portfolio_route("GET", "/portfolio/{accountId}/combo/positions", combo_positions),
    portfolio_route("GET", "/portfolio/{accountId}/meta", meta),
    portfolio_route("GET", "/portfolio/{accountId}/allocation", allocation),
    portfolio_route("GET", "/portfolio/{accountId}/summary", summary),
    portfolio_route("GET", "/portfolio/{accountId}/ledger", get_ledger),
    ApiRoute("GET", "/iserver/account/pnl/partitioned", pnl),
)
