"""IBKRClient: the one object users import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .resources.market import MarketDataAPI
from .resources.orders import OrdersAPI
from .resources.portfolio import PortfolioAPI
from .resources.session import SessionAPI

if TYPE_CHECKING:
    from .streaming import StreamManager


class IBKRClient(SessionAPI, PortfolioAPI, MarketDataAPI, OrdersAPI):
    """Asyncio client for the IBKR Client Portal / Web API gateway.

    Use it as ``async with IBKRClient(base_url, verify=...) as ib:``. It keeps the session alive,
    re-opens it when it drops, paces requests within IBKR's limits, retries what is safe to retry,
    and raises :mod:`ibkr_webapi.errors` exceptions that say what to do. ``ib.raw`` is the generated
    low-level client, sharing all of that.
    """

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
