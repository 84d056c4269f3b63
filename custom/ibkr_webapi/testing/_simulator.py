"""SimulatorState: the simulated gateway's state, and the controls tests and the admin routes use."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._accounts import Balances
from ._advisor import AdvisorDesk
from ._alerts import AlertBook, SimAlert
from ._catalogue import Catalogue, Contract
from ._clock import Clock
from ._config import SimulatorConfig
from ._derivatives import build_derivatives
from ._events import EventBook
from ._faults import FaultInjector, Faults, LostAnswer, SessionReset
from ._market import Market, Quote, TradingState
from ._notifications import ALERT_TYPE, Fyi, NotificationCenter
from ._orders import OrderBook, SimOrder
from ._portfolio import Portfolio
from ._questions import PromptDesk, ReplyDesk
from ._ratelimit import RateLimiter
from ._session import Session
from ._snapshot import SnapshotService
from ._watchlists import WatchlistBook

if TYPE_CHECKING:
    from ._oauth_guard import OAuthGuard


@dataclass
class Arrival:
    """One request as the simulator counted it: when (simulator clock, after any arrival
    jitter), what, from where, and the status it was answered with (0 until answered)."""

    at: float
    method: str
    path: str
    client: str
    status: int = 0


class SimulatorState:
    """An in-memory IBKR Client Portal gateway's state, and the controls to steer it: expire the
    session, inject faults, move the clock, add positions, fill orders. `GatewaySimulator` adds
    serving it."""

    def __init__(
        self, config: SimulatorConfig | None = None, *, clock: Clock | None = None
    ) -> None:
        self.config = config or SimulatorConfig()
        self.clock = clock or Clock()
        self.fault_injector = FaultInjector(self.config.faults)
        self.reset()

    def reset(self) -> None:
        """Back to the configured initial state (the clock keeps its time)."""
        config, now = self.config, self.clock.time()
        today = datetime.fromtimestamp(now, UTC).date()
        self.catalogue = Catalogue(config.seed, today=today, derivatives=build_derivatives)
        self.events = EventBook(today)
        self.market = Market(
            seed=config.seed,
            interval=config.quote_interval,
            start=now,
            availability=config.market_data_availability,
        )
        self.portfolio = Portfolio(
            config.all_accounts,
            cash=config.cash,
            seed=config.seed,
            catalogue=self.catalogue,
            market=self.market,
            clock=self.clock.time,
        )
        for account, count in config.positions.items():
            self.portfolio.populate(account, count)
        self.session = Session(config, now)
        self.oauth: OAuthGuard | None = None
        """The OAuth servers (``.oauth1``, ``.oauth2``) when the config enables OAuth."""
        if config.oauth1 is not None or config.oauth2 is not None:
            from ._oauth_guard import OAuthGuard

            self.oauth = OAuthGuard(config, self.session)
        self.snapshots = SnapshotService(config, self.catalogue, self.market)
        self.orders = OrderBook(
            submit_delay=config.order_submit_delay, fill_delay=config.order_fill_delay
        )
        self.replies = ReplyDesk(config)
        self.advisor = AdvisorDesk(config)
        """Allocation groups, presets and model portfolios of an advisor login (kept until reset)."""
        self.watchlists = WatchlistBook(self.catalogue, now)
        self.alerts = AlertBook(config.accounts, self.catalogue, now)
        self.notifications = NotificationCenter(now)
        self.prompts = PromptDesk(config)
        self.rate_limiter = RateLimiter(config)
        self.fault_injector.clear()
        self.fault_injector.configure(config.faults)
        self.history_in_flight = 0
        self.hmds_in_flight = 0
        self.regulatory_snapshots = 0  # /md/regsnapshot calls: each would cost the user money
        self.requests: Counter[str] = Counter()  # "METHOD /route/template" -> how many arrived
        self.rate_limited = 0  # how many requests were answered 429
        self.arrivals: deque[Arrival] = deque(maxlen=config.request_log_size)
        """Every API request in arrival order (see `Arrival`)."""
        self.jitter_rng = random.Random(config.seed)

    # --- time
    def now(self) -> float:
        return self.clock.time()

    def advance(self, seconds: float) -> None:
        """Move the clock forward; session expiry, quotes and fills follow on the next request."""
        self.clock.advance(seconds)

    def settle(self) -> None:
        """Bring time-driven state up to date: idle expiry and order status changes."""
        now = self.now()
        self.session.check_idle(now)
        self.orders.advance(now, self.market.quote, self._book_fill)
        if self.alerts.alerts:
            for alert in self.alerts.evaluate(self.market, now, self._cushion):
                self._announce(alert, now)

    def _book_fill(self, order: SimOrder, quantity: float) -> None:
        ticket = order.ticket
        price = order.average_price if order.average_price is not None else 0.0
        self.portfolio.apply_fill(
            ticket.account, ticket.contract.conid, ticket.sign * quantity, price
        )
        self.alerts.note_fill(ticket.account, ticket.contract.conid)

    def _cushion(self, account: str) -> float:
        """Margin cushion of an account, 0..1, as margin alerts read it."""
        now = self.now()
        return Balances(self.portfolio.cash[account], self.portfolio.totals(account, now)).cushion

    def _announce(self, alert: SimAlert, now: float) -> Fyi | None:
        """A fired alert reaches the user as an FYI notification (type AL)."""
        return self.notifications.deliver(
            ALERT_TYPE,
            f"Alert triggered: {alert.name}",
            alert.message or alert.name,
            now,
        )

    # --- session controls
    def expire_session(self) -> None:
        """What the idle timeout does, right now."""
        self.session.expire()

    def logout(self) -> None:
        """End the whole session: every route answers 401 until `login()`."""
        self.session.logout()

    def login(self, *, open_brokerage: bool = True) -> None:
        """A fresh login, as through the gateway's web page."""
        self.session.login(self.now(), open_brokerage=open_brokerage)

    def set_competing(self, competing: bool = True) -> None:
        """Another login takes the brokerage session (True), or gives it back (False)."""
        if competing:
            self.session.take_over()
        else:
            self.session.competing = False

    def drop_bridge(self) -> None:
        """Close the brokerage session: /iserver answers "no bridge" until ssodh/init."""
        self.session.drop_bridge()

    # --- faults
    @property
    def faults(self) -> Faults:
        """The random faults in force (see `set_faults`)."""
        return self.fault_injector.faults

    def set_faults(self, faults: Faults | None = None, **changes: Any) -> Faults:
        """Replace the random faults (`Faults(...)`), or change some fields of the current ones."""
        base = faults if faults is not None else self.faults
        updated = dataclasses.replace(base, **changes) if changes else base
        self.fault_injector.configure(updated)
        return updated

    def fail_next(self, status: int = 503, *, count: int = 1, path: str | None = None) -> None:
        """Answer the next `count` requests (matching the `path` glob) with `status`."""
        self.fault_injector.schedule("error", status=status, count=count, path=path)

    def drop_next(self, *, count: int = 1, path: str | None = None) -> None:
        """Close the connection of the next `count` requests without an answer."""
        self.fault_injector.schedule("drop", count=count, path=path)

    def lose_next_answer(
        self,
        how: LostAnswer = "drop",
        *,
        status: int = 503,
        count: int = 1,
        path: str | None = None,
        reset_session: SessionReset | None = None,
    ) -> None:
        """Carry out the next `count` requests (matching `path`), then lose their answers.

        `how`: ``drop`` the connection, answer an ``error`` (`status`), or send a ``garbage`` 200.
        `reset_session`: then ``expire`` the brokerage session (the client sees 401) or ``reopen``
        a new one silently (live orders of the old session are no longer listed when
        `live_orders_scope` is ``"session"``).
        """
        self.fault_injector.schedule_lost_answer(
            how, status=status, count=count, path=path, reset=reset_session
        )

    def clear_faults(self) -> None:
        """Turn every fault off, scheduled ones included."""
        self.fault_injector.clear()

    def release_penalty_box(self) -> None:
        """Forget rate-limit history and let penalised clients back in."""
        self.rate_limiter.release()

    # --- market and portfolio
    def contract(self, conid: int) -> Contract:
        contract = self.catalogue.get(conid)
        if contract is None:
            raise KeyError(f"unknown conid {conid}")
        return contract

    def quote(self, conid: int) -> Quote:
        """The current quote of a contract."""
        return self.market.quote(self.contract(conid), self.now())

    def set_trading_state(self, conid: int, state: TradingState) -> None:
        """Set to halted (field 31 prefixed H), no_trade_today (prefixed C) or trading."""
        self.contract(conid)
        self.market.set_state(conid, state)

    def set_market_data(self, conid: int, availability: str | None) -> None:
        """Field 6509 for one contract; starting with "N" removes prices and raises o354 on orders."""
        self.contract(conid)
        self.market.set_availability(conid, availability)

    def _account(self, account: str) -> str:
        if account not in self.portfolio.holdings:
            raise KeyError(f"unknown account {account}")
        return account

    def add_positions(self, account: str, count: int) -> None:
        """Add `count` positions (known stocks not yet held first, then synthetic ones)."""
        self.portfolio.populate(self._account(account), count)

    def set_position(
        self, account: str, conid: int, quantity: float, avg_cost: float | None = None
    ) -> None:
        """Set one position (0 removes it); the average cost defaults to the current price."""
        contract = self.contract(conid)
        cost = avg_cost if avg_cost is not None else self.market.last(contract, self.now())
        self.portfolio.set_position(self._account(account), conid, quantity, cost)

    # --- orders
    def order(self, order_id: int) -> SimOrder:
        order = self.orders.orders.get(order_id)
        if order is None:
            raise KeyError(f"unknown order {order_id}")
        return order

    def fill_order(self, order_id: int, price: float | None = None) -> SimOrder:
        """Fill a live order now, at `price`, else at the market (a limit no worse than its limit:
        the market has reached it)."""
        self.settle()
        order = self.order(order_id)
        if not order.live:
            raise ValueError(f"order {order_id} is {order.status}, not live")
        if price is None:
            quote = self.quote(order.ticket.contract.conid)
            buying = order.ticket.side == "BUY"
            price = quote.ask if buying else quote.bid
            limit = order.ticket.limit_price
            if limit is not None:
                price = min(price, limit) if buying else max(price, limit)
        self.orders.fill(order, price, self.now(), self._book_fill)
        return order

    # --- alerts, watchlists and notifications
    def trigger_alert(self, alert_id: int) -> Fyi | None:
        """Fire an alert now, whatever its conditions say; returns the FYI it produced."""
        alert = self.alerts.alerts.get(alert_id)
        if alert is None:
            raise KeyError(f"unknown alert {alert_id}")
        self.alerts.fire(alert)
        return self._announce(alert, self.now())

    def notify(self, type_code: str, title: str, body: str) -> Fyi | None:
        """Deliver an FYI notification now (unless its type is turned off)."""
        return self.notifications.deliver(type_code, title, body, self.now())

    def state(self) -> dict[str, Any]:
        """A summary for humans and the admin route."""
        session = self.session
        return {
            "time": self.now(),
            "session": {
                "logged_in": session.logged_in,
                "brokerage": session.brokerage,
                "competing": session.competing,
                "last_keepalive": session.last_keepalive,
                "iserver_accounts_seen": session.iserver_accounts_seen,
                "portfolio_accounts_seen": session.portfolio_accounts_seen,
                "suppressed": sorted(session.suppressed),
            },
            "accounts": {
                account: {
                    "positions": len(holdings),
                    "cash": round(self.portfolio.cash[account], 2),
                }
                for account, holdings in self.portfolio.holdings.items()
            },
            "orders": [
                {
                    "order_id": o.order_id,
                    "status": o.status,
                    "symbol": o.ticket.contract.symbol,
                    "side": o.ticket.side,
                    "quantity": o.ticket.quantity,
                    "coid": o.ticket.coid,
                }
                for o in self.orders.orders.values()
            ],
            "pending_question": self.replies.pending.reply_id if self.replies.pending else None,
            "watchlists": len(self.watchlists),
            "alerts": len(self.alerts.alerts),
            "unread_notifications": self.notifications.unread()["BN"],
            "requests": dict(self.requests),
            "rate_limited": self.rate_limited,
            "arrivals": {
                "count": len(self.arrivals),
                "first": self.arrivals[0].at if self.arrivals else None,
                "last": self.arrivals[-1].at if self.arrivals else None,
            },
            "faults": self.faults.to_json(),
            "scheduled_faults": self.fault_injector.scheduled,
        }
