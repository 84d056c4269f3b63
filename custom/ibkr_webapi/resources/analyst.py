"""``ib.analyst``: Portfolio Analyst: performance, summary, transactions (1 call per 15 minutes each)."""

from __future__ import annotations

from ._base import Resource


class AnalystResource(Resource):
    """``ib.analyst``: Portfolio Analyst: performance, summary, transactions (1 call per 15 minutes each)."""

    __slots__ = ()
