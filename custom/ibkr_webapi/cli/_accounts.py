"""Account commands: the trading view of an account (funds), its allocation, selecting an account."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text

from ..results.account_figures import Figure, FundsSegment, TradingSummary
from ..results.allocation import Allocation, AllocationSplit
from . import _render as render
from ._context import Context


def _figure(figure: Figure | None) -> str:
    return "—" if figure is None else figure.text


def funds_tables(summary: TradingSummary, funds: Mapping[str, FundsSegment]) -> list[Table]:
    """The account's figures in its base currency, then available funds by segment."""
    overview = render.key_value_table(
        [
            ("Net liquidation", render.money(summary.net_liquidation)),
            ("Equity with loan", render.money(summary.equity_with_loan)),
            ("Total cash", render.money(summary.total_cash)),
            ("Buying power", render.money(summary.buying_power)),
            ("Available funds", render.money(summary.available_funds)),
            ("Excess liquidity", render.money(summary.excess_liquidity)),
            ("Initial margin", render.money(summary.initial_margin)),
            ("Maintenance margin", render.money(summary.maintenance_margin)),
            ("SMA", render.money(summary.sma)),
        ],
        title=f"Trading view of {summary.account_id}",
    )
    table = render.data_table("Available funds by segment")
    for name in ("Segment", "Available", "Excess", "Overnight avail.", "Buying power", "Leverage"):
        table.add_column(name, justify="left" if name == "Segment" else "right")
    for name, segment in funds.items():
        table.add_row(
            name,
            _figure(segment.current_available),
            _figure(segment.current_excess),
            _figure(segment.overnight_available),
            _figure(segment.buying_power),
            _figure(segment.leverage),
        )
    return [overview, table]


async def funds(ctx: Context) -> None:
    """Balances, margins, buying power and available funds of an account (the trading view)."""
    async with ctx.client() as ib:
        summary = await ib.accounts.summary(account_id=ctx.args.account)
        segments = await ib.accounts.available_funds(account_id=ctx.args.account)
    if ctx.json:
        return ctx.emit({"summary": summary, "available_funds": segments})
    ctx.show(*funds_tables(summary, segments))


def allocation_table(allocation: Allocation, title: str) -> Table:
    """Long and short market value by asset class, sector and group, largest first."""
    table = render.data_table(title)
    for name in ("By", "Name", "Long", "Short", "Net"):
        table.add_column(name, justify="right" if name in ("Long", "Short", "Net") else "left")
    splits: tuple[tuple[str, AllocationSplit], ...] = (
        ("asset class", allocation.asset_class),
        ("sector", allocation.sector),
        ("group", allocation.group),
    )
    for kind, split in splits:
        for name, net in split.net.items():
            table.add_row(
                kind,
                name,
                render.money(split.long.get(name)),
                render.money(split.short.get(name)),
                render.signed(net),
            )
    return table


async def allocation(ctx: Context) -> None:
    """An account's holdings by asset class, sector and group."""
    async with ctx.client() as ib:
        answer = await ib.accounts.allocation(account_id=ctx.args.account)
    if ctx.json:
        return ctx.emit(answer)
    ctx.show(allocation_table(answer, f"Allocation of {ctx.args.account}"))


async def switch(ctx: Context) -> None:
    """Select the account the gateway's account-less calls act on (advisors, several accounts)."""
    async with ctx.client() as ib:
        await ib.accounts()
        selected = await ib.accounts.switch(ctx.args.account)
    if ctx.json:
        return ctx.emit(selected)
    state = "selected" if selected.changed else "was selected already"
    ctx.show(Text(f"{selected.account_id} {state}", style="green"))
