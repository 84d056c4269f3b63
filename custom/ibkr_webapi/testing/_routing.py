"""What a simulated route is: its method, path and tier, and the call its handler gets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request

from ._errors import bad_request
from ._simulator import SimulatorState

Tier = Literal["public", "read_only", "brokerage"]


def client_ip(request: Request) -> str:
    """Rate limits and the penalty box count per client IP, like the gateway."""
    return request.client.host if request.client else "unknown"


@dataclass
class Call:
    """One request on its way to a handler, with what the handlers need."""

    request: Request
    sim: SimulatorState
    now: float
    body: Any

    def path_param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def query_flag(self, name: str) -> bool:
        return self.query(name).lower() in ("true", "1", "yes")

    @property
    def client_ip(self) -> str:
        return client_ip(self.request)

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise bad_request("the body must be a JSON object")
        return self.body


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class ApiRoute:
    """A gateway route and the rules it is subject to."""

    method: str
    path: str  # below /v1/api, in Starlette syntax
    handler: Handler
    tier: Tier = "brokerage"
    iserver_accounts_first: bool = False
    portfolio_accounts_first: bool = False

    @property
    def endpoint_key(self) -> str:
        """Key of SimulatorConfig.endpoint_rate_limits, e.g. "GET /iserver/account/orders"."""
        return f"{self.method} {self.path}"


def iserver_route(method: str, path: str, handler: Handler) -> ApiRoute:
    """A brokerage route that needs GET /iserver/accounts first."""
    return ApiRoute(method, path, handler, iserver_accounts_first=True)


def portfolio_route(method: str, path: str, handler: Handler) -> ApiRoute:
    """A read-only route that needs GET /portfolio/accounts first."""
    return ApiRoute(method, path, handler, tier="read_only", portfolio_accounts_first=True)
