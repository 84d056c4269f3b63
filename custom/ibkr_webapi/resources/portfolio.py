"""Accounts and portfolio calls: accounts, every positions page, summary, ledger, P&L."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Literal

import attrs

from ibkr_webapi_client.api.accounts import get_accounts
from ibkr_webapi_client.api.portfolio import (
    get_account_summary,
    get_ledger,
    get_partitioned_pnl,
    get_portfolio_accounts,
    get_position,
    get_positions,
)
from ibkr_webapi_client.models import (
    AccountsList,
    AccountSummary,
    Ledger,
    LedgerEntry,
    PartitionedPnl,
    PnlEntry,
    PortfolioAccount,
    Position,
    SummaryValue,
)
from ibkr_webapi_client.types import UNSET, Unset

from .._core import ClientCore, check_account
from ..pagination import iterate_pages
from ..results import SummaryItem


def _position_key(position: Position) -> tuple[object, object]:
    return (
        position.acct_id,
        position.conid if not isinstance(position.conid, Unset) else id(position),
    )


def _page_size(page: Sequence[Position]) -> int | None:
    size = page[0].page_size if page else UNSET
    return size if isinstance(size, int) and size > 0 else None


class PortfolioAPI(ClientCore):
    """Account and portfolio endpoints."""

    async def accounts(self) -> AccountsList:
        """Brokerage accounts this login can trade, with aliases and properties."""
        response = await self._call(get_accounts.asyncio_detailed)
        return self._parsed(response, AccountsList, "accounts")

    async def portfolio_accounts(self) -> list[PortfolioAccount]:
        """Portfolio accounts (the read-only view)."""
        response = await self._call(get_portfolio_accounts.asyncio_detailed)
        return list(self._parsed(response, list, "portfolio accounts"))

    async def positions_page(
        self,
        account_id: str,
        page: int,
        *,
        sort: str | None = None,
        direction: Literal["a", "d"] | None = None,
        model: str | None = None,
    ) -> list[Position]:
        """One page of positions (pages start at 0; a page past the end is empty)."""
        response = await self._call(
            get_positions.asyncio_detailed,
            check_account(account_id),
            str(page),
            sort=sort if sort is not None else UNSET,
            direction=direction if direction is not None else UNSET,
            model=model if model is not None else UNSET,
        )
        return list(self._parsed(response, list, "positions"))

    async def positions(
        self,
        account_id: str,
        *,
        sort: str | None = None,
        direction: Literal["a", "d"] | None = None,
        model: str | None = None,
        concurrency: int = 1,
        on_page: Callable[[int, int], object] | None = None,
    ) -> AsyncIterator[Position]:
        """Every position of an account, page after page, each once.

        ``concurrency`` > 1 fetches that many pages at a time (still within the rate limits).
        ``on_page(number, size)`` hears about each page as it is read (for progress displays).
        """
        account = check_account(account_id)

        async def fetch(page: int) -> list[Position]:
            return await self.positions_page(
                account, page, sort=sort, direction=direction, model=model
            )

        async for position in iterate_pages(
            fetch, key=_position_key, page_size=_page_size, concurrency=concurrency, on_page=on_page
        ):
            yield position

    async def all_positions(self, account_id: str, *, concurrency: int = 1) -> list[Position]:
        """Every position of an account as a list."""
        return [p async for p in self.positions(account_id, concurrency=concurrency)]

    async def position(self, account_id: str, conid: int) -> list[Position]:
        """The account's position in one contract (empty when it holds none)."""
        response = await self._call(
            get_position.asyncio_detailed, check_account(account_id), int(conid)
        )
        return list(self._parsed(response, list, "position"))

    async def account_summary(self, account_id: str) -> dict[str, SummaryItem]:
        """Summary values by name (``netliquidation``, ``buyingpower``, ``accountcode`` ...)."""
        response = await self._call(get_account_summary.asyncio_detailed, check_account(account_id))
        summary = self._parsed(response, AccountSummary, "account summary")
        items = dict(summary.additional_properties)
        for field in attrs.fields(AccountSummary):
            value = getattr(summary, field.name)
            if isinstance(value, SummaryValue):
                items[field.name] = value  # named fields carry the wire key as their name
        return {name: SummaryItem.from_model(name, model) for name, model in sorted(items.items())}

    async def ledger(self, account_id: str) -> dict[str, LedgerEntry]:
        """Cash ledger by currency, plus ``BASE``."""
        response = await self._call(get_ledger.asyncio_detailed, check_account(account_id))
        return dict(self._parsed(response, Ledger, "ledger").additional_properties)

    async def pnl(self) -> dict[str, PnlEntry]:
        """Daily and unrealized P&L by ``<account>.Core``; may be empty on a session's first call."""
        response = await self._call(get_partitioned_pnl.asyncio_detailed)
        answer = self._parsed(response, PartitionedPnl, "pnl")
        return {} if isinstance(answer.upnl, Unset) else dict(answer.upnl.additional_properties)
