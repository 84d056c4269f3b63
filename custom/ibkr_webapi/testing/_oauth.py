"""The simulator as ``api.ibkr.com``: OAuth login routes and the check in front of every API route.

With ``SimulatorConfig(oauth1=...)`` and/or ``oauth2=...`` the simulated session starts logged
out; only a live session token (OAuth 1.0a) or an SSO session (OAuth 2.0) logs it in, and every
``/v1/api`` request must then be signed (``Authorization: OAuth ...``) or carry the SSO bearer
(``Authorization: Bearer ...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ._errors import GatewayError
from ._oauth1 import OAuth1Server
from ._oauth2 import SSO_SESSIONS_PATH, TOKEN_PATH, OAuth2Server

if TYPE_CHECKING:
    from ._config import SimulatorConfig
    from ._session import Session
    from ._simulator import GatewaySimulator

__all__ = ["LIVE_SESSION_TOKEN_PATH", "OAuthGuard", "oauth_routes", "signed_url"]

LIVE_SESSION_TOKEN_PATH = "/v1/api/oauth/live_session_token"


def signed_url(request: Request) -> str:
    """The URL as a client signs it: scheme, the Host header, and the raw path without query."""
    raw = request.scope.get("raw_path")
    path = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else request.url.path
    host = request.headers.get("host") or request.url.netloc
    return f"{request.url.scheme}://{host}{path.split('?', 1)[0]}"


def _headers(request: Request) -> Mapping[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


class OAuthGuard:
    """The OAuth servers of one simulator, and the check every API request passes."""

    def __init__(self, config: SimulatorConfig, session: Session) -> None:
        self.oauth1 = OAuth1Server(config.oauth1, session) if config.oauth1 else None
        self.oauth2 = OAuth2Server(config.oauth2, session) if config.oauth2 else None
        session.logout()  # nobody is logged in before the OAuth exchange

    def check(self, request: Request, now: float) -> None:
        """Raise GatewayError unless ``request`` is signed / carries a live bearer."""
        headers = _headers(request)
        scheme = headers.get("authorization", "").split(" ", 1)[0].lower()
        if scheme == "bearer" and self.oauth2 is not None:
            self.oauth2.check(headers, now)
        elif self.oauth1 is not None and (scheme == "oauth" or self.oauth2 is None):
            self.oauth1.check(request.method, signed_url(request), request.url.query, headers, now)
        elif self.oauth2 is not None:
            self.oauth2.check(headers, now)

    def accepts_websocket(self, query: Mapping[str, str], now: float) -> bool:
        """Whether a websocket upgrade's query proves a live OAuth session (for the streaming
        routes): ``oauth_token=<access token>`` (1.0a) or ``bearer_token=<SSO bearer>`` (2.0)."""
        return bool(
            (self.oauth1 is not None and self.oauth1.accepts_websocket(query, now))
            or (self.oauth2 is not None and self.oauth2.accepts_websocket(query, now))
        )


def _answer(call: str, sim: GatewaySimulator) -> Response | None:
    """Counts the request and applies scheduled faults, like the API routes."""
    sim.requests[call] += 1
    fault = sim.fault_injector.decide(call.split(" ", 1)[1])
    if fault.status is not None:
        return JSONResponse(
            {"error": "Service Unavailable", "statusCode": fault.status}, fault.status
        )
    return None


def _guard(sim: GatewaySimulator) -> OAuthGuard:
    guard = sim.oauth
    if guard is None:  # pragma: no cover - routes exist only with OAuth on
        raise GatewayError(404, {"error": "OAuth is off", "statusCode": 404})
    return guard


def _json(error: GatewayError) -> Response:
    return JSONResponse(error.body, error.status, error.headers)


def oauth_routes(sim: GatewaySimulator) -> list[BaseRoute]:
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
            body = server.issue(request.method, signed_url(request), _headers(request), sim.now())
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
            body = server.sso_session(_headers(request), await request.body(), caller, sim.now())
        except GatewayError as error:
            return _json(error)
        return JSONResponse(body)

    return [
        Route(LIVE_SESSION_TOKEN_PATH, live_session_token, methods=["POST"]),
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(SSO_SESSIONS_PATH, sso_sessions, methods=["POST"]),
    ]
