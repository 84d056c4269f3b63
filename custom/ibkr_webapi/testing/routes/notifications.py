"""FYI routes: unread count, notifications, settings, disclaimers, delivery options."""

from __future__ import annotations

from .._routing import ApiRoute

ROUTES: tuple[ApiRoute, ...] = ()
