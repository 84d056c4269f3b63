"""Alert routes: list, read, create, activate, delete, the mobile trading alert."""

from __future__ import annotations

from .._routing import ApiRoute

ROUTES: tuple[ApiRoute, ...] = ()
