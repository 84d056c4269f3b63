"""The websocket with OAuth sessions: the upgrade carries the token IBKR wants, quotes stream."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from ibkr_webapi import IBKRClient, errors
from ibkr_webapi.testing import GatewayServer

from .helpers import AAPL, OAuth1Set, OAuth2Set, fast


async def _first_quote(ib: IBKRClient) -> float | None:
    async with ib.stream.quotes([AAPL], fields=["last_price"]) as quotes:
        async for quote in quotes:
            if quote.last_price is not None:
                return quote.last_price
    return None


async def test_oauth1_session_streams_quotes_with_the_access_token(
    gateway1: GatewayServer, oauth1_set: OAuth1Set
) -> None:
    async with IBKRClient.oauth1(
        oauth1_set.directory, base_url=gateway1.url, verify=gateway1.ca_path, **fast()
    ) as ib:
        price = await asyncio.wait_for(_first_quote(ib), timeout=30)
    assert price is not None and price > 0


async def test_oauth2_session_streams_quotes_with_the_bearer_token(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    async with IBKRClient.oauth2(
        oauth2_set.directory, base_url=gateway2.url, verify=gateway2.ca_path, **fast()
    ) as ib:
        price = await asyncio.wait_for(_first_quote(ib), timeout=30)
    assert price is not None and price > 0


async def test_an_upgrade_without_the_oauth_token_is_refused(gateway1: GatewayServer) -> None:
    url = gateway1.url.replace("https://", "wss://") + "/ws"
    with pytest.raises(websockets.InvalidStatus):
        async with websockets.connect(url, ssl=gateway1.ssl_context()):
            pass


def test_stream_errors_are_ibkr_errors() -> None:
    assert issubclass(errors.StreamAuthenticationError, errors.IBKRError)
