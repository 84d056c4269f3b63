"""One coroutine per subcommand: call the client, then show a table or write JSON."""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

import attrs
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from .. import errors
from .._client import IBKRClient
from ..orders.order import Order
from ..results.portfolio import Position
from . import _accounts, _contracts, _misc, _orders
from . import _render as render
from ._confirm import confirm_policy, declined
from ._context import (
    CommandError,
    Context,
    parse_fields,
)
from ._exitcodes import ExitCode

# --- session and accounts -----------------------------------------------------------------------


async def status(ctx: Context) -> None:
    """Show the brokerage session's state."""
    async with ctx.client() as ib:
        answer = await ib.auth_status()
    if ctx.json:
        ctx.emit(answer)
    else:
        ctx.show(Text(f"Gateway {ib.base_url}", style="bold"), render.status_table(answer))
    if not answer.authenticated:
        raise CommandError(
            "the brokerage session is not authenticated: log in at the gateway in a browser",
            ExitCode.AUTH,
        )


async def accounts(ctx: Context) -> None:
    """List the brokerage accounts of this login."""
    async with ctx.client() as ib:
        answer = await ib.accounts()
    if ctx.json:
        return ctx.emit(answer)
    ctx.show(render.accounts_table(answer))


# --- portfolio ----------------------------------------------------------------------------------


@attrs.frozen
class PositionsFetch:
    """Every position of an account, and how many non-empty pages held them."""

    positions: list[Position]
    pages: int
    seconds: float

    def describe(self) -> str:
        """``"250 positions on 3 pages"``."""
        text = render.plural(len(self.positions), "position")
        return f"{text} on {render.plural(self.pages, 'page')}" if self.pages else text


async def fetch_positions(
    ib: IBKRClient, account: str, *, console: Console | None = None, concurrency: int = 1
) -> PositionsFetch:
    """Walk every positions page, with a live progress bar on ``console`` (when it is a terminal)."""
    started = time.perf_counter()
    collected: list[Position] = []
    pages = 0
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("page {task.fields[pages]} · {task.fields[positions]} positions"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=console is None or not console.is_terminal,
    )

    def page_read(number: int, size: int) -> None:
        nonlocal pages
        if size:
            pages = max(pages, number + 1)

    with progress:
        task = progress.add_task(f"Positions of {account}", total=None, pages="-", positions=0)
        async for position in ib.positions(account, concurrency=concurrency, on_page=page_read):
            collected.append(position)
            progress.update(task, pages=pages, positions=len(collected))
    return PositionsFetch(collected, pages, time.perf_counter() - started)


async def positions(ctx: Context) -> None:
    """Every position of an account, all pages."""
    async with ctx.client() as ib:
        fetched = await fetch_positions(
            ib,
            ctx.args.account,
            console=None if ctx.json else ctx.err,
            concurrency=ctx.args.concurrency,
        )
    if ctx.json:
        limit = ctx.args.limit
        return ctx.emit(fetched.positions if limit is None else fetched.positions[:limit])
    title = f"Positions of {ctx.args.account} ({fetched.describe()})"
    ctx.show(render.positions_table(fetched.positions, title=title, limit=ctx.args.limit))


async def summary(ctx: Context) -> None:
    """The account summary: net liquidation, cash, buying power, margin."""
    async with ctx.client() as ib:
        items = await ib.account_summary(ctx.args.account)
    if ctx.json:
        return ctx.emit(items)
    ctx.show(
        render.summary_table(
            items, everything=ctx.args.all, title=f"Account summary of {ctx.args.account}"
        )
    )


async def pnl(ctx: Context) -> None:
    """Daily and unrealized P&L by account partition."""
    async with ctx.client() as ib:
        answer = await ib.pnl()
    if ctx.json:
        return ctx.emit(answer)
    ctx.show(render.pnl_table(answer))


# --- market data --------------------------------------------------------------------------------


async def quote(ctx: Context) -> None:
    """Snapshot quotes with named fields (the pre-flight is handled by the client)."""
    fields = parse_fields(ctx.args.fields)
    async with ctx.client() as ib:
        quotes = await ib.snapshot(ctx.args.conids, fields=fields)
    if ctx.json:
        return ctx.emit(quotes)
    ctx.show(render.quotes_table(quotes, fields))


async def history(ctx: Context) -> None:
    """Historical bars with a sparkline of closes."""
    async with ctx.client() as ib:
        answer = await ib.history(ctx.args.conid, period=ctx.args.period, bar=ctx.args.bar)
    if ctx.json:
        return ctx.emit(
            {
                "conid": answer.conid,
                "symbol": answer.symbol,
                "text": answer.text,
                "bar_length_seconds": answer.bar_length_seconds,
                "bars": answer.bars,
            }
        )
    width = max(10, min(120, ctx.out.width - 14))
    ctx.show(render.history_panel(answer, width=width))


async def search(ctx: Context) -> None:
    """Contracts matching a symbol."""
    async with ctx.client() as ib:
        results = await ib.search_contracts(ctx.args.symbol, sec_type=ctx.args.sec_type)
    if ctx.json:
        return ctx.emit(results)
    if not results:
        ctx.show(Text(f"No contracts match {ctx.args.symbol!r}.", style="yellow"))
        return None
    ctx.show(render.search_table(results))


# --- orders -------------------------------------------------------------------------------------


def build_order(args: argparse.Namespace) -> Order:
    """The order described by the flags (validated by :class:`Order`)."""
    return Order(
        conid=args.conid,
        side=args.side,
        quantity=args.qty,
        order_type=args.type,
        price=args.price,
        aux_price=args.aux_price,
        trailing_amt=args.trailing_amt,
        trailing_type=args.trailing_type,
        tif=args.tif,
        outside_rth=args.outside_rth,
        c_oid=args.coid,
    )


async def order(ctx: Context) -> None:
    """Place an order, showing each confirmation question."""
    new_order = build_order(ctx.args)
    policy = confirm_policy(ctx)
    async with ctx.client() as ib:
        try:
            placed = await ib.place_order(ctx.args.account, new_order, confirm=policy)
        except errors.OrderConfirmationRequired as exc:
            raise declined(exc, policy) from exc
    if ctx.json:
        return ctx.emit(
            {
                "order_id": placed.order_id,
                "order_status": placed.order_status,
                "c_oid": placed.c_oid,
                "answered": [
                    {"message_ids": list(q.message_ids), "messages": list(q.messages)}
                    for q in placed.answered
                ],
            }
        )
    ctx.show(Text("Order placed", style="bold green"), render.placed_order_table(placed))


async def orders(ctx: Context) -> None:
    """Live orders of the session (``--follow``: every change as it happens)."""
    if getattr(ctx.args, "follow", False):
        from ._watch import follow_orders

        return await follow_orders(ctx)
    filters = [f.strip() for f in ctx.args.filters.split(",")] if ctx.args.filters else None
    async with ctx.client() as ib:
        live = await ib.live_orders(filters=filters)
    if ctx.json:
        return ctx.emit(live)
    if not live:
        ctx.show(Text("No live orders in this session.", style="yellow"))
        return None
    ctx.show(render.orders_table(live))


async def cancel(ctx: Context) -> None:
    """Ask the gateway to cancel one order."""
    async with ctx.client() as ib:
        answer = await ib.cancel_order(ctx.args.account, ctx.args.order_id)
    if ctx.json:
        return ctx.emit(answer)
    if answer.already_done:
        message = "already cancelled"
    else:
        message = answer.message or "Request was submitted"
    ctx.show(Text(f"Order {ctx.args.order_id}: {message}", style="bold"))


async def watch(ctx: Context) -> None:
    """Streaming quotes (see :mod:`._watch`)."""
    from ._watch import watch as stream_quotes

    await stream_quotes(ctx)


COMMANDS: Mapping[str, Callable[[Context], Awaitable[None]]] = {
    "status": status,
    "accounts": accounts,
    "positions": positions,
    "summary": summary,
    "pnl": pnl,
    "quote": quote,
    "history": history,
    "search": search,
    "chain": _contracts.chain,
    "order": order,
    "orders": orders,
    "cancel": cancel,
    "bracket": _orders.bracket,
    "trades": _orders.trades,
    "watch": watch,
    "funds": _accounts.funds,
    "allocation": _accounts.allocation,
    "switch": _accounts.switch,
    "scan": _misc.scan,
    "alerts": _misc.alerts,
    "notifications": _misc.notifications,
    "watchlist": _misc.watchlist,
}


def field_list(values: Sequence[str]) -> str:
    """Comma-joined field names, for help texts."""
    return ",".join(values)
