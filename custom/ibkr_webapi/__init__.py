"""Asyncio client for the Interactive Brokers Web API / Client Portal gateway.

    from ibkr_webapi import IBKRClient

    async with IBKRClient() as ib:            # IBKR_BASE_URL, IBKR_VERIFY, IBKR_ACCOUNT_ID
        quotes = await ib.snapshot([265598], fields=["last_price", "bid_price"])

Public results are this package's own types (``Position``, ``Quote``, ``LiveOrder`` ...): absent
values are ``None``, ids are ``int``, and ``.model`` keeps the answer as the generated layer read it.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from .redact import RedactingFilter

if TYPE_CHECKING:  # the names below load on first use (PEP 562): importing the package stays cheap
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
    from .results.account_figures import (
        BalanceSegment,
        CashBalance,
        CurrencyHoldings,
        Figure,
        FundsSegment,
        MarginSegment,
        TradingSummary,
    )
    from .results.accounts import (
        AccountOwner,
        AccountOwners,
        AccountProperties,
        Accounts,
        MatchedAccount,
        PortfolioAccount,
        SelectedAccount,
        SubaccountsPage,
    )
    from .results.advisor import (
        AllocationAccount,
        AllocationGroup,
        AllocationGroupInfo,
        AllocationPresets,
        InvestedAccount,
        ModelAccount,
        ModelCash,
        ModelHolding,
        ModelHoldings,
        ModelInfo,
        ModelPresets,
        ModelTransfers,
    )
    from .results.alerts import Alert, AlertChange, AlertConditionInfo, AlertSummary
    from .results.allocation import Allocation, AllocationSplit, ComboLeg, ComboPosition
    from .results.analyst import (
        AnalystSummary,
        AnalystTransaction,
        AnalystTransactions,
        Performance,
        PerformanceSeries,
        PeriodPerformance,
    )
    from .results.contracts import (
        ContractDetails,
        ContractMatch,
        DerivativeDefinition,
        SecuritySection,
    )
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

# name -> (module, attribute); None: the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "IBKRClient": ("._client", "IBKRClient"),
    "PreflightPolicy": ("._core", "PreflightPolicy"),
    "AlertCondition": (".alert_conditions", "AlertCondition"),
    "MarginCondition": (".alert_conditions", "MarginCondition"),
    "PriceCondition": (".alert_conditions", "PriceCondition"),
    "TimeCondition": (".alert_conditions", "TimeCondition"),
    "TradeCondition": (".alert_conditions", "TradeCondition"),
    "VolumeCondition": (".alert_conditions", "VolumeCondition"),
    "BearerTokenAuth": (".auth.bearer", "BearerTokenAuth"),
    "StaticBearerAuth": (".auth.bearer", "StaticBearerAuth"),
    "Token": (".auth.bearer", "Token"),
    "IBKRTimeError": (".dates", "IBKRTimeError"),
    "format_ibkr_time": (".dates", "format_ibkr_time"),
    "parse_ibkr_date": (".dates", "parse_ibkr_date"),
    "parse_ibkr_time": (".dates", "parse_ibkr_time"),
    "errors": (".errors", None),
    "DEFAULT_FIELDS": (".fields", "DEFAULT_FIELDS"),
    "FIELDS": (".fields", "FIELDS"),
    "FIELDS_BY_NAME": (".fields", "FIELDS_BY_NAME"),
    "FieldKind": (".fields", "FieldKind"),
    "UnknownFieldError": (".fields", "UnknownFieldError"),
    "field_id": (".fields", "field_id"),
    "field_name": (".fields", "field_name"),
    "resolve_fields": (".fields", "resolve_fields"),
    "Bracket": (".orders.groups", "Bracket"),
    "ConfirmPolicy": (".orders.order", "ConfirmPolicy"),
    "Order": (".orders.order", "Order"),
    "OrderType": (".orders.order", "OrderType"),
    "Question": (".orders.order", "Question"),
    "Side": (".orders.order", "Side"),
    "TimeInForce": (".orders.order", "TimeInForce"),
    "new_client_order_id": (".orders.order", "new_client_order_id"),
    "Rate": (".pacing", "Rate"),
    "RedisStore": (".pacing", "RedisStore"),
    "BalanceSegment": (".results.account_figures", "BalanceSegment"),
    "CashBalance": (".results.account_figures", "CashBalance"),
    "CurrencyHoldings": (".results.account_figures", "CurrencyHoldings"),
    "Figure": (".results.account_figures", "Figure"),
    "FundsSegment": (".results.account_figures", "FundsSegment"),
    "MarginSegment": (".results.account_figures", "MarginSegment"),
    "TradingSummary": (".results.account_figures", "TradingSummary"),
    "AccountOwner": (".results.accounts", "AccountOwner"),
    "AccountOwners": (".results.accounts", "AccountOwners"),
    "AccountProperties": (".results.accounts", "AccountProperties"),
    "Accounts": (".results.accounts", "Accounts"),
    "MatchedAccount": (".results.accounts", "MatchedAccount"),
    "PortfolioAccount": (".results.accounts", "PortfolioAccount"),
    "SelectedAccount": (".results.accounts", "SelectedAccount"),
    "SubaccountsPage": (".results.accounts", "SubaccountsPage"),
    "AllocationAccount": (".results.advisor", "AllocationAccount"),
    "AllocationGroup": (".results.advisor", "AllocationGroup"),
    "AllocationGroupInfo": (".results.advisor", "AllocationGroupInfo"),
    "AllocationPresets": (".results.advisor", "AllocationPresets"),
    "InvestedAccount": (".results.advisor", "InvestedAccount"),
    "ModelAccount": (".results.advisor", "ModelAccount"),
    "ModelCash": (".results.advisor", "ModelCash"),
    "ModelHolding": (".results.advisor", "ModelHolding"),
    "ModelHoldings": (".results.advisor", "ModelHoldings"),
    "ModelInfo": (".results.advisor", "ModelInfo"),
    "ModelPresets": (".results.advisor", "ModelPresets"),
    "ModelTransfers": (".results.advisor", "ModelTransfers"),
    "Alert": (".results.alerts", "Alert"),
    "AlertChange": (".results.alerts", "AlertChange"),
    "AlertConditionInfo": (".results.alerts", "AlertConditionInfo"),
    "AlertSummary": (".results.alerts", "AlertSummary"),
    "Allocation": (".results.allocation", "Allocation"),
    "AllocationSplit": (".results.allocation", "AllocationSplit"),
    "ComboLeg": (".results.allocation", "ComboLeg"),
    "ComboPosition": (".results.allocation", "ComboPosition"),
    "AnalystSummary": (".results.analyst", "AnalystSummary"),
    "AnalystTransaction": (".results.analyst", "AnalystTransaction"),
    "AnalystTransactions": (".results.analyst", "AnalystTransactions"),
    "Performance": (".results.analyst", "Performance"),
    "PerformanceSeries": (".results.analyst", "PerformanceSeries"),
    "PeriodPerformance": (".results.analyst", "PeriodPerformance"),
    "ContractDetails": (".results.contracts", "ContractDetails"),
    "ContractMatch": (".results.contracts", "ContractMatch"),
    "DerivativeDefinition": (".results.contracts", "DerivativeDefinition"),
    "SecuritySection": (".results.contracts", "SecuritySection"),
    "Bar": (".results.market", "Bar"),
    "History": (".results.market", "History"),
    "DeliveryDevice": (".results.notifications", "DeliveryDevice"),
    "DeliveryOptions": (".results.notifications", "DeliveryOptions"),
    "Disclaimer": (".results.notifications", "Disclaimer"),
    "Notification": (".results.notifications", "Notification"),
    "NotificationSetting": (".results.notifications", "NotificationSetting"),
    "BracketState": (".results.orders", "BracketState"),
    "BracketStatus": (".results.orders", "BracketStatus"),
    "CancelResult": (".results.orders", "CancelResult"),
    "LiveOrder": (".results.orders", "LiveOrder"),
    "MarginChange": (".results.orders", "MarginChange"),
    "OrderPreview": (".results.orders", "OrderPreview"),
    "OrderPrompt": (".results.orders", "OrderPrompt"),
    "OrderStatus": (".results.orders", "OrderStatus"),
    "PlacedBracket": (".results.orders", "PlacedBracket"),
    "PlacedOrder": (".results.orders", "PlacedOrder"),
    "Trade": (".results.orders", "Trade"),
    "LedgerEntry": (".results.portfolio", "LedgerEntry"),
    "PnlEntry": (".results.portfolio", "PnlEntry"),
    "Position": (".results.portfolio", "Position"),
    "SummaryItem": (".results.portfolio", "SummaryItem"),
    "ScanResult": (".results.scanner", "ScanResult"),
    "ScanType": (".results.scanner", "ScanType"),
    "ScannedContract": (".results.scanner", "ScannedContract"),
    "ScannerFilterOption": (".results.scanner", "ScannerFilterOption"),
    "ScannerInstrument": (".results.scanner", "ScannerInstrument"),
    "ScannerLocation": (".results.scanner", "ScannerLocation"),
    "ScannerParameters": (".results.scanner", "ScannerParameters"),
    "AuthStatus": (".results.session", "AuthStatus"),
    "Reauthentication": (".results.session", "Reauthentication"),
    "SsoSession": (".results.session", "SsoSession"),
    "TickleResult": (".results.session", "TickleResult"),
    "Watchlist": (".results.watchlists", "Watchlist"),
    "WatchlistEntry": (".results.watchlists", "WatchlistEntry"),
    "WatchlistInfo": (".results.watchlists", "WatchlistInfo"),
    "DEFAULT_BASE_URL": (".settings", "DEFAULT_BASE_URL"),
    "Settings": (".settings", "Settings"),
    "AvailabilityStatus": (".snapshot", "AvailabilityStatus"),
    "FlaggedPrice": (".snapshot", "FlaggedPrice"),
    "MarketDataAvailability": (".snapshot", "MarketDataAvailability"),
    "PriceFlag": (".snapshot", "PriceFlag"),
    "Quote": (".snapshot", "Quote"),
    "merge_rows": (".snapshot", "merge_rows"),
    "parse_value": (".snapshot", "parse_value"),
    "split_request": (".snapshot", "split_request"),
    "EndpointRule": (".transports.pacing", "EndpointRule"),
    "Pacer": (".transports.pacing", "Pacer"),
    "RateLimitPolicy": (".transports.pacing", "RateLimitPolicy"),
    "RetryPolicy": (".transports.retry", "RetryPolicy"),
}


def __getattr__(name: str) -> object:
    """Import a public name on first use and keep it (``from ibkr_webapi import Quote``)."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
    "AccountOwner",
    "AccountOwners",
    "AccountProperties",
    "Accounts",
    "Alert",
    "AlertChange",
    "AlertCondition",
    "AlertConditionInfo",
    "AlertSummary",
    "Allocation",
    "AllocationAccount",
    "AllocationGroup",
    "AllocationGroupInfo",
    "AllocationPresets",
    "AllocationSplit",
    "AnalystSummary",
    "AnalystTransaction",
    "AnalystTransactions",
    "AuthStatus",
    "AvailabilityStatus",
    "BalanceSegment",
    "Bar",
    "BearerTokenAuth",
    "Bracket",
    "BracketState",
    "BracketStatus",
    "CancelResult",
    "CashBalance",
    "ComboLeg",
    "ComboPosition",
    "ConfirmPolicy",
    "ContractDetails",
    "ContractMatch",
    "CurrencyHoldings",
    "DeliveryDevice",
    "DeliveryOptions",
    "DerivativeDefinition",
    "Disclaimer",
    "EndpointRule",
    "FieldKind",
    "Figure",
    "FlaggedPrice",
    "FundsSegment",
    "History",
    "IBKRClient",
    "IBKRTimeError",
    "InvestedAccount",
    "LedgerEntry",
    "LiveOrder",
    "MarginChange",
    "MarginCondition",
    "MarginSegment",
    "MarketDataAvailability",
    "MatchedAccount",
    "ModelAccount",
    "ModelCash",
    "ModelHolding",
    "ModelHoldings",
    "ModelInfo",
    "ModelPresets",
    "ModelTransfers",
    "Notification",
    "NotificationSetting",
    "Order",
    "OrderPreview",
    "OrderPrompt",
    "OrderStatus",
    "OrderType",
    "Pacer",
    "Performance",
    "PerformanceSeries",
    "PeriodPerformance",
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
    "SelectedAccount",
    "Settings",
    "Side",
    "SsoSession",
    "StaticBearerAuth",
    "SubaccountsPage",
    "SummaryItem",
    "TickleResult",
    "TimeCondition",
    "TimeInForce",
    "Token",
    "Trade",
    "TradeCondition",
    "TradingSummary",
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
