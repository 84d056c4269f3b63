"""Watchlist results: the list of lists, one list with its contracts, and what create/delete did.

Watchlist ids are texts of digits that the caller (or the client for it) chooses when creating a
list; IBKR's own lists may have other ids, so they stay ``str``.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ibkr_webapi_client.models import Watchlist as WatchlistModel
from ibkr_webapi_client.models import WatchlistInstrument as WatchlistInstrumentModel
from ibkr_webapi_client.models import WatchlistSummary as WatchlistSummaryModel

from ..dates import parse_ibkr_time
from ..seam import bool_or_none, int_id, int_or_none, required, str_or_none
from ._common import listed

__all__ = ["Watchlist", "WatchlistEntry", "WatchlistInfo"]


@attrs.frozen(kw_only=True)
class WatchlistInfo:
    """One watchlist as listed by ``ib.watchlists.list()`` (without its contracts)."""

    id: str
    name: str | None
    read_only: bool
    """IBKR's own lists cannot be changed or deleted."""
    modified: datetime | None
    is_open: bool | None
    type: str | None
    model: WatchlistSummaryModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: WatchlistSummaryModel) -> WatchlistInfo:
        stamp = int_or_none(model.modified, "user_lists[].modified")
        return cls(
            id=required(str_or_none(model.id, "user_lists[].id"), "user_lists[].id"),
            name=str_or_none(model.name, "user_lists[].name"),
            read_only=bool_or_none(model.read_only, "user_lists[].read_only") is True,
            modified=parse_ibkr_time(stamp, epoch_unit="ms") if stamp else None,
            is_open=bool_or_none(model.is_open, "user_lists[].is_open"),
            type=str_or_none(model.type_, "user_lists[].type"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class WatchlistEntry:
    """One row of a watchlist: a contract (``conid`` set) or a header (``conid`` is ``None``)."""

    conid: int | None
    sec_type: str | None
    ticker: str | None
    name: str | None
    full_name: str | None
    asset_class: str | None
    model: WatchlistInstrumentModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: WatchlistInstrumentModel) -> WatchlistEntry:
        w = "instruments[]."
        conid = int_or_none(model.conid, w + "conid")
        if conid is None:  # the row's "C" carries the conid as text
            conid = int_id(model.c, w + "C")
        return cls(
            conid=conid if conid else None,
            sec_type=str_or_none(model.st, w + "ST"),
            ticker=str_or_none(model.ticker, w + "ticker"),
            name=str_or_none(model.name, w + "name"),
            full_name=str_or_none(model.full_name, w + "fullName"),
            asset_class=str_or_none(model.asset_class, w + "assetClass"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class Watchlist:
    """A watchlist with its rows. ``conids`` lists the contracts in order."""

    id: str
    name: str | None
    read_only: bool
    hash: str | None
    entries: tuple[WatchlistEntry, ...]
    model: WatchlistModel = attrs.field(repr=False, eq=False)

    @property
    def conids(self) -> list[int]:
        """The contracts of the list, in order (header rows left out)."""
        return [e.conid for e in self.entries if e.conid is not None]

    @classmethod
    def from_model(cls, model: WatchlistModel) -> Watchlist:
        return cls(
            id=required(str_or_none(model.id, "id"), "id"),
            name=str_or_none(model.name, "name"),
            read_only=bool_or_none(model.read_only, "readOnly") is True,
            hash=str_or_none(model.hash_, "hash"),
            entries=tuple(WatchlistEntry.from_model(i) for i in listed(model.instruments)),
            model=model,
        )
