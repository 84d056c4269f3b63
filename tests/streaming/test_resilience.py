"""Drops, stalls, expired sessions and lapsed market data: every subscription carries on by itself."""

from __future__ import annotations

import asyncio
from collections import Counter

from ibkr_webapi import IBKRClient, Order
from ibkr_webapi.streaming import Connected, OrderUpdate, SessionStatus, StreamEvent
from ibkr_webapi.streaming.decoders import order_fingerprint
from ibkr_webapi.testing import GatewayServer

from .conftest import AAPL, ACCOUNT, IBM, eventually, fast_options, make_client, stream_tasks


async def _collect(subscription: object, into: list[object]) -> None:
    async for item in subscription:  # type: ignore[attr-defined]
        into.append(item)


async def _fresh_quote(quotes: object, after: object) -> None:
    """Wait for a quote newer than ``after`` (a datetime)."""
    while True:
        quote = await anext(quotes)  # type: ignore[call-overload]
        if quote.updated is not None and quote.updated > after:
            return


async def _price(ib: IBKRClient) -> float:
    quote = (await ib.snapshot([AAPL], fields=["last_price"]))[0]
    assert quote.last_price is not None
    return quote.last_price


def _resting(price: float) -> Order:
    return Order(conid=AAPL, side="BUY", quantity=10, order_type="LMT", price=round(price * 0.9, 2))


def _marketable(price: float) -> Order:
    return Order(conid=AAPL, side="BUY", quantity=5, order_type="LMT", price=round(price * 1.01, 2))


async def test_two_drops_and_an_expired_session_lose_and_repeat_no_order_event(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    sim, hub = gateway.simulator, gateway.simulator.websocket
    updates: list[OrderUpdate] = []
    events: list[StreamEvent] = []
    async with (
        ib.stream.orders() as orders,
        ib.stream.quotes([AAPL, IBM], fields=["last_price", "bid_price"]) as quotes,
        ib.stream.events() as event_stream,
    ):
        readers = [
            asyncio.create_task(_collect(orders, updates)),  # type: ignore[arg-type]
            asyncio.create_task(_collect(event_stream, events)),  # type: ignore[arg-type]
        ]
        price = await _price(ib)

        def final_seen(order_id: str, status: str) -> bool:
            return any(u.order_id == int(order_id) and u.status == status for u in updates)

        resting = await ib.place_order(ACCOUNT, _resting(price), confirm=True)
        await eventually(lambda: final_seen(resting.order_id, "Submitted"))

        # Drop 1: an order fills while the socket is away.
        assert hub.drop() == 1
        filled_away = await ib.place_order(ACCOUNT, _marketable(price), confirm=True)
        await eventually(lambda: ib.stream.stats["reconnects"] >= 1)
        await eventually(lambda: final_seen(filled_away.order_id, "Filled"))

        # Drop 2: the resting order is cancelled while away.
        assert hub.drop() == 1
        await ib.cancel_order(ACCOUNT, resting.order_id)
        await eventually(lambda: ib.stream.stats["reconnects"] >= 2)
        await eventually(lambda: final_seen(resting.order_id, "Cancelled"))

        # The session expires: sts authenticated:false, re-opened, every stream re-sent.
        sim.expire_session()
        await eventually(
            lambda: any(isinstance(e, SessionStatus) and e.authenticated is False for e in events)
        )
        after_expiry = await ib.place_order(ACCOUNT, _marketable(price), confirm=True)
        await eventually(lambda: final_seen(after_expiry.order_id, "Filled"))
        last = (await anext(quotes)).updated
        await asyncio.wait_for(_fresh_quote(quotes, last), 20)

        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    # No update twice: every (order, state) pair was delivered once.
    keys = Counter((u.order_id, order_fingerprint(u.raw)) for u in updates)
    assert [k for k, n in keys.items() if n > 1] == []
    # Nothing lost: each order's last delivered state is the simulator's state.
    for placed in (resting, filled_away, after_expiry):
        mine = [u for u in updates if u.order_id == int(placed.order_id)]
        assert mine[-1].status == sim.order(int(placed.order_id)).status
        assert mine[-1].c_oid == placed.c_oid
    reconnects = [e for e in events if isinstance(e, Connected) and e.reconnect]
    assert len(reconnects) >= 3  # two drops and one re-authentication
    assert stream_tasks() == []


async def test_a_stalled_socket_is_declared_dead_and_replaced(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    hub = gateway.simulator.websocket
    async with ib.stream.quotes([AAPL], fields=["last_price"]) as quotes:
        first = await anext(quotes)
        hub.stall(3.0)  # longer than the client's 2 s heartbeat timeout
        await eventually(lambda: ib.stream.stats["reconnects"] >= 1)
        await asyncio.wait_for(_fresh_quote(quotes, first.updated), 20)
    assert hub.accepted >= 2


async def test_the_socket_comes_back_after_the_gateway_restarts(gateway: GatewayServer) -> None:
    client = make_client(gateway, fast_options())
    async with client, client.stream.quotes([AAPL], fields=["last_price"]) as quotes:
        first = await anext(quotes)
        gateway.simulator.websocket.drop()
        gateway.simulator.websocket.drop()  # nothing left to drop: harmless
        await asyncio.wait_for(_fresh_quote(quotes, first.updated), 20)


async def test_a_session_lost_and_reopened_between_two_looks_still_resumes_quotes(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    sim = gateway.simulator
    async with ib.stream.quotes([AAPL], fields=["last_price"]) as quotes:
        first = (await asyncio.wait_for(anext(quotes), 20)).updated
        # Lost and re-opened at once: the socket's next look sees only a new brokerage session.
        sim.session.expire()
        sim.session.open_brokerage()
        await asyncio.wait_for(_fresh_quote(quotes, first), 20)
