"""``ib.analyst``: Portfolio Analyst: performance, summary, transactions (1 call per 15 minutes each).

IBKR allows ``/pa/performance``, ``/pa/summary`` and ``/pa/transactions`` once per 15 minutes
each. The client's pacer knows: a second call within the window waits for it, or raises
:class:`~ibkr_webapi.errors.RateLimitError` (with ``retry_after``) when the client's
``RateLimitPolicy(max_wait=...)`` is shorter. Keep the answers rather than asking again.
"""

from __future__ import annotations

from collections.abc import Iterable

from ibkr_webapi_client.api.analyst import (
    get_analyst_summary,
    get_performance,
    get_performance_all_periods,
    get_transactions,
)
from ibkr_webapi_client.models import (
    AnalystAccountsRequest,
    PerformanceAllPeriods,
    PerformanceRequest,
    TransactionHistory,
    TransactionsRequest,
)
from ibkr_webapi_client.models import AnalystSummary as AnalystSummaryModel
from ibkr_webapi_client.models import Performance as PerformanceModel

from ..ids import check_choice, check_conid, check_count, check_text
from ..results.analyst import AnalystSummary, AnalystTransactions, Performance, PeriodPerformance
from ..seam import expect_one, unexpected, unset_if_none
from ._base import Resource
from .accounts import check_account_list

PERIODS = ("1D", "7D", "MTD", "1M", "3M", "6M", "12M", "YTD")
"""Periods :meth:`AnalystResource.performance` takes."""
_MAX_ACCOUNTS = 1_000
_MAX_DAYS = 3_650


class AnalystResource(Resource):
    """``ib.analyst``: Portfolio Analyst: performance, summary, transactions (1 call per 15 minutes each).

    ``account_ids`` defaults to the client's account (``IBKR_ACCOUNT_ID``, the one selected with
    ``ib.accounts.switch``), or the login's only one.
    """

    __slots__ = ()

    async def _accounts(self, account_ids: str | Iterable[str] | None) -> list[str]:
        if account_ids is None:
            return [await self._core.resolve_account(None)]
        return check_account_list(account_ids, _MAX_ACCOUNTS)

    async def performance(
        self, period: str = "12M", *, account_ids: str | Iterable[str] | None = None
    ) -> Performance:
        """Net asset value and returns (cumulative and per step) by account over ``period``
        (one of :data:`PERIODS`). Limited to 1 call per 15 minutes."""
        chosen = check_choice(period, "period", PERIODS)
        body = PerformanceRequest(acct_ids=await self._accounts(account_ids), period=chosen)
        response = await self._core.call(
            lambda c: get_performance.asyncio_detailed(client=c, body=body)
        )
        return Performance.from_model(chosen, expect_one(response, PerformanceModel, "performance"))

    async def all_periods(
        self, *, account_ids: str | Iterable[str] | None = None
    ) -> dict[str, dict[str, PeriodPerformance]]:
        """Every standard period (``1D``, ``7D``, ``MTD``, ``1M``, ``YTD``, ``1Y``) at once, by
        account then period."""
        accounts = await self._accounts(account_ids)
        body = AnalystAccountsRequest(acct_ids=accounts)
        only = unset_if_none(accounts[0] if len(accounts) == 1 else None)
        response = await self._core.call(
            lambda c: get_performance_all_periods.asyncio_detailed(client=c, body=body, param=only)
        )
        answer = expect_one(response, PerformanceAllPeriods, "all periods")
        if len(answer.additional_properties) > _MAX_ACCOUNTS:
            raise unexpected("all periods", "more accounts than asked for")
        found: dict[str, dict[str, PeriodPerformance]] = {}
        for account, entry in sorted(answer.additional_properties.items()):
            periods = {
                name: PeriodPerformance.from_model(name, series, f"{account}.{name}")
                for name, series in entry.additional_properties.items()
            }
            found[account] = dict(sorted(periods.items(), key=lambda item: _order(item[0])))
        return found

    async def summary(self, *, account_ids: str | Iterable[str] | None = None) -> AnalystSummary:
        """The accounts' value this year: start, end, change, return, and value by day.
        Limited to 1 call per 15 minutes."""
        body = AnalystAccountsRequest(acct_ids=await self._accounts(account_ids))
        response = await self._core.call(
            lambda c: get_analyst_summary.asyncio_detailed(client=c, body=body)
        )
        return AnalystSummary.from_model(expect_one(response, AnalystSummaryModel, "summary"))

    async def transactions(
        self,
        conid: int,
        *,
        account_ids: str | Iterable[str] | None = None,
        days: int = 90,
        currency: str = "USD",
    ) -> AnalystTransactions:
        """One contract's trades in the accounts over the last ``days``, with the P&L they
        realized. Limited to 1 call per 15 minutes."""
        body = TransactionsRequest(
            acct_ids=await self._accounts(account_ids),
            conids=[check_conid(conid)],
            currency=check_text(currency, "currency", max_length=3).upper(),
            days=check_count(days, "days", maximum=_MAX_DAYS),
        )
        response = await self._core.call(
            lambda c: get_transactions.asyncio_detailed(client=c, body=body)
        )
        return AnalystTransactions.from_model(
            expect_one(response, TransactionHistory, "transactions")
        )


_PERIOD_ORDER = ("1D", "7D", "MTD", "1M", "3M", "6M", "12M", "YTD", "1Y")


def _order(period: str) -> tuple[int, str]:
    return (_PERIOD_ORDER.index(period) if period in _PERIOD_ORDER else len(_PERIOD_ORDER), period)
