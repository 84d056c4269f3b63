"""Asyncio client for the Interactive Brokers Web API / Client Portal gateway.

    from ibkr_webapi import IBKRClient

    async with IBKRClient() as ib:            # IBKR_BASE_URL, IBKR_VERIFY, IBKR_ACCOUNT_ID
        quotes = await ib.snapshot([265598], fields=["last_price", "bid_price"])

Public results are this package's own types (``Position``, ``Quote``, ``LiveOrder`` ...): absent
values are ``None``, ids are ``int``, and ``.model`` keeps the answer as the generated layer read it.
"""

from __future__ import annotations

import logging

from . import errors
from ._client import IBKRClient
from ._core import PreflightPolicy
from .alert_conditions import (
    AlertCondition,
    MarginCondition,
    PriceCondition,
    TimeCondition,
    TradeCondition,
    VolumeCondition,
)
from .auth.bearer import BearerTokenAuth, StaticBearerAuth, Token
from .dates import IBKRTimeError, format_ibkr_time, parse_ibkr_date, parse_ibkr_time
from .fields import (
    DEFAULT_FIELDS,
    FIELDS,
    FIELDS_BY_NAME,
    FieldKind,
    UnknownFieldError,
    field_id,
    field_name,
    resolve_fields,
)
from .orders.groups import Bracket
from .orders.order import (
    ConfirmPolicy,
    Order,
    OrderType,
    Question,
    Side,
    TimeInForce,
    new_client_order_id,
)
from .pacing import Rate, RedisStore
from .redact import RedactingFilter
from .results.accounts import AccountProperties, Accounts, PortfolioAccount
from .results.alerts import Alert, AlertChange, AlertConditionInfo, AlertSummary
from .results.contracts import ContractDetails, ContractMatch, DerivativeDefinition, SecuritySection
from .results.market import Bar, History
from .results.notifications import (
    DeliveryDevice,
    DeliveryOptions,
    Disclaimer,
    Notification,
    NotificationSetting,
)
from .results.orders import (
    BracketState,
    BracketStatus,
    CancelResult,
    LiveOrder,
    MarginChange,
    OrderPreview,
    OrderPrompt,
    OrderStatus,
    PlacedBracket,
    PlacedOrder,
    Trade,
)
from .results.portfolio import LedgerEntry, PnlEntry, Position, SummaryItem
from .results.scanner import (
    ScannedContract,
    ScannerFilterOption,
    ScannerInstrument,
    ScannerLocation,
    ScannerParameters,
    ScanResult,
    ScanType,
)
from .results.session import AuthStatus, Reauthentication, SsoSession, TickleResult
from .results.watchlists import Watchlist, WatchlistEntry, WatchlistInfo
from .settings import DEFAULT_BASE_URL, Settings
from .snapshot import (
    AvailabilityStatus,
    FlaggedPrice,
    MarketDataAvailability,
    PriceFlag,
    Quote,
    merge_rows,
    parse_value,
    split_request,
)
from .transports.pacing import EndpointRule, Pacer, RateLimitPolicy
from .transports.retry import RetryPolicy

# A library never configures logging for its user; without a handler nothing is printed. Every
# record of the package's logger is redacted before any handler sees it.
logging.getLogger("ibkr_webapi").addHandler(logging.NullHandler())
for _name in (
    "ibkr_webapi",
    "ibkr_webapi.stream",
):  # a logger's filter skips its children's records
    logging.getLogger(_name).addFilter(RedactingFilter())

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_FIELDS",
    "FIELDS",
    "FIELDS_BY_NAME",
    "AccountProperties",
    "Accounts",
    "Alert",
    "AlertChange",
    "AlertCondition",
    "AlertConditionInfo",
    "AlertSummary",
    "AuthStatus",
    "AvailabilityStatus",
    "Bar",
    "BearerTokenAuth",
    "Bracket",
    "BracketState",
    "BracketStatus",
    "CancelResult",
    "ConfirmPolicy",
    "ContractDetails",
    "ContractMatch",
    "DeliveryDevice",
    "DeliveryOptions",
    "DerivativeDefinition",
    "Disclaimer",
    "EndpointRule",
    "FieldKind",
    "FlaggedPrice",
    "History",
    "IBKRClient",
    "IBKRTimeError",
    "LedgerEntry",
    "LiveOrder",
    "MarginChange",
    "MarginCondition",
    "MarketDataAvailability",
    "Notification",
    "NotificationSetting",
    "Order",
    "OrderPreview",
    "OrderPrompt",
    "OrderStatus",
    "OrderType",
    "Pacer",
    "PlacedBracket",
    "PlacedOrder",
    "PnlEntry",
    "PortfolioAccount",
    "Position",
    "PreflightPolicy",
    "PriceCondition",
    "PriceFlag",
    "Question",
    "Quote",
    "Rate",
    "RateLimitPolicy",
    "Reauthentication",
    "RedisStore",
    "RetryPolicy",
    "ScanResult",
    "ScanType",
    "ScannedContract",
    "ScannerFilterOption",
    "ScannerInstrument",
    "ScannerLocation",
    "ScannerParameters",
    "SecuritySection",
    "Settings",
    "Side",
    "SsoSession",
    "StaticBearerAuth",
    "SummaryItem",
    "TickleResult",
    "TimeCondition",
    "TimeInForce",
    "Token",
    "Trade",
    "TradeCondition",
    "UnknownFieldError",
    "VolumeCondition",
    "Watchlist",
    "WatchlistEntry",
    "WatchlistInfo",
    "__version__",
    "errors",
    "field_id",
    "field_name",
    "format_ibkr_time",
    "merge_rows",
    "new_client_order_id",
    "parse_ibkr_date",
    "parse_ibkr_time",
    "parse_value",
    "resolve_fields",
    "split_request",
]

# Contracts, derivatives and event contracts (ib.contracts, ib.events).
from .results.contracts import (  # noqa: E402
    BondFilter,
    BondFilterOption,
    BondIssuer,
    CurrencyPair,
    ExchangeContract,
    SecurityDefinition,
    StockListing,
    StockListingContract,
)
from .results.derivatives import Future, OptionChain, OptionContract, Strikes  # noqa: E402
from .results.events import (  # noqa: E402
    EventCategory,
    EventContract,
    EventContractDetails,
    EventMarket,
    EventMarketRef,
    EventRules,
    EventSchedule,
    EventTradingDay,
)
from .results.rules import (  # noqa: E402
    Algo,
    AlgoParameter,
    ContractInfoAndRules,
    ContractRules,
    IncrementRule,
)
from .results.schedules import (  # noqa: E402
    ContractSchedule,
    ExchangeSchedule,
    SessionTimes,
    TradingDay,
    TradingSession,
    VenueDay,
)

__all__ += [
    "Algo",
    "AlgoParameter",
    "BondFilter",
    "BondFilterOption",
    "BondIssuer",
    "ContractInfoAndRules",
    "ContractRules",
    "ContractSchedule",
    "CurrencyPair",
    "EventCategory",
    "EventContract",
    "EventContractDetails",
    "EventMarket",
    "EventMarketRef",
    "EventRules",
    "EventSchedule",
    "EventTradingDay",
    "ExchangeContract",
    "ExchangeSchedule",
    "Future",
    "IncrementRule",
    "OptionChain",
    "OptionContract",
    "SecurityDefinition",
    "SessionTimes",
    "StockListing",
    "StockListingContract",
    "Strikes",
    "TradingDay",
    "TradingSession",
    "VenueDay",
]
