"""Event contract routes: categories, markets, details, rules, schedules."""

from __future__ import annotations

from .._routing import ApiRoute

ROUTES: tuple[ApiRoute, ...] = ()
