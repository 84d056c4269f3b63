"""The simulated gateway's routes under /v1/api, one module per resource (like the client's)."""

from __future__ import annotations

from .._routing import ApiRoute
from . import (
    accounts,
    advisor,
    alerts,
    analyst,
    contracts,
    events,
    market,
    notifications,
    orders,
    portfolio,
    scanner,
    session,
    watchlists,
)

# Order matters only where two templates could match one path: literal paths come first.
ROUTE_MODULES = (
    session,
    accounts,
    portfolio,
    market,
    contracts,
    orders,
    scanner,
    watchlists,
    alerts,
    notifications,
    advisor,
    analyst,
    events,
)
API_ROUTES: tuple[ApiRoute, ...] = tuple(
    route for module in ROUTE_MODULES for route in module.ROUTES
)

__all__ = ["API_ROUTES", "ROUTE_MODULES"]
