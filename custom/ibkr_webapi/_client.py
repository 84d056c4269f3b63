"""IBKRClient: the one object users import."""

from __future__ import annotations

from .auth.constructors import OAuthConstructors
from .resources.market import MarketDataAPI
from .resources.orders import OrdersAPI
from .resources.portfolio import PortfolioAPI
from .resources.session import SessionAPI


class IBKRClient(SessionAPI, PortfolioAPI, MarketDataAPI, OrdersAPI, OAuthConstructors):
    """Asyncio client for the IBKR Client Portal / Web API gateway.

    Use it as ``async with IBKRClient(base_url, verify=...) as ib:``. It keeps the session alive,
    re-opens it when it drops, paces requests within IBKR's limits, retries what is safe to retry,
    and raises :mod:`ibkr_webapi.errors` exceptions that say what to do. ``ib.raw`` is the generated
    low-level client, sharing all of that. Without a gateway: ``IBKRClient.oauth1(...)`` /
    ``IBKRClient.oauth2(...)`` (see docs/authentication.md).
    """
