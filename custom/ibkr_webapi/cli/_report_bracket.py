"""The demo's bracket section: an entry with take-profit and stop-loss, from what-if to the fills."""

from __future__ import annotations

import asyncio
from typing import Protocol

from rich.console import Console
from rich.text import Text

from .._client import IBKRClient
from ..orders.groups import Bracket
from ..orders.order import Order
from ..results.orders import BracketStatus, PlacedBracket
from . import _render as render
from ._orders import bracket_table, trades_table
from ._report import AAPL, _show_and_confirm, heading

QUANTITY = 100.0
STATUS_POLLS = 40
POLL_INTERVAL = 0.25


class FillsOrders(Protocol):
    """What the section needs from the simulator: the market reaching a price, on demand."""

    def fill_order(self, order_id: int, price: float | None = None) -> object: ...


def _legs_line(status: BracketStatus) -> str:
    names = ("entry", "take profit", "stop loss")
    legs = ", ".join(f"{n} {s.status}" for n, s in zip(names, status.legs, strict=True))
    return f"  {status.state}: {legs}"


async def _wait_for_the_entry(ib: IBKRClient, placed: PlacedBracket) -> BracketStatus:
    status = await ib.orders.bracket_status(placed)
    for _ in range(STATUS_POLLS):
        if status.state != "entry working":
            break
        await asyncio.sleep(POLL_INTERVAL)
        status = await ib.orders.bracket_status(placed)
    return status


async def bracket_section(
    ib: IBKRClient, console: Console, account: str, market: FillsOrders, *, number: int
) -> bool:
    """Place a bracket, watch the entry fill and the exits go live, fill one exit, read the fills.

    ``market`` fills the take-profit as the market would when it reaches the limit. Returns whether
    the bracket behaved: exits held, then working, then one filled and the other cancelled.
    """
    heading(console, f"{number}. A bracket: entry, take-profit and stop-loss in one request")
    [quote] = await ib.snapshot([AAPL], fields=["last_price"])
    last = quote.last_price
    if last is None:
        raise RuntimeError("no AAPL price in the snapshot: cannot price the bracket")
    entry = Order(conid=AAPL, side="BUY", quantity=QUANTITY, price=round(last * 1.002, 2))
    planned = Bracket(
        entry=entry, take_profit=round(last * 1.03, 2), stop_loss=round(last * 0.97, 2)
    )
    what_if = await ib.orders.preview(planned, account_id=account)
    console.print(
        f"BUY {render.quantity(QUANTITY)} AAPL LMT {render.money(entry.price)} (last "
        f"{render.money(last)}), take profit {render.money(planned.take_profit)}, stop loss "
        f"{render.money(planned.stop_loss)}. What-if: {render.money(what_if.amount)} for "
        f"{render.money(what_if.commission)} commission."
    )
    placed = await ib.orders.bracket(
        planned, account_id=account, confirm=_show_and_confirm(console)
    )
    console.print(bracket_table(planned, placed))
    held = await ib.orders.bracket_status(placed)
    console.print(Text("Just placed (exits held until the entry fills):"))
    console.print(_legs_line(held))
    opened = await _wait_for_the_entry(ib, placed)
    console.print(Text("The entry crossed the market and filled; the exits now work as a pair:"))
    console.print(_legs_line(opened))
    console.print(
        Text(f"The market reaches {render.money(planned.take_profit)}: the take-profit fills.")
    )
    market.fill_order(placed.take_profit.order_id)
    closed = await ib.orders.bracket_status(placed)
    console.print(_legs_line(closed))
    fills = [t for t in await ib.trades(days=1) if t.c_oid in {leg.c_oid for leg in placed.legs}]
    console.print(trades_table(fills))
    return (
        opened.state == "open"
        and closed.state == "take profit filled"
        and closed.stop_loss.status == "Cancelled"
        and len(fills) == 2
        and all(f.commission for f in fills)
    )
