"""The ASGI app: every gateway route goes through one pipeline of gateway rules before its handler."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ._config import SimulatorConfig
from ._errors import (
    GatewayError,
    bad_request,
    invalid_account,
    no_bridge,
    not_authenticated,
    too_many_requests,
)
from ._faults import FaultDecision, SimulatedDisconnect
from ._routing import ApiRoute, Call, client_ip
from ._simulator import Arrival, SimulatorState

BASE_PATH = "/v1/api"
ADMIN_PATH = "/_sim"
# Scope extension our uvicorn protocol adds: a callable that drops the connection unanswered.
ABORT_EXTENSION = "ibkr_webapi.abort"

log = logging.getLogger("ibkr_webapi.testing")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request("the body is not valid JSON") from None


def _sends_no_length(request: Request) -> bool:
    """A request without any length: no Content-Length and no chunked body. The gateway answers
    411 to those only; ``Content-Length: 0`` (an empty body, as many clients send) is accepted."""
    headers = request.headers
    return "content-length" not in headers and "transfer-encoding" not in headers


def _drop_connection(request: Request) -> Response:
    abort = request.scope.get("extensions", {}).get(ABORT_EXTENSION)
    if abort is None:  # in-process: make the client see what a dropped connection looks like
        raise SimulatedDisconnect("Server disconnected without sending a response.")
    abort()
    return Response(status_code=500)  # never reaches the client: the transport is gone


def _check_session(route: ApiRoute, sim: SimulatorState) -> None:
    session = sim.session
    if route.tier == "public":
        return
    if not session.logged_in:
        raise not_authenticated()
    if route.tier == "brokerage":
        if session.brokerage == "none":
            raise no_bridge()
        if session.brokerage == "lost":
            raise not_authenticated()


def _check_prerequisites(route: ApiRoute, sim: SimulatorState, call: Call) -> None:
    config, session = sim.config, sim.session
    if (
        route.iserver_accounts_first
        and config.require_iserver_accounts_first
        and not session.iserver_accounts_seen
    ):
        raise bad_request("Please query /accounts first")
    if (
        route.portfolio_accounts_first
        and config.require_portfolio_accounts_first
        and not session.portfolio_accounts_seen
    ):
        raise bad_request("Please query /portfolio/accounts or /portfolio/subaccounts first")
    account = call.request.path_params.get("accountId")
    if account is not None and account not in sim.portfolio.holdings:
        raise invalid_account(str(account))


def _answers_pending_question(
    route: ApiRoute, request: Request, sim: SimulatorState, path: str
) -> bool:
    pending = sim.replies.pending
    if pending is None:
        return True
    if (
        route.path == "/iserver/reply/{replyId}"
        and request.path_params.get("replyId") == pending.reply_id
    ):
        return True
    return any(fnmatch.fnmatchcase(path, p) for p in sim.config.reply_exempt_paths)


def _endpoint(route: ApiRoute, sim: SimulatorState) -> Callable[[Request], Awaitable[Response]]:
    config: SimulatorConfig = sim.config

    async def endpoint(request: Request) -> Response:
        path = request.url.path.removeprefix(BASE_PATH)
        if config.arrival_jitter > 0:  # the request is still on its way
            await asyncio.sleep(sim.jitter_rng.uniform(0.0, config.arrival_jitter))
        arrival = Arrival(sim.now(), request.method, path, client_ip(request))
        sim.arrivals.append(arrival)
        response = await _answer(request, path)
        arrival.status = response.status_code
        return response

    async def _answer(request: Request, path: str) -> Response:
        sim.requests[f"{request.method} {route.path}"] += 1
        fault = sim.fault_injector.decide(path)
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            log.debug("%s %s: connection dropped (fault)", request.method, path)
            return _drop_connection(request)
        if fault.status is not None:
            log.debug("%s %s: %s (fault)", request.method, path, fault.status)
            return _json(
                {"error": _REASONS.get(fault.status, "Error"), "statusCode": fault.status},
                fault.status,
            )

        sim.settle()
        now = sim.now()
        if not _answers_pending_question(route, request, sim, path):
            dropped = sim.replies.interrupt()
            log.debug(
                "%s %s cancelled the order waiting on reply %s",
                request.method,
                path,
                dropped.reply_id if dropped else None,
            )
        try:
            raw = await request.body()
            if request.method == "POST" and config.require_post_body and _sends_no_length(request):
                raise GatewayError(
                    411,
                    {
                        "error": "Length Required: send a Content-Length (0 for an empty body) or {} as the body of a POST",
                        "statusCode": 411,
                    },
                )
            if sim.oauth is not None:  # api.ibkr.com: every request signed / with a live bearer
                sim.oauth.check(request, now)
            wait = sim.rate_limiter.check(client_ip(request), route.endpoint_key, now)
            if wait is not None:
                sim.rate_limited += 1
                raise too_many_requests(wait if config.retry_after_header else None)
            call = Call(request, sim, now, _parse_json(raw))
            _check_session(route, sim)
            _check_prerequisites(route, sim, call)
            if config.any_request_keeps_alive:
                sim.session.keepalive(now)
            result = await route.handler(call)
        except GatewayError as error:
            log.debug("%s %s -> %s %s", request.method, path, error.status, error.body)
            answer: Response = _json(error.body, error.status, error.headers)
        else:  # a handler may answer with its own Response (e.g. an empty body)
            answer = result if isinstance(result, Response) else _json(result)
        if fault.lose is not None:
            return _lose_answer(request, sim, fault)
        return answer

    return endpoint


def _lose_answer(request: Request, sim: SimulatorState, fault: FaultDecision) -> Response:
    """The request was carried out; the client gets no usable answer (and maybe a new session)."""
    log.debug("%s %s: carried out, answer lost (%s)", request.method, request.url.path, fault.lose)
    if fault.reset == "expire":
        sim.session.expire()
    elif fault.reset == "reopen":
        sim.session.open_brokerage()
    if fault.lose == "drop":
        return _drop_connection(request)
    if fault.lose == "error":
        status = fault.lost_status
        return _json({"error": _REASONS.get(status, "Error"), "statusCode": status}, status)
    # A 200 whose body breaks off: what a proxy or a crashing gateway can leave behind.
    return Response(b'[{"order_id": "13', status_code=200, media_type="application/json")


_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal Server Error"
    return _json({"error": detail, "statusCode": status}, status)


def build_app(simulator: SimulatorState) -> Starlette:
    """The ASGI app serving ``simulator``: routes under /v1/api, control routes under /_sim."""
    from ._admin import admin_routes
    from ._websocket import websocket_admin_routes, websocket_routes
    from .routes import API_ROUTES

    api: list[BaseRoute] = [
        Route(r.path, _endpoint(r, simulator), methods=[r.method]) for r in API_ROUTES
    ]
    api += websocket_routes(simulator)
    routes: list[BaseRoute] = [Mount(BASE_PATH, routes=api)]
    if simulator.oauth is not None:
        from ._oauth import oauth_routes

        routes[:0] = oauth_routes(simulator)
    if simulator.config.admin_routes:
        admin = admin_routes(simulator) + websocket_admin_routes(simulator)
        routes.append(Mount(ADMIN_PATH, routes=admin))
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.simulator = simulator
    return app
