"""Watchlist routes: list, read, create, delete (kept for the session)."""

from __future__ import annotations

from .._routing import ApiRoute

ROUTES: tuple[ApiRoute, ...] = ()
