"""``bracket`` (an entry with take-profit and stop-loss attached) and ``trades`` (executions)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from rich.table import Table
from rich.text import Text

from .. import errors
from ..orders.groups import Bracket
from ..orders.order import ORDER_TYPES, TIME_IN_FORCE, Order
from ..results.orders import PlacedBracket, PlacedOrder, Trade
from . import _render as render
from ._confirm import confirm_policy, declined
from ._context import Context

ENTRY_TYPES = ("LMT", "MKT", "STP", "STOP_LIMIT")
MAX_DAYS = 7


def _upper(text: str) -> str:
    return text.strip().upper()


def add_commands(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """The ``bracket`` and ``trades`` subcommands (``add(name, help)`` makes a subparser)."""
    cmd = add("bracket", "place an entry order with a take-profit and a stop-loss attached")
    cmd.add_argument("account", metavar="ACCOUNT", help="account id, e.g. U1234567")
    cmd.add_argument("--conid", type=int, required=True, help="contract id (see `search`)")
    cmd.add_argument("--side", type=_upper, choices=["BUY", "SELL"], required=True)
    cmd.add_argument("--qty", type=float, required=True, metavar="N", help="quantity")
    cmd.add_argument(
        "--type",
        type=_upper,
        choices=[t for t in ENTRY_TYPES if t in ORDER_TYPES],
        default="LMT",
        help="entry order type (default LMT)",
    )
    cmd.add_argument("--price", type=float, metavar="P", help="entry limit price")
    cmd.add_argument("--aux-price", type=float, metavar="P", help="entry stop price (STP)")
    cmd.add_argument(
        "--take-profit", type=float, required=True, metavar="P", help="take-profit limit price"
    )
    cmd.add_argument(
        "--stop-loss", type=float, required=True, metavar="P", help="stop-loss stop price"
    )
    cmd.add_argument(
        "--stop-limit", type=float, metavar="P", help="make the stop-loss a stop-limit at P"
    )
    cmd.add_argument(
        "--tif", type=_upper, choices=sorted(TIME_IN_FORCE), default="DAY", help="default DAY"
    )
    cmd.add_argument(
        "--exit-tif",
        type=_upper,
        choices=sorted(TIME_IN_FORCE),
        help="time in force of the exits (default: the entry's)",
    )
    cmd.add_argument("--outside-rth", action="store_true", help="may fill outside regular hours")
    cmd.add_argument(
        "--coid", metavar="ID", help="the entry's client order id (exits add -tp and -sl)"
    )
    cmd.add_argument(
        "-y", "--yes", action="store_true", help="confirm every question without asking"
    )

    cmd = add("trades", "executions (fills) with their commissions")
    cmd.add_argument(
        "--days",
        type=int,
        default=1,
        metavar="N",
        help=f"today and the N days before (0-{MAX_DAYS}, default 1)",
    )


def build_bracket(args: argparse.Namespace) -> Bracket:
    """The bracket described by the flags (validated by :class:`Bracket` and :class:`Order`)."""
    entry = Order(
        conid=args.conid,
        side=args.side,
        quantity=args.qty,
        order_type=args.type,
        price=args.price,
        aux_price=args.aux_price,
        tif=args.tif,
        outside_rth=args.outside_rth,
        c_oid=args.coid,
    )
    return Bracket(
        entry=entry,
        take_profit=args.take_profit,
        stop_loss=args.stop_loss,
        stop_loss_limit=args.stop_limit,
        exit_tif=args.exit_tif,
    )


async def bracket(ctx: Context) -> None:
    """Place a bracket, showing each confirmation question, then its three legs."""
    planned = build_bracket(ctx.args)
    policy = confirm_policy(ctx)
    async with ctx.client() as ib:
        try:
            placed = await ib.orders.bracket(planned, account_id=ctx.args.account, confirm=policy)
        except errors.OrderConfirmationRequired as exc:
            raise declined(exc, policy) from exc
    if ctx.json:
        return ctx.emit(bracket_json(planned, placed))
    ctx.show(Text("Bracket placed", style="bold green"), bracket_table(planned, placed))


def _leg_json(order: Order, placed: PlacedOrder) -> dict[str, object]:
    return {
        "order_id": placed.order_id,
        "order_status": placed.order_status,
        "c_oid": placed.c_oid,
        "side": order.side,
        "order_type": order.order_type,
        "price": order.limit_price,
        "stop_price": order.stop_price,
        "quantity": order.quantity,
        "recovered": placed.recovered,
    }


def bracket_json(planned: Bracket, placed: PlacedBracket) -> dict[str, object]:
    """The legs as plain JSON, with the questions confirmed on the way."""
    orders = planned.orders
    return {
        "parent": _leg_json(orders[0], placed.parent),
        "take_profit": _leg_json(orders[1], placed.take_profit),
        "stop_loss": _leg_json(orders[2], placed.stop_loss),
        "answered": [
            {"message_ids": list(q.message_ids), "messages": list(q.messages)}
            for q in placed.parent.answered
        ],
    }


def bracket_table(planned: Bracket, placed: PlacedBracket) -> Table:
    """One row per leg: what it does and the id the gateway gave it."""
    table = render.data_table()
    table.add_column("Leg", style="bold", no_wrap=True)
    table.add_column("Order id", justify="right", no_wrap=True)
    table.add_column("Side", no_wrap=True)
    table.add_column("Qty", justify="right", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Limit", justify="right", no_wrap=True)
    table.add_column("Stop", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("cOID", overflow="fold")
    names = ("entry", "take profit", "stop loss")
    for name, order, leg in zip(names, planned.orders, placed.legs, strict=True):
        table.add_row(
            name,
            str(leg.order_id),
            order.side,
            render.quantity(order.quantity),
            order.order_type,
            render.money(order.limit_price),
            render.money(order.stop_price),
            leg.order_status or "",
            leg.c_oid or "",
        )
    return table


async def trades(ctx: Context) -> None:
    """Executions of today and the days before, newest first."""
    async with ctx.client() as ib:
        fills = await ib.trades(days=ctx.args.days)
    if ctx.json:
        return ctx.emit(fills)
    if not fills:
        ctx.show(Text("No executions in that period.", style="yellow"))
        return None
    ctx.show(trades_table(fills))


def trades_table(fills: Sequence[Trade]) -> Table:
    """Executions with commission and net amount; a footer sums the commissions."""
    total = sum(t.commission or 0.0 for t in fills)
    table = render.data_table(f"{render.plural(len(fills), 'execution')}", show_footer=True)
    table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Symbol", no_wrap=True)
    table.add_column("Side", no_wrap=True)
    table.add_column("Size", justify="right", no_wrap=True)
    table.add_column("Price", justify="right", no_wrap=True)
    table.add_column("Commission", justify="right", no_wrap=True, footer=render.money(total))
    table.add_column("Net amount", justify="right", no_wrap=True)
    table.add_column("Order id", justify="right", no_wrap=True)
    table.add_column("cOID", overflow="fold")
    for fill in fills:
        table.add_row(
            fill.time.strftime("%Y-%m-%d %H:%M:%S") if fill.time else "",
            fill.symbol or (str(fill.conid) if fill.conid is not None else ""),
            fill.action or fill.side or "",
            render.quantity(fill.size),
            render.money(fill.price),
            render.money(fill.commission),
            render.money(fill.net_amount),
            str(fill.order_id) if fill.order_id is not None else "",
            fill.c_oid or "",
        )
    return table
