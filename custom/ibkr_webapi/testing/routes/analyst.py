"""Portfolio Analyst routes: performance, summary, transactions."""

from __future__ import annotations

from .._routing import ApiRoute

ROUTES: tuple[ApiRoute, ...] = ()
