"""Portfolio calls: every positions page, one position, summary, ledger, P&L."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Literal

from ibkr_webapi_client.api.portfolio import (
    get_account_summary,
    get_ledger,
    get_partitioned_pnl,
    get_position,
    get_positions,
)
from ibkr_webapi_client.models import Ledger, PartitionedPnl

from .. import errors
from ..ids import check_choice, check_conid, check_count, check_text
from ..pagination import iterate_pages
from ..results.portfolio import LedgerEntry, PnlEntry, Position, SummaryItem
from ..seam import (
    expect_list,
    expect_one,
    json_body,
    json_list,
    json_object,
    model_or_none,
    send_unparsed,
    unset_if_none,
)
from ._base import Resource

SortDirection = Literal["a", "d"]
MAX_PAGE = 100_000
MAX_CONCURRENCY = 32


def _page_options(
    sort: object, direction: object, model: object
) -> tuple[str | None, SortDirection | None, str | None]:
    """Sorting and model options checked before they go into a query."""
    return (
        None if sort is None else check_text(sort, "sort", max_length=64),
        None if direction is None else check_choice(direction, "direction", ("a", "d")),  # type: ignore[return-value]
        None if model is None else check_text(model, "model", max_length=64),
    )


def _position_key(position: Position) -> int:
    return position.conid  # one account per walk: the conid identifies the position


class PortfolioResource(Resource):
    """``ib.portfolio``: positions, account summary, ledger and P&L of an account.

    ``account_id`` defaults to the client's account (``IBKR_ACCOUNT_ID``), or the login's only one.
    """

    __slots__ = ()

    async def positions_page(
        self,
        page: int,
        *,
        account_id: str | None = None,
        sort: str | None = None,
        direction: SortDirection | None = None,
        model: str | None = None,
    ) -> list[Position]:
        """One page of positions (pages start at 0; a page past the end is empty)."""
        number = str(check_count(page, "page", minimum=0, maximum=MAX_PAGE))
        sort, direction, model = _page_options(sort, direction, model)
        account = await self._core.resolve_account(account_id)
        request = get_positions._get_kwargs(
            account,
            number,
            sort=unset_if_none(sort),
            direction=unset_if_none(direction),
            model=unset_if_none(model),
        )
        # A large portfolio is read page after page: one decode, one typed reader, no models.
        response = await self._core.call(lambda c: send_unparsed(c, request))
        items = json_list(json_body(response, "positions"), "positions")
        return Position._from_owned_page(items, account)

    async def positions(
        self,
        *,
        account_id: str | None = None,
        sort: str | None = None,
        direction: SortDirection | None = None,
        model: str | None = None,
        concurrency: int = 1,
        on_page: Callable[[int, int], object] | None = None,
    ) -> AsyncIterator[Position]:
        """Every position of an account, page after page, each once.

        ``concurrency`` > 1 fetches that many pages at a time (still within the rate limits).
        ``on_page(number, size)`` hears about each page as it is read (for progress displays).
        """
        check_count(concurrency, "concurrency", maximum=MAX_CONCURRENCY)
        if on_page is not None and not callable(on_page):
            raise errors.InvalidRequestError("on_page must be a function of (page, size), or None")
        _page_options(sort, direction, model)
        account = await self._core.resolve_account(account_id)

        async def fetch(page: int) -> list[Position]:
            return await self.positions_page(
                page, account_id=account, sort=sort, direction=direction, model=model
            )

        async for position in iterate_pages(
            fetch, key=_position_key, concurrency=concurrency, on_page=on_page
        ):
            yield position

    async def all_positions(
        self, *, account_id: str | None = None, concurrency: int = 1
    ) -> list[Position]:
        """Every position of an account as a list."""
        check_count(concurrency, "concurrency", maximum=MAX_CONCURRENCY)
        return [p async for p in self.positions(account_id=account_id, concurrency=concurrency)]

    async def position(self, conid: int, *, account_id: str | None = None) -> list[Position]:
        """The account's position in one contract (empty when it holds none)."""
        account = await self._core.resolve_account(account_id)
        contract = check_conid(conid)
        response = await self._core.call(
            lambda c: get_position.asyncio_detailed(account, contract, client=c)
        )
        return [Position.from_model(item, account) for item in expect_list(response, "position")]

    async def summary(self, *, account_id: str | None = None) -> dict[str, SummaryItem]:
        """Summary values by name (``netliquidation``, ``buyingpower``, ``accountcode`` ...)."""
        account = await self._core.resolve_account(account_id)
        request = get_account_summary._get_kwargs(account)
        response = await self._core.call(lambda c: send_unparsed(c, request))
        # ~90 items, each read straight from the decoded JSON (no generated model per item).
        items = json_object(json_body(response, "account summary"), "account summary")
        return {
            name: SummaryItem.from_json(name, json_object(item, name))
            for name, item in sorted(items.items())
        }

    async def ledger(self, *, account_id: str | None = None) -> dict[str, LedgerEntry]:
        """Cash ledger by currency, plus ``BASE`` (everything in the base currency)."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(lambda c: get_ledger.asyncio_detailed(account, client=c))
        ledger = expect_one(response, Ledger, "ledger")
        return {
            key: LedgerEntry.from_model(key, entry)
            for key, entry in sorted(ledger.additional_properties.items())
        }

    async def pnl(self) -> dict[str, PnlEntry]:
        """Daily and unrealized P&L by ``<account>.Core``; may be empty on a session's first call."""
        response = await self._core.call(lambda c: get_partitioned_pnl.asyncio_detailed(client=c))
        answer = expect_one(response, PartitionedPnl, "pnl")
        upnl = model_or_none(answer.upnl)
        if upnl is None:
            return {}
        return {
            key: PnlEntry.from_model(key, entry)
            for key, entry in sorted(upnl.additional_properties.items())
        }
