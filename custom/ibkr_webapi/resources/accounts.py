"""Account calls: the accounts a login can trade, selecting one, signers and owners, and the
trading view of an account (summary, available funds, balances, margins, market value)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Protocol, TypeVar

from ibkr_webapi_client.api.accounts import (
    get_account_balances,
    get_account_margins,
    get_accounts,
    get_available_funds,
    get_market_value,
    get_signatures_and_owners,
    get_trading_account_summary,
    search_dynamic_accounts,
    set_dynamic_account,
    switch_account,
)
from ibkr_webapi_client.api.portfolio import (
    get_account_meta,
    get_allocation,
    get_combined_allocation,
    get_combo_positions,
    get_portfolio_accounts,
    get_positions_by_conid,
    get_subaccounts,
    get_subaccounts_page,
    invalidate_positions,
)
from ibkr_webapi_client.models import (
    AccountBalances,
    AccountIdsRequest,
    AccountMargins,
    AccountSearchResult,
    AccountsList,
    AccountSwitched,
    AccountSwitchRequest,
    AvailableFunds,
    ErrorResponse,
    MarketValueByCurrency,
    PortfolioAllocation,
    PositionsByAccount,
    PositionsInvalidated,
    SignaturesAndOwners,
    TradingAccountSummary,
)
from ibkr_webapi_client.models import (
    PortfolioAccount as PortfolioAccountModel,
)
from ibkr_webapi_client.models import (
    SubaccountsPage as SubaccountsPageModel,
)
from ibkr_webapi_client.types import Response, Unset

from .. import errors
from ..ids import check_account, check_conid, check_count, check_flag, check_text
from ..results.account_figures import (
    BalanceSegment,
    CurrencyHoldings,
    FundsSegment,
    MarginSegment,
    Segment,
    TradingSummary,
)
from ..results.accounts import (
    AccountOwners,
    Accounts,
    MatchedAccount,
    PortfolioAccount,
    SelectedAccount,
    SubaccountsPage,
)
from ..results.allocation import Allocation, ComboPosition
from ..results.portfolio import Position
from ..seam import (
    body_excerpt,
    bool_or_none,
    expect_list,
    expect_one,
    model_or_none,
    str_or_none,
    unset_if_none,
)
from ._base import Resource

S = TypeVar("S", bound=Segment)
S_co = TypeVar("S_co", bound=Segment, covariant=True)


class _BySegment(Protocol[S_co]):
    """A trading-view answer: total, securities and commodities segments, maybe more by name."""

    @property
    def total(self) -> S_co | Unset: ...
    @property
    def securities(self) -> S_co | Unset: ...
    @property
    def commodities(self) -> S_co | Unset: ...
    @property
    def additional_properties(self) -> Mapping[str, S_co]: ...


# Pages of /portfolio/subaccounts2 walked at most, and accounts a combined allocation may hold.
_MAX_PAGES = 10_000
_MAX_COMBINED = 1_000

# How many segments or currencies an answer may hold before it is taken as damaged.
_MAX_SEGMENTS = 200


def _named_segments(answer: _BySegment[S], what: str) -> dict[str, S]:
    """The answer's segments by name: ``total``, ``securities``, ``commodities``, then the rest."""
    named = {
        "total": answer.total,
        "securities": answer.securities,
        "commodities": answer.commodities,
    }
    return _segments(named, answer.additional_properties, what)


def _segments(named: Mapping[str, S | Unset], extra: Mapping[str, S], what: str) -> dict[str, S]:
    """Segment name to its model, named segments first, absent ones left out."""
    if len(extra) > _MAX_SEGMENTS:
        raise errors.UnexpectedResponseError(f"{what}: {len(extra)} segments, more than expected")
    found: dict[str, S] = {}
    for name, segment in [*named.items(), *sorted(extra.items())]:
        if not isinstance(segment, Unset):
            found[name] = segment
    return found


class AccountsResource(Resource):
    """``ib.accounts``: call it for the brokerage accounts (``await ib.accounts()``); select the
    account ``/iserver`` calls act on; read an account's trading figures.

    ``account_id`` defaults to the client's account (``IBKR_ACCOUNT_ID``, the last one selected with
    :meth:`switch`), or the login's only one.
    """

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

    # --- selecting an account
    async def switch(self, account_id: str) -> SelectedAccount:
        """Select the account later ``/iserver`` calls act on (advisors and multi-account logins).

        The gateway's selection scopes what calls without an account in their path return (P&L,
        positions across accounts, live orders); the client also takes the account as its default
        for calls made without ``account_id`` from now on, orders included.
        """
        account = check_account(account_id)
        body = AccountSwitchRequest(acct_id=account)
        response = await self._core.call(
            lambda c: switch_account.asyncio_detailed(client=c, body=body)
        )
        return self._selected(response, account, "switch account")

    async def search(self, pattern: str) -> list[MatchedAccount]:
        """Accounts whose id or alias starts with ``pattern`` (brokers with dynamic accounts).

        Only logins with IBKR's dynamic-account (DYNACCT) setting may search; others get
        :class:`~ibkr_webapi.errors.ServiceUnavailableError` (HTTP 503) from the gateway.
        """
        text = check_text(pattern, "pattern", max_length=64).strip()
        if "/" in text or text in (".", ".."):
            raise errors.InvalidRequestError(
                f"pattern {text!r} cannot be searched; give the start of an account id or alias"
            )
        response = await self._core.call(
            lambda c: search_dynamic_accounts.asyncio_detailed(text, client=c)
        )
        found = expect_one(response, AccountSearchResult, "account search")
        return [MatchedAccount.from_model(m) for m in model_or_none(found.matched_accounts) or []]

    async def set_dynamic(self, account_id: str) -> SelectedAccount:
        """Select an account found by :meth:`search` (dynamic accounts); like :meth:`switch`."""
        account = check_account(account_id)
        body = AccountSwitchRequest(acct_id=account)
        response = await self._core.call(
            lambda c: set_dynamic_account.asyncio_detailed(client=c, body=body)
        )
        return self._selected(response, account, "set dynamic account")

    def _selected(
        self, response: Response[AccountSwitched | ErrorResponse], account: str, what: str
    ) -> SelectedAccount:
        answer = expect_one(response, AccountSwitched, what)
        chosen = str_or_none(answer.acct_id, "acctId") or account
        done = bool_or_none(answer.set_, "set")
        extra = answer.additional_properties.get("success")
        already = isinstance(extra, str) and "already" in extra.lower()
        if chosen != account or not (done or already):
            raise errors.BadRequestError(
                f"{what}: the gateway did not select {account}: {body_excerpt(response)!r}; "
                "check the id against ib.accounts()",
                body=extra,
                status_code=int(response.status_code),
            )
        self._core.account_id = account
        return SelectedAccount(account_id=account, changed=not already, model=answer)

    # --- owners
    async def owners(self, *, account_id: str | None = None) -> AccountOwners:
        """The users with a role on the account (owners, traders ...) and the signatures on it."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: get_signatures_and_owners.asyncio_detailed(account, client=c)
        )
        answer = expect_one(response, SignaturesAndOwners, "signatures and owners")
        return AccountOwners.from_model(account, answer)

    # --- the trading view
    async def summary(self, *, account_id: str | None = None) -> TradingSummary:
        """Balances, margins and buying power in the base currency, with cash per currency."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: get_trading_account_summary.asyncio_detailed(account, client=c)
        )
        answer = expect_one(response, TradingAccountSummary, "trading account summary")
        return TradingSummary.from_model(account, answer)

    async def available_funds(self, *, account_id: str | None = None) -> dict[str, FundsSegment]:
        """Available and excess funds, buying power and leverage by segment (``total`` ...)."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: get_available_funds.asyncio_detailed(account, client=c)
        )
        answer = expect_one(response, AvailableFunds, "available funds")
        segments = _named_segments(answer, "available funds")
        return {name: FundsSegment.from_segment(name, s) for name, s in segments.items()}

    async def balances(self, *, account_id: str | None = None) -> dict[str, BalanceSegment]:
        """Net liquidation, equity with loan, gross position value and cash by segment."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: get_account_balances.asyncio_detailed(account, client=c)
        )
        answer = expect_one(response, AccountBalances, "balances")
        segments = _named_segments(answer, "balances")
        return {name: BalanceSegment.from_segment(name, s) for name, s in segments.items()}

    async def margins(self, *, account_id: str | None = None) -> dict[str, MarginSegment]:
        """Initial and maintenance margin (now and projected) by segment."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: get_account_margins.asyncio_detailed(account, client=c)
        )
        answer = expect_one(response, AccountMargins, "margins")
        segments = _named_segments(answer, "margins")
        return {name: MarginSegment.from_segment(name, s) for name, s in segments.items()}

    async def market_value(self, *, account_id: str | None = None) -> dict[str, CurrencyHoldings]:
        """Holdings by currency (cash, stock, options ... and the exchange rate), plus their total
        in the base currency (key ``"Total (in USD)"`` for a USD account)."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: get_market_value.asyncio_detailed(account, client=c)
        )
        answer = expect_one(response, MarketValueByCurrency, "market value")
        currencies = _segments({}, answer.additional_properties, "market value")
        return {name: CurrencyHoldings.from_model(name, m) for name, m in currencies.items()}

    # --- advisors' and brokers' sub-accounts
    async def subaccounts(self) -> list[PortfolioAccount]:
        """The login's accounts as the portfolio sees them (up to 100; beyond, use
        :meth:`subaccounts_page` or :meth:`all_subaccounts`). Limited to 1 call per 5 seconds."""
        response = await self._core.call(lambda c: get_subaccounts.asyncio_detailed(client=c))
        return [PortfolioAccount.from_model(m) for m in expect_list(response, "subaccounts")]

    async def subaccounts_page(self, page: int = 0) -> SubaccountsPage:
        """One page of sub-accounts (from 0) for logins with more than 100 of them."""
        number = check_count(page, "page", minimum=0, maximum=_MAX_PAGES)
        response = await self._core.call(
            lambda c: get_subaccounts_page.asyncio_detailed(client=c, page=number)
        )
        answer = expect_one(response, SubaccountsPageModel, "subaccounts page")
        return SubaccountsPage.from_model(number, answer)

    async def all_subaccounts(self) -> AsyncIterator[PortfolioAccount]:
        """Every sub-account, page after page, each once; stops at an empty or short page, or
        when the pages read hold the total the gateway announced."""
        seen: set[str] = set()
        for number in range(_MAX_PAGES):
            page = await self.subaccounts_page(number)
            fresh = [a for a in page.accounts if a.account_id not in seen]
            for account in fresh:
                seen.add(account.account_id)
                yield account
            full = page.page_size is not None and len(page.accounts) >= page.page_size
            if not fresh or (page.total is not None and len(seen) >= page.total):
                return
            if page.page_size is not None and not full:
                return
        raise errors.UnexpectedResponseError(
            f"subaccounts: still more after {_MAX_PAGES} pages; the gateway's paging looks broken"
        )

    async def meta(self, *, account_id: str | None = None) -> PortfolioAccount:
        """One account's details (title, type, currency, its advisor's account ...)."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: get_account_meta.asyncio_detailed(account, client=c)
        )
        return PortfolioAccount.from_model(
            expect_one(response, PortfolioAccountModel, "account meta")
        )

    # --- what the account holds
    async def allocation(
        self, *, account_id: str | None = None, model: str | None = None
    ) -> Allocation:
        """The account's holdings by asset class, sector and group (``model``: a model portfolio)."""
        account = await self._core.resolve_account(account_id)
        chosen = unset_if_none(None if model is None else check_text(model, "model", max_length=64))
        response = await self._core.call(
            lambda c: get_allocation.asyncio_detailed(account, client=c, model=chosen)
        )
        return Allocation.from_model(expect_one(response, PortfolioAllocation, "allocation"))

    async def combined_allocation(self, account_ids: Iterable[str]) -> Allocation:
        """Several accounts' holdings by asset class, sector and group, added together."""
        accounts = check_account_list(account_ids, _MAX_COMBINED)
        body = AccountIdsRequest(acct_ids=accounts)
        response = await self._core.call(
            lambda c: get_combined_allocation.asyncio_detailed(client=c, body=body)
        )
        return Allocation.from_model(expect_one(response, PortfolioAllocation, "allocation"))

    async def positions_by_conid(self, conid: int) -> dict[str, list[Position]]:
        """Each account's position in one contract, by account id (accounts holding none are
        left out). For an advisor it spans the accounts the selected account (:meth:`switch`)
        lets the login see: the master account sees all of them, a sub-account only itself."""
        contract = check_conid(conid)
        response = await self._core.call(
            lambda c: get_positions_by_conid.asyncio_detailed(contract, client=c)
        )
        answer = expect_one(response, PositionsByAccount, "positions by conid")
        if len(answer.additional_properties) > _MAX_COMBINED:
            raise errors.UnexpectedResponseError("positions by conid: more accounts than expected")
        return {
            check_answered_account(account): [Position.from_model(p, account) for p in items]
            for account, items in sorted(answer.additional_properties.items())
        }

    async def invalidate_positions(self, *, account_id: str | None = None) -> str | None:
        """Make the gateway read the account's positions afresh on the next positions call
        (after trades or transfers its cache has not seen); returns the gateway's message."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: invalidate_positions.asyncio_detailed(account, client=c)
        )
        answer = expect_one(response, PositionsInvalidated, "invalidate positions")
        return str_or_none(answer.message, "message")

    async def combo_positions(
        self, *, account_id: str | None = None, fresh: bool = False
    ) -> list[ComboPosition]:
        """The account's combination (spread) positions, each with its legs and their positions.
        ``fresh=True`` asks the gateway not to answer from its cache."""
        account = await self._core.resolve_account(account_id)
        nocache = unset_if_none(True if check_flag(fresh, "fresh") else None)
        response = await self._core.call(
            lambda c: get_combo_positions.asyncio_detailed(account, client=c, nocache=nocache)
        )
        return [
            ComboPosition.from_model(account, m) for m in expect_list(response, "combo positions")
        ]


def check_answered_account(account: str) -> str:
    """An account id key in an answer, checked like an id the user gives."""
    try:
        return check_account(account)
    except errors.InvalidRequestError as exc:
        raise errors.UnexpectedResponseError(
            f"positions by conid: {account[:40]!r} is not an account id"
        ) from exc


def check_account_list(account_ids: object, maximum: int) -> list[str]:
    """One account id or several (each once, in order), 1 to ``maximum`` of them."""
    if isinstance(account_ids, str):
        account_ids = [account_ids]
    if not isinstance(account_ids, list | tuple | set | frozenset):
        raise errors.InvalidRequestError(
            "account_ids: give a list of account ids, e.g. ['U1234567', 'U7654321']"
        )
    accounts = list(dict.fromkeys(check_account(a) for a in account_ids))
    if not accounts or len(accounts) > maximum:
        raise errors.InvalidRequestError(
            f"account_ids: give 1 to {maximum} account ids, e.g. ['U1234567', 'U7654321']"
        )
    return accounts
