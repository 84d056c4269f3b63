"""A small trading bot as a user writes it: strict-typed, using only ``ibkr_webapi``.

The test suite type-checks this file with ``mypy --strict`` and runs it against the simulator: no
``ibkr_webapi_client`` import, no ``Unset``, no casts.
"""

from __future__ import annotations

from ibkr_webapi import (
    IBKRClient,
    LiveOrder,
    Order,
    OrderType,
    PlacedOrder,
    Position,
    Question,
    Quote,
    Side,
    errors,
)

WATCH = [265598, 8314]


def confirm_size_only(question: Question) -> bool:
    return set(question.message_ids) <= {"o383", "o451"}


def largest(positions: list[Position]) -> Position | None:
    ranked = sorted(positions, key=lambda p: abs(p.market_value or 0.0), reverse=True)
    return ranked[0] if ranked else None


def limit_below(quote: Quote, fraction: float) -> float | None:
    last = quote.last_price
    return None if last is None else round(last * (1 - fraction), 2)


async def tick(ib: IBKRClient) -> list[PlacedOrder]:
    positions: list[Position] = [p async for p in ib.positions()]
    top = largest(positions)
    conids = [*WATCH, top.conid] if top is not None else WATCH
    quotes: list[Quote] = await ib.snapshot(conids, fields=["last_price", "bid_price"])
    placed: list[PlacedOrder] = []
    side: Side = "BUY"
    kind: OrderType = "LMT"
    for quote in quotes:
        price = limit_below(quote, 0.1)
        if price is None or not quote.has_data:
            continue
        order = Order(conid=quote.conid, side=side, quantity=1, order_type=kind, price=price)
        try:
            placed.append(await ib.orders.place(order, confirm=confirm_size_only))
        except errors.OrderConfirmationRequired as exc:
            print("not confirmed:", exc.message_ids)
        except errors.OrderStatusUnknown as exc:
            print("look for", exc.c_oid, "before trying again; checked", exc.checked)
    return placed


async def cancel_mine(ib: IBKRClient, placed: list[PlacedOrder]) -> int:
    mine = {p.order_id for p in placed}
    live: list[LiveOrder] = await ib.orders.live(force=True)
    cancelled = 0
    for order in live:
        if order.order_id in mine and order.status not in ("Filled", "Cancelled"):
            result = await ib.orders.cancel(order.order_id)
            cancelled += 1 if result.order_id == order.order_id else 0
    return cancelled


async def run(base_url: str, verify: str) -> tuple[int, int]:
    async with IBKRClient(base_url, verify=verify, account_id="U1234567") as ib:
        status = await ib.auth_status()
        if not status.authenticated:
            raise SystemExit("log in first")
        placed = await tick(ib)
        summary = await ib.account_summary()
        net = summary["netliquidation"].amount
        print("net liquidation", net if net is not None else "unknown")
        return len(placed), await cancel_mine(ib, placed)
