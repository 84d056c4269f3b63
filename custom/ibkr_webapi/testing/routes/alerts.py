"""Alert routes: list, read, create or modify, activate, delete, the mobile trading alert."""

from __future__ import annotations

from typing import Any

from .._errors import bad_request
from .._routing import ApiRoute, Call
from ._common import int_param


async def list_alerts(call: Call) -> Any:
    return call.sim.alerts.of_account(call.path_param("accountId"))


async def get_alert(call: Call) -> Any:
    if call.query("type") != "Q":
        raise bad_request("orderId and type are required")
    return call.sim.alerts.get(int_param(call, "alertId")).details()


async def mta(call: Call) -> Any:
    return call.sim.alerts.mta.details()


async def submit(call: Call) -> Any:
    body = call.json_object()
    if not body:
        raise bad_request("body can't be empty")
    return call.sim.alerts.submit(call.path_param("accountId"), body, call.now)


async def activate(call: Call) -> Any:
    return call.sim.alerts.activate(call.path_param("accountId"), call.json_object())


async def delete(call: Call) -> Any:
    return call.sim.alerts.delete(call.path_param("accountId"), int_param(call, "alertId"))


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/iserver/account/mta", mta),
    ApiRoute("GET", "/iserver/account/alert/{alertId}", get_alert),
    ApiRoute("GET", "/iserver/account/{accountId}/alerts", list_alerts),
    ApiRoute("POST", "/iserver/account/{accountId}/alert/activate", activate),
    ApiRoute("POST", "/iserver/account/{accountId}/alert", submit),
    ApiRoute("DELETE", "/iserver/account/{accountId}/alert/{alertId}", delete),
)
