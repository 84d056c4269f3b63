"""Session routes: auth status, tickle, ssodh/init, reauthenticate, logout, SSO."""

from __future__ import annotations

from typing import Any

from .._errors import GatewayError
from .._routing import ApiRoute, Call


async def auth_status(call: Call) -> Any:
    return call.sim.session.auth_status()


async def tickle(call: Call) -> Any:
    session = call.sim.session
    session.keepalive(call.now)
    return session.tickle(call.now)


async def ssodh_init(call: Call) -> Any:
    body = call.json_object()
    session = call.sim.session
    if body.get("publish") is not True:
        raise GatewayError(
            500, {"error": 'ssodh/init needs {"publish": true, "compete": true}', "statusCode": 500}
        )
    if session.competing and body.get("compete") is not True:
        return session.auth_status()
    session.open_brokerage()
    session.keepalive(call.now)
    return session.auth_status()


async def reauthenticate(call: Call) -> Any:
    session = call.sim.session
    if not session.competing:
        session.open_brokerage()
        session.keepalive(call.now)
    return {"message": "triggered"}


async def logout(call: Call) -> Any:
    call.sim.session.logout()
    return {"status": True}


async def sso_validate(call: Call) -> Any:
    return call.sim.session.sso_validate(call.now, call.client_ip)


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("POST", "/iserver/auth/status", auth_status, tier="public"),
    ApiRoute("POST", "/tickle", tickle, tier="read_only"),
    ApiRoute("POST", "/iserver/auth/ssodh/init", ssodh_init, tier="read_only"),
    ApiRoute("POST", "/iserver/reauthenticate", reauthenticate, tier="read_only"),
    ApiRoute("POST", "/logout", logout, tier="read_only"),
    ApiRoute("GET", "/sso/validate", sso_validate, tier="read_only"),
)
