"""Account calls: the accounts a login can trade, and their portfolio view."""

from __future__ import annotations

from ibkr_webapi_client.api.accounts import get_accounts
from ibkr_webapi_client.api.portfolio import get_portfolio_accounts
from ibkr_webapi_client.models import AccountsList

from ..results.accounts import Accounts, PortfolioAccount
from ..seam import expect_list, expect_one
from ._base import Resource


class AccountsResource(Resource):
    """``ib.accounts``: call it for the brokerage accounts (``await ib.accounts()``)."""

    __slots__ = ()

    async def __call__(self) -> Accounts:
        """Brokerage accounts this login can trade, with aliases and properties."""
        response = await self._core.call(lambda c: get_accounts.asyncio_detailed(client=c))
        accounts = Accounts.from_model(expect_one(response, AccountsList, "accounts"))
        self._core.remember_accounts(accounts.accounts)
        return accounts

    async def portfolio(self) -> list[PortfolioAccount]:
        """Portfolio accounts (the read-only view, ``/portfolio/accounts``)."""
        response = await self._core.call(
            lambda c: get_portfolio_accounts.asyncio_detailed(client=c)
        )
        return [PortfolioAccount.from_model(m) for m in expect_list(response, "portfolio accounts")]
