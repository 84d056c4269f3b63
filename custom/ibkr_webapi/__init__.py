"""Asyncio client for the Interactive Brokers Web API / Client Portal gateway.

from ibkr_webapi import IBKRClient, Order

async with IBKRClient("https://localhost:5000/v1/api", verify=False) as ib:
    quotes = await ib.snapshot([265598], fields=["last_price", "bid_price"])
"""

from __future__ import annotations

from . import errors
from ._client import IBKRClient
from ._core import DEFAULT_BASE_URL, PreflightPolicy
from .auth.bearer import BearerTokenAuth, StaticBearerAuth, Token
from .dates import format_ibkr_time, parse_ibkr_time
from .fields import field_id, field_name
from .orders.order import Order, Question, new_client_order_id
from .results import Bar, History, PlacedOrder, SummaryItem, TickleResult
from .snapshot import MarketDataAvailability, Quote
from .transports.pacing import EndpointRule, Pacer, RateLimitPolicy
from .transports.retry import RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "Bar",
    "BearerTokenAuth",
    "EndpointRule",
    "History",
    "IBKRClient",
    "MarketDataAvailability",
    "Order",
    "Pacer",
    "PlacedOrder",
    "PreflightPolicy",
    "Question",
    "Quote",
    "RateLimitPolicy",
    "RetryPolicy",
    "StaticBearerAuth",
    "SummaryItem",
    "TickleResult",
    "Token",
    "__version__",
    "errors",
    "field_id",
    "field_name",
    "format_ibkr_time",
    "new_client_order_id",
    "parse_ibkr_time",
]
