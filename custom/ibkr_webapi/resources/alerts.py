"""``ib.alerts``: price and condition alerts: list, read, create, activate, delete; MTA."""

from __future__ import annotations

from ._base import Resource


class AlertsResource(Resource):
    """``ib.alerts``: price and condition alerts: list, read, create, activate, delete; MTA."""

    __slots__ = ()
