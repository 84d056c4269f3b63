"""``ib.events``: event contracts (ForecastEx): categories, markets, contract details, rules, schedules."""

from __future__ import annotations

from ._base import Resource


class EventsResource(Resource):
    """``ib.events``: event contracts (ForecastEx): categories, markets, contract details, rules, schedules."""

    __slots__ = ()
