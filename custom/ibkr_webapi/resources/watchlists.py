"""``ib.watchlists``: the login's watchlists: list, read, create, delete."""

from __future__ import annotations

import builtins
import re
import secrets
from collections.abc import Iterable

from ibkr_webapi_client.api.watchlists import (
    create_watchlist,
    delete_watchlist,
    get_watchlist,
    get_watchlists,
)
from ibkr_webapi_client.models import Watchlist as WatchlistModel
from ibkr_webapi_client.models import (
    WatchlistCreated,
    WatchlistDeleted,
    WatchlistList,
    WatchlistRequest,
    WatchlistRow,
)

from .. import errors
from ..ids import check_conids, check_flag, check_text, check_text_id
from ..results._common import listed
from ..results.watchlists import Watchlist, WatchlistInfo
from ..seam import expect_one, model_or_none, str_or_none, unexpected, unset_if_none
from ._base import Resource

__all__ = ["MAX_WATCHLIST_ROWS", "WatchlistsResource"]

_DIGITS = re.compile(r"[0-9]{1,18}")
MAX_WATCHLIST_ROWS = 1000  # a sanity bound on one request, not a documented IBKR limit


def _new_id(watchlist_id: object) -> str:
    if watchlist_id is None:
        return str(secrets.randbelow(9 * 10**11) + 10**11)  # 12 random digits
    if isinstance(watchlist_id, int) and not isinstance(watchlist_id, bool) and watchlist_id >= 0:
        watchlist_id = str(watchlist_id)
    if isinstance(watchlist_id, str) and _DIGITS.fullmatch(watchlist_id.strip()):
        return watchlist_id.strip()
    raise errors.InvalidRequestError(
        f"watchlist_id must be digits (IBKR's rule), e.g. '1234', got {watchlist_id!r}; or leave it "
        "out and the client picks a new one"
    )


class WatchlistsResource(Resource):
    """``ib.watchlists``: the login's watchlists: list, read, create, delete."""

    __slots__ = ()

    async def list(self, *, user_only: bool = False) -> builtins.list[WatchlistInfo]:
        """Every watchlist (``user_only``: only the lists the user made, not IBKR's)."""
        check_flag(user_only, "user_only")
        scope = "USER_WATCHLIST" if user_only else None
        response = await self._core.call(
            lambda c: get_watchlists.asyncio_detailed(client=c, sc=unset_if_none(scope))
        )
        answer = expect_one(response, WatchlistList, "watchlists")
        data = model_or_none(answer.data)
        if data is None:
            return []
        return [WatchlistInfo.from_model(item) for item in listed(data.user_lists)]

    async def get(self, watchlist_id: str | int) -> Watchlist:
        """One watchlist with its contracts (``.conids``) and header rows."""
        ident = check_text_id(watchlist_id, "watchlist_id")
        response = await self._core.call(
            lambda c: get_watchlist.asyncio_detailed(client=c, id=ident)
        )
        return Watchlist.from_model(expect_one(response, WatchlistModel, "watchlist"))

    async def create(
        self,
        name: str,
        conids: Iterable[int | str],
        *,
        watchlist_id: str | int | None = None,
    ) -> Watchlist:
        """Create a watchlist of these contracts, in order, and return it as the gateway holds it.

        IBKR's lists are keyed by an id of digits that the caller chooses: without
        ``watchlist_id`` the client picks a new random one. Giving the id of an existing list
        replaces that list. Duplicate conids are dropped.
        """
        title = check_text(name, "name", max_length=128)
        ident = _new_id(watchlist_id)
        contracts = check_conids(conids)
        if len(contracts) > MAX_WATCHLIST_ROWS:
            raise errors.InvalidRequestError(
                f"a watchlist of at most {MAX_WATCHLIST_ROWS} contracts, got {len(contracts)}"
            )
        body = WatchlistRequest(
            id=ident, name=title.strip(), rows=[WatchlistRow(c=conid) for conid in contracts]
        )
        response = await self._core.call(
            lambda c: create_watchlist.asyncio_detailed(client=c, body=body)
        )
        created = expect_one(response, WatchlistCreated, "watchlist creation")
        made = str_or_none(created.id, "id")
        if made is not None and made != ident:
            raise unexpected("watchlist creation", f"asked for id {ident!r}, got {made!r}")
        return await self.get(ident)

    async def delete(self, watchlist_id: str | int) -> str:
        """Delete a watchlist; returns the id the gateway says it deleted."""
        ident = check_text_id(watchlist_id, "watchlist_id")
        response = await self._core.call(
            lambda c: delete_watchlist.asyncio_detailed(client=c, id=ident)
        )
        answer = expect_one(response, WatchlistDeleted, "watchlist deletion")
        data = model_or_none(answer.data)
        deleted = str_or_none(data.deleted, "data.deleted") if data is not None else None
        if deleted != ident:
            raise unexpected(
                "watchlist deletion",
                f"the answer does not confirm that {ident!r} was deleted (it says {deleted!r})",
            )
        return deleted
