"""Market data the gateway ends by itself is re-requested before (or after) it lapses."""

from __future__ import annotations

import asyncio

import pytest

from ibkr_webapi import IBKRClient
from ibkr_webapi.streaming import StreamOptions
from ibkr_webapi.testing import GatewayServer

from .conftest import AAPL, fast_options
from .test_resilience import _fresh_quote


@pytest.fixture
def options() -> StreamOptions:
    return fast_options(market_data_refresh=0.5)


async def test_market_data_that_ends_early_is_refreshed(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    hub = gateway.simulator.websocket
    async with ib.stream.quotes([AAPL], fields=["last_price"]) as quotes:
        first = await anext(quotes)
        hub.end_market_data()
        sent_before = list(hub.received).count('smd+265598+{"fields":["31"]}')
        await asyncio.wait_for(_fresh_quote(quotes, first.updated), 20)
        assert list(hub.received).count('smd+265598+{"fields":["31"]}') > sent_before
