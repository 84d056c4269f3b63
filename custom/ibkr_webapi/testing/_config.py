"""Every knob of the gateway simulator in one frozen dataclass."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ._faults import Faults
from ._ws_settings import WebsocketSettings

if TYPE_CHECKING:
    from ._oauth_settings import OAuth1Settings, OAuth2Settings


@dataclass(frozen=True)
class RateLimit:
    """At most `count` requests in any window of `per` seconds."""

    count: int
    per: float


# Every /fyi route (IBKR: 1 request a second each), keyed like `ApiRoute.endpoint_key`.
FYI_ENDPOINTS = (
    "GET /fyi/unreadnumber",
    "GET /fyi/notifications",
    "PUT /fyi/notifications/{notificationId}",
    "GET /fyi/settings",
    "POST /fyi/settings/{typecode}",
    "GET /fyi/disclaimer/{typecode}",
    "PUT /fyi/disclaimer/{typecode}",
    "GET /fyi/deliveryoptions",
    "PUT /fyi/deliveryoptions/email",
    "POST /fyi/deliveryoptions/device",
    "DELETE /fyi/deliveryoptions/{deviceId:path}",
)


def _endpoint_limits() -> dict[str, RateLimit]:
    """IBKR's published per-endpoint limits, keyed like `ApiRoute.endpoint_key`."""
    every_5s = RateLimit(1, 5.0)
    every_15min = RateLimit(1, 900.0)
    return {
        "GET /iserver/marketdata/snapshot": RateLimit(10, 1.0),
        "GET /iserver/account/orders": every_5s,
        "GET /iserver/account/trades": every_5s,
        "GET /iserver/account/pnl/partitioned": every_5s,
        "GET /portfolio/accounts": every_5s,
        "GET /portfolio/subaccounts": every_5s,
        "POST /tickle": RateLimit(1, 1.0),
        "GET /tickle": RateLimit(1, 1.0),
        "POST /iserver/scanner/run": RateLimit(1, 1.0),
        "GET /iserver/scanner/params": every_15min,
        "POST /pa/performance": every_15min,
        "POST /pa/summary": every_15min,
        "POST /pa/transactions": every_15min,
        "GET /sso/validate": RateLimit(1, 60.0),
        **{key: RateLimit(1, 1.0) for key in FYI_ENDPOINTS},
    }


def _slow_fields() -> frozenset[str]:
    return frozenset({"7280", "7281", "7282", "7286", "7287", "7289", "7290", "7291", "7718"})


@dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    """How the simulated gateway behaves. Durations are seconds of (simulated) clock time.

    Use `dataclasses.replace(config, ...)` to derive a variant.
    """

    # --- accounts and portfolio
    accounts: tuple[str, ...] = ("U1234567", "U7654321")
    positions: Mapping[str, int] = field(
        default_factory=lambda: {"U1234567": 12, "U7654321": 4}
    )  # how many positions each account starts with (real contracts first, then synthetic ones)
    cash: float = 250_000.0
    positions_page_size: int = 100
    paper: bool = False
    seed: int = 0

    # --- advisors (FA) and brokers with many accounts
    # The master account of an advisor login ("F1234567"): `accounts` are then its sub-accounts, the
    # login lists all of them (``isFT``), and the selected account (POST /iserver/account) scopes
    # P&L and positions across accounts. None: an ordinary login.
    advisor: str | None = None
    subaccounts_page_size: int = 20  # sub-accounts per page of /portfolio/subaccounts2
    dynamic_accounts: bool = (
        False  # DYNACCT: account search and /iserver/dynaccount (503 otherwise)
    )
    # Model portfolio routes answer "not ready" (subscriptionStatus 0) this many times per reqID first
    model_pending_polls: int = 0

    # --- session
    brokerage_session_at_start: bool = True  # False: /iserver answers "no bridge" until ssodh/init
    idle_timeout: float = 360.0
    idle_timeout_action: Literal["expire", "logout"] = "expire"
    # True: every request, not only /tickle, resets the idle timer
    any_request_keeps_alive: bool = False
    # A POST that sends no length at all (neither Content-Length nor chunked) gets 411, like the
    # real gateway; an empty body with Content-Length: 0 is accepted
    require_post_body: bool = True

    # --- calls that must come first, and pre-flights
    require_iserver_accounts_first: bool = True
    require_portfolio_accounts_first: bool = True
    snapshot_preflight: bool = True
    live_orders_preflight: bool = True
    # True: snapshots of options and futures stay empty until a contract search named their
    # underlying in the brokerage session (the gateway wants /iserver/secdef/search first)
    derivatives_need_search: bool = True
    pnl_preflight: bool = False  # True: the first P&L call of a session answers {"upnl": {}}
    slow_fields: frozenset[str] = field(default_factory=_slow_fields)
    slow_field_delay: int = 1  # calls after the first answered one before slow fields show up

    # --- market data
    quote_interval: float = 0.5
    market_data_availability: str = "RpB"
    max_snapshot_conids: int = 100
    max_snapshot_fields: int = 50
    max_history_bars: int = 1000
    history_delay: float = 0.02  # real seconds each history request takes to answer

    # --- orders
    order_submit_delay: float = 0.2  # PreSubmitted -> Submitted
    order_fill_delay: float = 0.5  # Submitted -> Filled, for marketable orders
    size_limit: float = 500.0  # o383 above this quantity
    value_limit: float = 100_000.0  # o451 above this order value (USD)
    # O163 when an aggressive limit is this far through the market
    price_percentage_limit: float = 0.03
    # Rejected outright when the limit is this far from the market
    reject_price_deviation: float = 0.5
    market_order_question: bool = True  # o10151 on market orders
    stop_order_question: bool = True  # o0 on stop orders
    reply_timeout: float | None = 30.0  # a reply later than this is "late" (None: never)
    late_reply_status: int = 503  # status of a reply to a question that was cancelled or timed out
    unknown_reply_status: int = 400  # status of a reply to an id the simulator never issued
    # Globs of requests that do not cancel a pending question
    reply_exempt_paths: tuple[str, ...] = ()
    # The guard against a client order id (cOID) used twice: "lifetime" refuses any cOID seen
    # before, "session" only one seen in the current brokerage session (what IBKR documents), "none"
    # accepts every copy (a gateway whose guard fails).
    duplicate_coid_guard: Literal["lifetime", "session", "none"] = "lifetime"
    # The refusal's wording; {coid} is replaced by the cOID
    duplicate_coid_refusal: str = (
        "Order couldn't be submitted: Local order ID={coid} is already registered."
    )
    # Live orders list every order ("all") or only those of the current brokerage session
    # ("session", as IBKR documents them); a new order shows up there after live_orders_lag seconds.
    live_orders_scope: Literal["all", "session"] = "all"
    live_orders_lag: float = 0.0
    # Several orders in one placement: "any" takes them all; "linked" (IBKR's documented rule)
    # only brackets (the others attached by parentId) and OCA groups (all isSingleGroup).
    order_groups: Literal["any", "linked"] = "any"
    # A limit this far (fraction) from the market, but within reject_price_deviation, is refused
    # with a prompt (p12, the price management algo) answered via POST /iserver/notification;
    # None: never.
    price_prompt_deviation: float | None = None

    # --- rate limits
    rate_limits: bool = True
    global_rate_limit: RateLimit = RateLimit(10, 1.0)
    endpoint_rate_limits: Mapping[str, RateLimit] = field(default_factory=_endpoint_limits)
    history_max_concurrent: int = 5
    penalty_box: float = 600.0  # after a 429 the client IP gets 429 for this long
    # Windows are this fraction shorter, to forgive timing jitter
    rate_limit_tolerance: float = 0.05
    retry_after_header: bool = False  # the real gateway's Retry-After is undocumented
    # Every request waits a random 0..arrival_jitter real seconds before it is counted (and
    # answered), like a network path whose delay varies: tests that pacing holds under jitter.
    arrival_jitter: float = 0.0
    request_log_size: int = 100_000  # how many arrivals `SimulatorState.arrivals` keeps

    # --- direct access as api.ibkr.com (OAuth): the session starts logged out, requests are checked
    oauth1: OAuth1Settings | None = None
    oauth2: OAuth2Settings | None = None
    # --- websocket (/v1/api/ws)
    websocket: WebsocketSettings = field(default_factory=WebsocketSettings)

    # --- faults and control
    faults: Faults = field(default_factory=Faults)
    admin_routes: bool = True  # /_sim/... control routes

    @property
    def all_accounts(self) -> tuple[str, ...]:
        """Every account of the login: the advisor's master account first, then `accounts`."""
        return (self.advisor, *self.accounts) if self.advisor is not None else self.accounts

    def scaled_rate_limits(self, factor: int) -> SimulatorConfig:
        """This config with every rate limit allowing `factor` times as many requests per
        window (the concurrency limit unchanged); pair it with `RateLimitPolicy.scaled(factor)`."""
        return dataclasses.replace(
            self,
            global_rate_limit=RateLimit(
                self.global_rate_limit.count * factor, self.global_rate_limit.per
            ),
            endpoint_rate_limits={
                key: RateLimit(limit.count * factor, limit.per)
                for key, limit in self.endpoint_rate_limits.items()
            },
        )

    def __post_init__(self) -> None:
        if not self.accounts:
            raise ValueError("at least one account is needed")
        if self.advisor is not None and self.advisor in self.accounts:
            raise ValueError("the advisor's master account cannot also be one of its sub-accounts")
        unknown = set(self.positions) - set(self.all_accounts)
        if unknown:
            raise ValueError(f"positions given for unknown accounts: {sorted(unknown)}")
        if self.positions_page_size < 1 or self.quote_interval <= 0:
            raise ValueError("positions_page_size and quote_interval must be positive")
        if self.subaccounts_page_size < 1 or self.model_pending_polls < 0:
            raise ValueError("subaccounts_page_size must be positive, model_pending_polls >= 0")
        if self.arrival_jitter < 0 or self.penalty_box < 0:
            raise ValueError("arrival_jitter and penalty_box are seconds >= 0")
