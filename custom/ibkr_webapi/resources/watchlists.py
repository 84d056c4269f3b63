"""``ib.watchlists``: the login's watchlists: list, read, create, delete."""

from __future__ import annotations

from ._base import Resource


class WatchlistsResource(Resource):
    """``ib.watchlists``: the login's watchlists: list, read, create, delete."""

    __slots__ = ()
