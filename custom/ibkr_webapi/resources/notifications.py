"""``ib.notifications``: FYI notifications: unread count, list, mark read, settings, disclaimers, delivery."""

from __future__ import annotations

from ._base import Resource


class NotificationsResource(Resource):
    """``ib.notifications``: FYI notifications: unread count, list, mark read, settings, disclaimers, delivery."""

    __slots__ = ()
