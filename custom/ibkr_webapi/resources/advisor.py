"""``ib.advisor``: financial-advisor allocation: groups, presets, model portfolios."""

from __future__ import annotations

from ._base import Resource


class AdvisorResource(Resource):
    """``ib.advisor``: financial-advisor allocation: groups, presets, model portfolios."""

    __slots__ = ()
