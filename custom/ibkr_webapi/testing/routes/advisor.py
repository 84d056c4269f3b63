"""Financial-advisor routes: allocation accounts, groups and presets, and model portfolios.

An ordinary login gets 400 on every one of them. Model routes may first answer "not ready"
(``subscriptionStatus`` 0) for a reqID, as configured (`SimulatorConfig.model_pending_polls`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .._routing import ApiRoute, Call, iserver_route
from .._simulator import SimulatorState


def _price(sim: SimulatorState, now: float) -> Callable[[int], float]:
    def price(conid: int) -> float:
        contract = sim.catalogue.get(conid)
        return sim.market.last(contract, now) if contract is not None else 0.0

    return price


async def allocation_accounts(call: Call) -> Any:
    return call.sim.advisor.allocation_accounts(call.sim.portfolio, call.now)


async def groups(call: Call) -> Any:
    return call.sim.advisor.group_list()


async def group(call: Call) -> Any:
    return call.sim.advisor.group(call.json_object())


async def add_group(call: Call) -> Any:
    return call.sim.advisor.add_group(call.json_object())


async def modify_group(call: Call) -> Any:
    return call.sim.advisor.modify_group(call.json_object())


async def delete_group(call: Call) -> Any:
    return call.sim.advisor.delete_group(call.json_object())


async def presets(call: Call) -> Any:
    call.sim.advisor.require_advisor()
    return dict(call.sim.advisor.presets)


async def set_presets(call: Call) -> Any:
    return call.sim.advisor.set_presets(call.json_object())


Answer = Callable[[Call, dict[str, Any]], Any]


def _model_route(name: str, answer: Answer) -> Callable[[Call], Awaitable[Any]]:
    """A model route: "not ready" while the reqID has polls to go, then `answer`."""

    async def handler(call: Call) -> Any:
        body = call.json_object()
        pending = call.sim.advisor.not_ready(name, body)
        return pending if pending is not None else answer(call, body)

    return handler


def _models(call: Call, body: dict[str, Any]) -> Any:
    return call.sim.advisor.model_list(body, _price(call.sim, call.now))


def _summary(call: Call, body: dict[str, Any]) -> Any:
    return call.sim.advisor.model_summary(body, _price(call.sim, call.now))


def _positions(call: Call, body: dict[str, Any]) -> Any:
    sim = call.sim
    return sim.advisor.model_positions(body, sim.catalogue, _price(sim, call.now), call.now)


def _accounts(call: Call, body: dict[str, Any]) -> Any:
    return call.sim.advisor.model_accounts(body, call.sim.portfolio, _price(call.sim, call.now))


def _invested(call: Call, body: dict[str, Any]) -> Any:
    sim = call.sim
    return sim.advisor.invested_accounts(body, sim.portfolio, call.now, _price(sim, call.now))


def _model_presets(call: Call, body: dict[str, Any]) -> Any:
    return call.sim.advisor.presets_answer(body)


async def save_model_presets(call: Call) -> Any:
    return call.sim.advisor.save_preset(call.json_object())


async def save_model(call: Call) -> Any:
    return call.sim.advisor.save_model(call.json_object(), call.sim.catalogue)


async def invest_divest(call: Call) -> Any:
    return call.sim.advisor.invest_divest(call.json_object())


async def submit_transfers(call: Call) -> Any:
    sim = call.sim
    return sim.advisor.submit_transfers(
        call.json_object(), sim.portfolio, sim.market, sim.catalogue, call.now
    )


ROUTES: tuple[ApiRoute, ...] = (
    iserver_route("GET", "/iserver/account/allocation/accounts", allocation_accounts),
    iserver_route("GET", "/iserver/account/allocation/group", groups),
    iserver_route("POST", "/iserver/account/allocation/group", add_group),
    iserver_route("PUT", "/iserver/account/allocation/group", modify_group),
    iserver_route("POST", "/iserver/account/allocation/group/single", group),
    iserver_route("POST", "/iserver/account/allocation/group/delete", delete_group),
    iserver_route("GET", "/iserver/account/allocation/presets", presets),
    iserver_route("POST", "/iserver/account/allocation/presets", set_presets),
    ApiRoute("POST", "/fa/model/list", _model_route("list", _models)),
    ApiRoute("POST", "/fa/model/summary", _model_route("summary", _summary)),
    ApiRoute("POST", "/fa/model/positions", _model_route("positions", _positions)),
    ApiRoute("POST", "/fa/model/accounts-details", _model_route("accounts", _accounts)),
    ApiRoute("POST", "/fa/model/invest-divest-positions", _model_route("invested", _invested)),
    ApiRoute("POST", "/fa/fa-preset/get", _model_route("presets", _model_presets)),
    ApiRoute("POST", "/fa/fa-preset/save", save_model_presets),
    ApiRoute("POST", "/fa/model/save", save_model),
    ApiRoute("POST", "/fa/model/invest-divest", invest_divest),
    ApiRoute("POST", "/fa/model/submit-transfers", submit_transfers),
)
