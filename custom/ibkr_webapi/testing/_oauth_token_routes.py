"""Routes of the third-party OAuth 1.0a token exchange (see ``_oauth1_tokens``), OAuth 1.0a mode only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ._errors import GatewayError
from ._oauth1_tokens import TokenDesk
from ._oauth_guard import headers_of, signed_url

if TYPE_CHECKING:
    from ._simulator import SimulatorState

__all__ = ["ACCESS_TOKEN_PATH", "REQUEST_TOKEN_PATH", "token_routes"]

REQUEST_TOKEN_PATH = "/v1/api/oauth/request_token"
ACCESS_TOKEN_PATH = "/v1/api/oauth/access_token"

Exchange = Callable[[TokenDesk, str, str, Mapping[str, str], float], dict[str, Any]]


def token_routes(sim: SimulatorState) -> list[BaseRoute]:
    """``POST /oauth/request_token`` and ``POST /oauth/access_token`` of ``sim``."""

    def route(path: str, exchange: Exchange) -> Route:
        call = f"POST {path.removeprefix('/v1/api')}"

        async def answer(request: Request) -> Response:
            sim.requests[call] += 1
            fault = sim.fault_injector.decide(path.removeprefix("/v1/api"))
            if fault.status is not None:
                return JSONResponse(
                    {"error": "Service Unavailable", "statusCode": fault.status}, fault.status
                )
            sim.settle()
            desk = sim.oauth.tokens if sim.oauth is not None else None
            try:
                if desk is None:
                    raise GatewayError(404, {"error": "OAuth 1.0a is off", "statusCode": 404})
                body = exchange(
                    desk, request.method, signed_url(request), headers_of(request), sim.now()
                )
            except GatewayError as error:
                return JSONResponse(error.body, error.status, error.headers)
            return JSONResponse(body)

        return Route(path, answer, methods=["POST"])

    return [
        route(REQUEST_TOKEN_PATH, TokenDesk.request_token),
        route(ACCESS_TOKEN_PATH, TokenDesk.access_token),
    ]
