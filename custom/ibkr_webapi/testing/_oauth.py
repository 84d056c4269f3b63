"""The simulator as ``api.ibkr.com``: OAuth login routes and the check in front of every API route.

With ``SimulatorConfig(oauth1=...)`` and/or ``oauth2=...`` the simulated session starts logged
out; only a live session token (OAuth 1.0a) or an SSO session (OAuth 2.0) logs it in, and every
``/v1/api`` request must then be signed (``Authorization: OAuth ...``) or carry the SSO bearer
(``Authorization: Bearer ...``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ._errors import GatewayError
from ._oauth2 import SSO_SESSIONS_PATH, TOKEN_PATH
from ._oauth_guard import OAuthGuard, headers_of, signed_url
from ._oauth_token_routes import token_routes

if TYPE_CHECKING:
    from ._simulator import SimulatorState

__all__ = ["LIVE_SESSION_TOKEN_PATH", "OAuthGuard", "oauth_routes", "signed_url"]

LIVE_SESSION_TOKEN_PATH = "/v1/api/oauth/live_session_token"


def _answer(call: str, sim: SimulatorState) -> Response | None:
    """Counts the request and applies scheduled faults, like the API routes."""
    sim.requests[call] += 1
    fault = sim.fault_injector.decide(call.split(" ", 1)[1])
    if fault.status is not None:
        return JSONResponse(
            {"error": "Service Unavailable", "statusCode": fault.status}, fault.status
        )
    return None


def _guard(sim: SimulatorState) -> OAuthGuard:
    guard = sim.oauth
    if guard is None:  # pragma: no cover - routes exist only with OAuth on
        raise GatewayError(404, {"error": "OAuth is off", "statusCode": 404})
    return guard


def _json(error: GatewayError) -> Response:
    return JSONResponse(error.body, error.status, error.headers)


def oauth_routes(sim: SimulatorState) -> list[BaseRoute]:
    """The OAuth login routes of ``sim`` (servers are looked up per request: ``reset`` swaps them)."""

    async def live_session_token(request: Request) -> Response:
        faulted = _answer("POST /oauth/live_session_token", sim)
        if faulted is not None:
            return faulted
        sim.settle()
        try:
            server = _guard(sim).oauth1
            if server is None:
                raise GatewayError(404, {"error": "OAuth 1.0a is off", "statusCode": 404})
            body = server.issue(request.method, signed_url(request), headers_of(request), sim.now())
        except GatewayError as error:
            return _json(error)
        return JSONResponse(body)

    async def token(request: Request) -> Response:
        faulted = _answer(f"POST {TOKEN_PATH}", sim)
        if faulted is not None:
            return faulted
        try:
            server = _guard(sim).oauth2
            if server is None:
                raise GatewayError(404, {"error": "OAuth 2.0 is off", "statusCode": 404})
            body = server.token(
                await request.body(), request.headers.get("content-type", ""), sim.now()
            )
        except GatewayError as error:
            return _json(error)
        return JSONResponse(body)

    async def sso_sessions(request: Request) -> Response:
        faulted = _answer(f"POST {SSO_SESSIONS_PATH}", sim)
        if faulted is not None:
            return faulted
        sim.settle()
        caller = request.client.host if request.client else ""
        try:
            server = _guard(sim).oauth2
            if server is None:
                raise GatewayError(404, {"error": "OAuth 2.0 is off", "statusCode": 404})
            body = server.sso_session(headers_of(request), await request.body(), caller, sim.now())
        except GatewayError as error:
            return _json(error)
        return JSONResponse(body)

    return [
        *token_routes(sim),
        Route(LIVE_SESSION_TOKEN_PATH, live_session_token, methods=["POST"]),
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(SSO_SESSIONS_PATH, sso_sessions, methods=["POST"]),
    ]
