"""A slow consumer: quotes conflate per conid (bounded), order updates never drop silently."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from ibkr_webapi import IBKRClient, Order, errors
from ibkr_webapi.streaming import StreamOptions
from ibkr_webapi.streaming.subscriptions import OrderSubscription, QuoteSubscription
from ibkr_webapi.testing import GatewayServer

from .conftest import AAPL, ACCOUNT, eventually, fast_options, make_client

FIVE = [265598, 8314, 272093, 4815747, 76792991]


async def test_a_slow_consumer_of_five_conids_sees_the_latest_quotes_in_bounded_memory(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    known = [c for c in FIVE if gateway.simulator.catalogue.get(c) is not None]
    assert len(known) == 5
    async with ib.stream.quotes(known, fields=["last_price", "bid_price", "ask_price"]) as quotes:
        assert isinstance(quotes, QuoteSubscription)
        await anext(quotes)
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            peak_pending = 0
            for _ in range(8):  # the consumer sleeps while many frames arrive
                await asyncio.sleep(0.25)
                peak_pending = max(peak_pending, len(quotes.quotes))
                quote = await anext(quotes)
                state = ib.stream._quotes.get(quote.conid)
                assert state is not None and quote is state.quote()  # the newest picture
            grown = tracemalloc.get_traced_memory()[0] - baseline
        finally:
            tracemalloc.stop()
    assert peak_pending <= 5  # one slot per conid, however many frames came in
    assert quotes.quotes.conflated > 0  # frames were replaced, not queued
    assert grown < 2_000_000


@pytest.fixture
def options() -> StreamOptions:
    return fast_options(buffer_size=2)


async def test_an_order_consumer_that_falls_too_far_behind_gets_an_overflow_error(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    price = (await ib.snapshot([AAPL], fields=["last_price"]))[0].last_price
    assert price is not None
    async with ib.stream.orders() as orders:
        assert isinstance(orders, OrderSubscription)
        for _ in range(3):
            await ib.place_order(
                ACCOUNT,
                Order(
                    conid=AAPL,
                    side="BUY",
                    quantity=1,
                    order_type="LMT",
                    price=round(price * 0.9, 2),
                ),
                confirm=True,
            )
        await eventually(lambda: orders.updates.failed)
        delivered = []
        with pytest.raises(errors.StreamOverflowError, match="fell 2 updates behind"):
            async for update in orders:
                delivered.append(update)
        assert len(delivered) == 2  # what came before the gap, then the error


async def test_the_overflow_ends_only_that_subscription(gateway: GatewayServer) -> None:
    async with (
        make_client(gateway, fast_options(buffer_size=10)) as client,
        client.stream.events() as events,
        client.stream.quotes([AAPL]) as quotes,
    ):
        await anext(quotes)
        for number in range(20):  # nobody reads the events
            gateway.simulator.websocket.bulletin(f"bulletin {number}")
        with pytest.raises(errors.StreamOverflowError):
            while True:
                await asyncio.wait_for(anext(events), 20)
        await anext(quotes)  # quotes are unaffected
