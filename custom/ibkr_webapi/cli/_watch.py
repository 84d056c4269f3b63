"""``ibkr-webapi watch`` and ``ibkr-webapi orders --follow``: streams in the terminal.

A live-updating table for people, or one JSON line per update with ``--json``. Both run until
Ctrl-C (or ``--count`` updates / ``--seconds``), and leave the stream cleanly either way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TypeVar

from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..snapshot import Quote
from ..streaming import OrderUpdate
from . import _render as render
from ._context import Context, parse_fields

T = TypeVar("T")
KEEPALIVE = 60.0  # a long-running command keeps the REST session alive while it streams


async def _limited(
    updates: AsyncIterator[T], *, count: int | None, seconds: float | None
) -> AsyncIterator[T]:
    """``updates`` until ``count`` of them or ``seconds`` have passed (both optional)."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    seen = 0
    while count is None or seen < count:
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            return
        try:
            update = await asyncio.wait_for(anext(updates), remaining)
        except TimeoutError:
            return
        seen += 1
        yield update


def quote_line(quote: Quote) -> str:
    """One JSON line for a quote update: conid, time, and the parsed values by name."""
    data = {
        "conid": quote.conid,
        "updated": render.jsonable(quote.updated),
        **{name: render.jsonable(value) for name, value in quote.values.items()},
    }
    return json.dumps(data, ensure_ascii=False)


def quotes_board(quotes: dict[int, Quote], fields: list[str], conids: list[int]) -> Table:
    """The live table: one row per conid in the order asked, blank until its first update."""
    shown = [quotes[c] for c in conids if c in quotes]
    table = render.quotes_table(shown, fields, title="Streaming quotes (Ctrl-C to stop)")
    waiting = [str(c) for c in conids if c not in quotes]
    if waiting:
        table.caption = f"waiting for {', '.join(waiting)}"
    return table


async def watch(ctx: Context) -> None:
    """Stream quotes: a live table, or JSON lines with ``--json``."""

    fields = parse_fields(ctx.args.fields)
    conids: list[int] = list(dict.fromkeys(ctx.args.conids))
    latest: dict[int, Quote] = {}
    async with ctx.client(keepalive=KEEPALIVE) as ib, ib.stream.quotes(conids, fields) as quotes:
        updates = _limited(quotes, count=ctx.args.count, seconds=ctx.args.seconds)
        if ctx.json:
            async for quote in updates:
                ctx.stdout.write(quote_line(quote) + "\n")
                ctx.stdout.flush()
            return
        with Live(
            quotes_board(latest, fields, conids),
            console=ctx.out,
            refresh_per_second=4,
            transient=False,
            auto_refresh=ctx.out.is_terminal,
        ) as live:
            async for quote in updates:
                latest[quote.conid] = quote
                live.update(quotes_board(latest, fields, conids), refresh=not ctx.out.is_terminal)


def order_line(update: OrderUpdate) -> Text:
    """One readable line per order change."""
    filled = render.quantity(update.filled_quantity)
    total = render.quantity(update.total_quantity)
    price = render.money(update.avg_price) if update.avg_price else render.money(update.price)
    text = Text()
    text.append(f"{update.order_id}", style="bold")
    text.append(f"  {update.status or '?':<13}", style="green" if update.is_final else "cyan")
    text.append(f" {update.side or ''} {update.ticker or update.conid or ''}")
    text.append(f"  filled {filled}/{total} @ {price}")
    if update.c_oid:
        text.append(f"  cOID {update.c_oid}", style="dim")
    if update.source == "rest":
        text.append("  (from the live-order list)", style="dim")
    return text


async def follow_orders(ctx: Context) -> None:
    """Print every order change as it happens (after the current state of each order)."""
    async with ctx.client(keepalive=KEEPALIVE) as ib, ib.stream.orders() as orders:
        if not ctx.json:
            ctx.err.print(Text("Following order changes (Ctrl-C to stop)", style="bold"))
        async for update in _limited(orders, count=ctx.args.count, seconds=ctx.args.seconds):
            if ctx.json:
                data = render.jsonable(update)
                if isinstance(data, dict):  # an attrs event: keep the wire row under "raw"
                    data["raw"] = render.jsonable(dict(update.raw))
                ctx.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
                ctx.stdout.flush()
            else:
                ctx.out.print(order_line(update))
