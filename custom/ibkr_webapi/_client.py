"""IBKRClient: the one object users import, with the API grouped in resource namespaces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from ._core import ClientCore
from .auth.constructors import OAuthConstructors

if TYPE_CHECKING:  # resources and results load with the first namespace used (cold import)
    from .orders.order import ConfirmPolicy, Order
    from .resources.accounts import AccountsResource
    from .resources.advisor import AdvisorResource
    from .resources.alerts import AlertsResource
    from .resources.analyst import AnalystResource
    from .resources.contracts import ContractsResource, Right
    from .resources.events import EventsResource
    from .resources.market import HistorySource, MarketResource
    from .resources.notifications import NotificationsResource
    from .resources.orders import OrdersResource
    from .resources.portfolio import PortfolioResource, SortDirection
    from .resources.scanner import ScannerResource
    from .resources.session import SessionResource
    from .resources.watchlists import WatchlistsResource
    from .results.accounts import PortfolioAccount
    from .results.contracts import ContractDetails, ContractMatch, DerivativeDefinition
    from .results.market import History
    from .results.orders import (
        CancelResult,
        LiveOrder,
        OrderPreview,
        OrderStatus,
        PlacedOrder,
        Trade,
    )
    from .results.portfolio import LedgerEntry, PnlEntry, Position, SummaryItem
    from .results.session import AuthStatus, SsoSession, TickleResult
    from .snapshot import Quote
    from .streaming import StreamManager


class IBKRClient(OAuthConstructors, ClientCore):
    """Asyncio client for the IBKR Client Portal / Web API gateway.

    Use it as ``async with IBKRClient() as ib:`` (the gateway's address, certificate and account
    come from ``IBKR_*`` environment variables unless given). It keeps the session alive, re-opens
    it when it drops, paces requests within IBKR's limits, retries what is safe to retry, and raises
    :mod:`ibkr_webapi.errors` exceptions that say what to do.

    The API is grouped by resource: ``ib.session``, ``ib.accounts``, ``ib.portfolio``, ``ib.market``,
    ``ib.contracts`` and ``ib.orders``; the everyday calls also have top-level shortcuts
    (``ib.positions(...)``, ``ib.snapshot(...)``, ``ib.place_order(...)`` ...). ``ib.raw`` is the
    generated low-level client, sharing the same session care, pacing and retries. Without a
    gateway: ``IBKRClient.oauth1(...)`` / ``IBKRClient.oauth2(...)`` (see docs/authentication.md).
    """

    @cached_property
    def session(self) -> SessionResource:
        """The gateway session and the brokerage session behind ``/iserver``."""
        from .resources.session import SessionResource

        return SessionResource(self)

    @cached_property
    def accounts(self) -> AccountsResource:
        """Accounts: ``await ib.accounts()`` lists the brokerage accounts of this login."""
        from .resources.accounts import AccountsResource

        return AccountsResource(self)

    @cached_property
    def portfolio(self) -> PortfolioResource:
        """Positions, account summary, ledger and P&L."""
        from .resources.portfolio import PortfolioResource

        return PortfolioResource(self)

    @cached_property
    def market(self) -> MarketResource:
        """Snapshots and historical bars."""
        from .resources.market import MarketResource

        return MarketResource(self)

    @cached_property
    def contracts(self) -> ContractsResource:
        """Contract search and definitions."""
        from .resources.contracts import ContractsResource

        return ContractsResource(self)

    @cached_property
    def orders(self) -> OrdersResource:
        """Placing, changing, cancelling and following orders."""
        from .resources.orders import OrdersResource

        return OrdersResource(self)

    @property
    def stream(self) -> StreamManager:
        """Subscriptions over the client's one websocket (created on first use, closed with the client).

        ``async with ib.stream.quotes([265598], fields=["last_price"]) as quotes: async for q in quotes``.
        """
        if self._stream is None:
            from .streaming import StreamManager  # imported on first use: websockets loads then

            self._stream = StreamManager(
                self,
                base_url=self.base_url,
                ssl_context=self.ssl_context,
                cookies=lambda: {c.name: c.value or "" for c in self._http.cookies.jar},
                auth=self._http.auth,
                options=self._stream_options,
            )
        return self._stream

    @cached_property
    def scanner(self) -> ScannerResource:
        """Market scanners: their parameters, and running one."""
        from .resources.scanner import ScannerResource

        return ScannerResource(self)

    @cached_property
    def watchlists(self) -> WatchlistsResource:
        """The login's watchlists: list, read, create, delete."""
        from .resources.watchlists import WatchlistsResource

        return WatchlistsResource(self)

    @cached_property
    def alerts(self) -> AlertsResource:
        """Price and condition alerts: list, read, create, activate, delete; MTA."""
        from .resources.alerts import AlertsResource

        return AlertsResource(self)

    @cached_property
    def notifications(self) -> NotificationsResource:
        """FYI notifications: unread count, list, mark read, settings, disclaimers, delivery."""
        from .resources.notifications import NotificationsResource

        return NotificationsResource(self)

    @cached_property
    def advisor(self) -> AdvisorResource:
        """Financial-advisor allocation: groups, presets, model portfolios."""
        from .resources.advisor import AdvisorResource

        return AdvisorResource(self)

    @cached_property
    def analyst(self) -> AnalystResource:
        """Portfolio Analyst: performance, summary, transactions (1 call per 15 minutes each)."""
        from .resources.analyst import AnalystResource

        return AnalystResource(self)

    @cached_property
    def events(self) -> EventsResource:
        """Event contracts (ForecastEx): categories, markets, contract details, rules, schedules."""
        from .resources.events import EventsResource

        return EventsResource(self)

    async def _keepalive_tick(self) -> None:
        await self.session.keepalive_tick()

    # -- session shortcuts ----------------------------------------------------------------------

    async def auth_status(self, *, recover: bool = True) -> AuthStatus:
        """``ib.session.status()``: the brokerage session's state (re-opened when it dropped)."""
        return await self.session.status(recover=recover)

    async def tickle(self) -> TickleResult:
        """``ib.session.tickle()``: keep the session alive."""
        return await self.session.tickle()

    async def open_brokerage_session(self, *, compete: bool = True) -> AuthStatus:
        """``ib.session.open_brokerage_session()``: ``ssodh/init``."""
        return await self.session.open_brokerage_session(compete=compete)

    async def logout(self) -> bool:
        """``ib.session.logout()``."""
        return await self.session.logout()

    async def validate_sso(self) -> SsoSession:
        """``ib.session.validate_sso()``."""
        return await self.session.validate_sso()

    # -- portfolio shortcuts --------------------------------------------------------------------

    async def portfolio_accounts(self) -> list[PortfolioAccount]:
        """``ib.accounts.portfolio()``."""
        return await self.accounts.portfolio()

    async def positions_page(
        self,
        account_id: str | None,
        page: int,
        *,
        sort: str | None = None,
        direction: SortDirection | None = None,
        model: str | None = None,
    ) -> list[Position]:
        """``ib.portfolio.positions_page()``: one page of positions."""
        return await self.portfolio.positions_page(
            page, account_id=account_id, sort=sort, direction=direction, model=model
        )

    def positions(
        self,
        account_id: str | None = None,
        *,
        sort: str | None = None,
        direction: SortDirection | None = None,
        model: str | None = None,
        concurrency: int = 1,
        on_page: Callable[[int, int], object] | None = None,
    ) -> AsyncIterator[Position]:
        """``ib.portfolio.positions()``: every position, page after page (``async for``)."""
        return self.portfolio.positions(
            account_id=account_id,
            sort=sort,
            direction=direction,
            model=model,
            concurrency=concurrency,
            on_page=on_page,
        )

    async def all_positions(
        self, account_id: str | None = None, *, concurrency: int = 1
    ) -> list[Position]:
        """``ib.portfolio.all_positions()``: every position as a list."""
        return await self.portfolio.all_positions(account_id=account_id, concurrency=concurrency)

    async def position(self, account_id: str | None, conid: int) -> list[Position]:
        """``ib.portfolio.position()``: the position in one contract."""
        return await self.portfolio.position(conid, account_id=account_id)

    async def account_summary(self, account_id: str | None = None) -> dict[str, SummaryItem]:
        """``ib.portfolio.summary()``: summary values by name."""
        return await self.portfolio.summary(account_id=account_id)

    async def ledger(self, account_id: str | None = None) -> dict[str, LedgerEntry]:
        """``ib.portfolio.ledger()``: cash by currency."""
        return await self.portfolio.ledger(account_id=account_id)

    async def pnl(self) -> dict[str, PnlEntry]:
        """``ib.portfolio.pnl()``: daily and unrealized P&L."""
        return await self.portfolio.pnl()

    # -- market data and contract shortcuts -----------------------------------------------------

    async def snapshot(
        self,
        conids: int | str | Iterable[int | str],
        fields: Iterable[str | int] | None = None,
        *,
        max_polls: int | None = None,
    ) -> list[Quote]:
        """``ib.market.snapshot()``: quotes with readable field names."""
        return await self.market.snapshot(conids, fields, max_polls=max_polls)

    async def history(
        self,
        conid: int,
        *,
        period: str = "1d",
        bar: str = "5min",
        exchange: str | None = None,
        start_time: datetime | None = None,
        outside_rth: bool | None = None,
        source: HistorySource | None = None,
    ) -> History:
        """``ib.market.history()``: historical bars."""
        return await self.market.history(
            conid,
            period=period,
            bar=bar,
            exchange=exchange,
            start_time=start_time,
            outside_rth=outside_rth,
            source=source,
        )

    async def unsubscribe(self, conid: int) -> bool:
        """``ib.market.unsubscribe()``."""
        return await self.market.unsubscribe(conid)

    async def unsubscribe_all(self) -> bool:
        """``ib.market.unsubscribe_all()``."""
        return await self.market.unsubscribe_all()

    async def search_contracts(
        self, symbol: str, *, sec_type: str | None = None, name: bool = False
    ) -> list[ContractMatch]:
        """``ib.contracts.search()``."""
        return await self.contracts.search(symbol, sec_type=sec_type, name=name)

    async def contract_info(self, conid: int) -> ContractDetails:
        """``ib.contracts.info()``."""
        return await self.contracts.info(conid)

    async def secdef_info(
        self,
        conid: int,
        sec_type: str,
        *,
        month: str | None = None,
        exchange: str | None = None,
        strike: float | None = None,
        right: Right | None = None,
    ) -> list[DerivativeDefinition]:
        """``ib.contracts.secdef_info()``."""
        return await self.contracts.secdef_info(
            conid, sec_type, month=month, exchange=exchange, strike=strike, right=right
        )

    # -- order shortcuts (the account is always explicit here) ----------------------------------

    async def place_order(
        self,
        account_id: str,
        order: Order,
        *,
        confirm: ConfirmPolicy = False,
        resend_if_missing: bool = False,
    ) -> PlacedOrder:
        """``ib.orders.place()``: place an order, answering questions by ``confirm``."""
        return await self.orders.place(
            order, account_id=account_id, confirm=confirm, resend_if_missing=resend_if_missing
        )

    async def modify_order(
        self,
        account_id: str,
        order_id: int | str,
        order: Order,
        *,
        confirm: ConfirmPolicy = False,
    ) -> PlacedOrder:
        """``ib.orders.modify()``."""
        return await self.orders.modify(order_id, order, account_id=account_id, confirm=confirm)

    async def cancel_order(self, account_id: str, order_id: int | str) -> CancelResult:
        """``ib.orders.cancel()``."""
        return await self.orders.cancel(order_id, account_id=account_id)

    async def preview_order(self, account_id: str, order: Order) -> OrderPreview:
        """``ib.orders.preview()``."""
        return await self.orders.preview(order, account_id=account_id)

    async def order_status(self, order_id: int | str) -> OrderStatus:
        """``ib.orders.status()``."""
        return await self.orders.status(order_id)

    async def live_orders(
        self, *, filters: Iterable[str] | None = None, force: bool = False
    ) -> list[LiveOrder]:
        """``ib.orders.live()``."""
        return await self.orders.live(filters=filters, force=force)

    async def trades(self, *, days: int = 1) -> list[Trade]:
        """``ib.orders.trades()``: executions of today and the ``days`` before, with their cOIDs."""
        return await self.orders.trades(days=days)

    async def suppress_questions(self, message_ids: Iterable[str]) -> bool:
        """``ib.orders.suppress_questions()``."""
        return await self.orders.suppress_questions(message_ids)

    async def reset_suppressed_questions(self) -> bool:
        """``ib.orders.reset_suppressed_questions()``."""
        return await self.orders.reset_suppressed_questions()
