"""P&L, trades, account summary, ledger, book and the server's own messages."""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient, Order
from ibkr_webapi.streaming import (
    AccountsInfo,
    Bulletin,
    Connected,
    Notification,
    SessionStatus,
    StreamEvent,
    SystemInfo,
)
from ibkr_webapi.testing import GatewayServer

from .conftest import AAPL, ACCOUNT

WITHIN = 20


async def test_pnl_per_partition(ib: IBKRClient) -> None:
    async with ib.stream.pnl() as pnl:
        update = await asyncio.wait_for(anext(pnl), WITHIN)
    assert update.partition.endswith(".Core")
    assert update.account_id in ("U1234567", "U7654321")
    assert update.net_liquidation is not None and update.net_liquidation > 0


async def test_trades_are_delivered_once_each(ib: IBKRClient) -> None:
    price = (await ib.snapshot([AAPL], fields=["last_price"]))[0].last_price
    assert price is not None
    order = Order(
        conid=AAPL, side="BUY", quantity=3, order_type="LMT", price=round(price * 1.01, 2)
    )
    async with ib.stream.trades() as trades:
        placed = await ib.place_order(ACCOUNT, order, confirm=True)
        trade = await asyncio.wait_for(anext(trades), WITHIN)
    assert trade.c_oid == placed.c_oid
    assert trade.side == "BUY" and trade.size == 3 and trade.conid == AAPL
    assert trade.price is not None and trade.time is not None


async def test_account_summary_items_by_key(ib: IBKRClient) -> None:
    keys = ["NetLiquidation", "AvailableFunds"]
    seen = {}
    async with ib.stream.account_summary(ACCOUNT, keys=keys) as summary:
        async for item in summary:
            seen[item.key] = item
            if set(seen) >= set(keys):
                break
    assert seen["NetLiquidation"].amount and seen["NetLiquidation"].currency == "USD"
    assert seen["NetLiquidation"].account_id == ACCOUNT


async def test_ledger_per_currency(ib: IBKRClient) -> None:
    currencies = {}
    async with ib.stream.ledger(ACCOUNT) as ledger:
        async for entry in ledger:
            currencies[entry.currency] = entry
            if {"BASE", "USD"} <= set(currencies):
                break
    assert currencies["USD"].cash_balance is not None
    assert not currencies["USD"].blank


async def test_book_ladder(ib: IBKRClient) -> None:
    async with ib.stream.book(ACCOUNT, AAPL) as book:
        ladder = await asyncio.wait_for(anext(book), WITHIN)
    assert ladder.conid == AAPL and len(ladder.rows) == 10
    asks = [r for r in ladder.rows if r.ask_size]
    bids = [r for r in ladder.rows if r.bid_size]
    assert asks and bids
    assert min(r.price or 0 for r in asks) > max(r.price or 0 for r in bids)


async def test_events_carry_greeting_status_notifications_and_bulletins(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    seen: list[StreamEvent] = []
    async with ib.stream.events() as events:
        gateway.simulator.websocket.notify("Market data farm reconnected", title="Info")
        gateway.simulator.websocket.bulletin("Exchange halt on XYZ")
        async for event in events:
            seen.append(event)
            if isinstance(event, Bulletin):
                break
    kinds = {type(e) for e in seen}
    assert {SystemInfo, AccountsInfo, SessionStatus, Connected, Notification, Bulletin} <= kinds
    accounts = next(e for e in seen if isinstance(e, AccountsInfo))
    assert ACCOUNT in accounts.accounts
    note = next(e for e in seen if isinstance(e, Notification))
    assert note.text == "Market data farm reconnected"


async def test_an_order_question_is_announced_as_a_notification(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    price = (await ib.snapshot([AAPL], fields=["last_price"]))[0].last_price
    assert price is not None
    big = Order(conid=AAPL, side="BUY", quantity=650, order_type="LMT", price=round(price * 0.9, 2))
    notes: list[Notification] = []

    async def confirm(question: object) -> bool:
        await asyncio.sleep(0.3)  # a person reading the question: the server announces it meanwhile
        return True

    async with ib.stream.events() as events, ib.stream.orders(snapshot=False) as orders:
        placed = await ib.place_order(ACCOUNT, big, confirm=confirm)
        update = await asyncio.wait_for(anext(orders), WITHIN)
        assert update.order_id == int(placed.order_id)
        while not notes:
            event = await asyncio.wait_for(anext(events), WITHIN)
            if isinstance(event, Notification):
                notes.append(event)
    assert notes and "BUY 650 AAPL" in (notes[0].text or "")
