"""Quotes over the websocket against the simulator (loopback HTTPS)."""

from __future__ import annotations

import pytest

from ibkr_webapi import IBKRClient, Quote, errors
from ibkr_webapi.snapshot import FlaggedPrice
from ibkr_webapi.testing import GatewayServer

from .conftest import AAPL, IBM, eventually, stream_tasks

FIELDS = ["last_price", "bid_price", "ask_price"]


async def test_quotes_stream_for_each_subscribed_conid(ib: IBKRClient) -> None:
    seen: dict[int, Quote] = {}
    async with ib.stream.quotes([AAPL, IBM], fields=FIELDS) as quotes:
        async for quote in quotes:
            seen[quote.conid] = quote
            if len(seen) == 2:
                break
    for quote in seen.values():
        assert isinstance(quote, Quote)
        assert quote.has(FIELDS), quote.missing(FIELDS)
        assert quote.bid_price is not None and quote.ask_price is not None
        assert quote.bid_price <= quote.ask_price
        assert quote.updated is not None


async def test_every_update_is_merged_into_a_full_quote(ib: IBKRClient) -> None:
    updates = []
    async with ib.stream.quotes([AAPL], fields=[*FIELDS, "bid_size", "volume"]) as quotes:
        async for quote in quotes:
            updates.append(quote)
            if len(updates) == 6:
                break
    # Later frames carry only changed fields, yet every quote has the whole picture.
    for quote in updates:
        assert quote.has([*FIELDS, "bid_size", "volume"])
    assert len({q.updated for q in updates}) == len(updates)


async def test_streamed_quote_parses_like_a_snapshot(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    gateway.simulator.set_trading_state(IBM, "no_trade_today")
    async with ib.stream.quotes([IBM], fields=["last_price", "bid_size"]) as quotes:
        quote = await anext(quotes)
    assert isinstance(quote.last_price, FlaggedPrice)
    assert quote.is_prior_close
    assert isinstance(quote["bid_size"], int)  # "1,300" -> 1300 as for snapshots


async def test_leaving_the_block_unsubscribes_and_leaves_no_task(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    hub = gateway.simulator.websocket
    async with ib.stream.quotes([AAPL], fields=FIELDS) as quotes:
        await anext(quotes)
        assert stream_tasks()
    await eventually(lambda: "umd+265598+{}" in hub.received)
    assert stream_tasks() == []
    await eventually(lambda: hub.state()["connections"] == 0)


async def test_two_blocks_share_the_socket_and_fields_add_up(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    hub = gateway.simulator.websocket
    async with ib.stream.quotes([AAPL], fields=["last_price"]) as first:
        await anext(first)
        async with ib.stream.quotes([AAPL, IBM], fields=["bid_price"]) as second:
            quote = await anext(second)
            assert quote.conid in (AAPL, IBM)
            assert hub.accepted == 1  # one socket for both
            assert 'smd+265598+{"fields":["31","84"]}' in hub.received
        # The first block still wants AAPL: only IBM was cancelled.
        await eventually(lambda: "umd+8314+{}" in hub.received)
        assert "umd+265598+{}" not in hub.received
        fresh = await anext(first)
        assert fresh.conid == AAPL
    await eventually(lambda: "umd+265598+{}" in hub.received)


async def test_iterating_without_entering_the_block_is_a_clear_error(ib: IBKRClient) -> None:
    quotes = ib.stream.quotes([AAPL])
    with pytest.raises(errors.ConfigurationError, match="async with"):
        await anext(quotes)


async def test_bad_arguments_fail_before_anything_is_sent(ib: IBKRClient) -> None:
    with pytest.raises(errors.InvalidRequestError):
        ib.stream.quotes(["not-a-conid"])
    with pytest.raises(ValueError, match="Did you mean"):
        ib.stream.quotes([AAPL], fields=["last_prise"])


async def test_closing_the_client_ends_a_waiting_iterator_with_a_typed_error(
    gateway: GatewayServer,
) -> None:
    from .conftest import fast_options, make_client

    client = make_client(gateway, fast_options())
    async with client:
        quotes = await client.stream.quotes([AAPL]).__aenter__()
        await anext(quotes)
    with pytest.raises(errors.StreamClosedError):
        while True:
            await anext(quotes)
    assert stream_tasks() == []
