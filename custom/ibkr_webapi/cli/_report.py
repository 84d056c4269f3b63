"""The portfolio report the demo prints: one section per question a person asks of an account."""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence

import attrs
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from .._client import IBKRClient
from ..orders.order import Order, Question
from ..results.orders import PlacedOrder
from ..results.portfolio import Position
from ..snapshot import Quote
from . import _render as render
from ._commands import fetch_positions
from ._context import DEFAULT_QUOTE_FIELDS

QUOTE_FIELDS = DEFAULT_QUOTE_FIELDS
AAPL = 265598
HISTORY_CONID = AAPL
SEARCH_SYMBOL = "IBM"
ORDER_QUANTITY = 650.0  # above the simulator's size limit (500): the gateway asks to confirm


@attrs.frozen
class ReportResult:
    """What later steps of the demo need from the report."""

    account: str
    placed: PlacedOrder


def heading(console: Console, title: str) -> None:
    """A section heading."""
    console.print()
    console.rule(Text(title, style="bold cyan"), align="left")


def by_market_value(positions: Sequence[Position]) -> list[Position]:
    """Largest holdings first."""
    return sorted(positions, key=lambda p: abs(p.market_value or 0.0), reverse=True)


async def _session(ib: IBKRClient, console: Console) -> str:
    heading(console, "1. Session")
    status = await ib.auth_status()
    console.print(Text(f"Gateway {ib.base_url}"), render.status_table(status))
    heading(console, "2. Accounts")
    accounts = await ib.accounts()
    console.print(render.accounts_table(accounts))
    names = accounts.accounts
    if not names:
        raise RuntimeError("the gateway lists no accounts")
    selected = accounts.selected_account
    return selected if selected is not None and selected in names else names[0]


async def _positions(ib: IBKRClient, console: Console, account: str) -> list[Position]:
    heading(console, f"3. Positions of {account}")
    fetched = await fetch_positions(ib, account, console=console)
    console.print(
        f"Fetched {fetched.describe()} in {fetched.seconds:.2f} s "
        "(the client walks every page and stops at the short one)."
    )
    largest = by_market_value(fetched.positions)
    console.print(
        render.positions_table(largest, title=f"Largest of {len(largest)} holdings", limit=10)
    )
    return largest


async def _quotes(
    ib: IBKRClient,
    console: Console,
    holdings: Sequence[Position],
    snapshot_requests: Callable[[], int] | None,
) -> list[Quote]:
    heading(console, "4. Live quotes for the top holdings (and AAPL, which the order below buys)")
    conids = [p.conid for p in holdings[:5]]
    if AAPL not in conids:
        conids.append(AAPL)
    before = snapshot_requests() if snapshot_requests is not None else 0
    started = time.perf_counter()
    quotes = await ib.snapshot(conids, fields=QUOTE_FIELDS)
    seconds = time.perf_counter() - started
    console.print(render.quotes_table(quotes, QUOTE_FIELDS, title="Snapshot"))
    if snapshot_requests is not None:
        polls = snapshot_requests() - before
        console.print(
            f"Pre-flight: {render.plural(polls, 'snapshot request')} in {seconds:.2f} s "
            "(a new conid's first answer has no fields: the client asked again)."
        )
    return quotes


async def _money(ib: IBKRClient, console: Console, account: str) -> None:
    heading(console, "5. Profit and loss")
    console.print(render.pnl_table(await ib.pnl()))
    heading(console, "6. Account summary")
    summary = await ib.account_summary(account)
    console.print(render.summary_table(summary, title=f"Account summary of {account}"))


async def _research(ib: IBKRClient, console: Console, width: int) -> None:
    heading(console, f"7. Contract search: {SEARCH_SYMBOL}")
    console.print(render.search_table(await ib.search_contracts(SEARCH_SYMBOL, sec_type="STK")))
    heading(console, "8. AAPL over one day, 5-minute bars")
    history = await ib.history(HISTORY_CONID, period="1d", bar="5min")
    console.print(render.history_panel(history, width=width))


def _show_and_confirm(console: Console) -> Callable[[Question], bool]:
    def confirm(question: Question) -> bool:
        ids = ", ".join(question.message_ids) or "no id"
        body = Text("\n".join(render.one_line(m) for m in question.messages))
        console.print(Panel(body, title=f"The gateway asks ({ids})", border_style="yellow"))
        console.print(Text("→ confirmed", style="bold green"))
        return True

    return confirm


async def _order(
    ib: IBKRClient, console: Console, account: str, quote: Quote | None
) -> PlacedOrder:
    heading(console, "9. An order that needs confirmation")
    last = quote.last_price if quote is not None else None
    if last is None:
        raise RuntimeError("no AAPL price in the snapshot: cannot set a limit")
    limit = round(last * 0.98, 2)  # below the market: it rests as a live order
    console.print(
        f"BUY {render.quantity(ORDER_QUANTITY)} AAPL LMT {render.money(limit)} DAY (last "
        f"{render.money(last)}): more than the account's size limit, so the gateway asks first."
    )
    order = Order(
        conid=AAPL, side="BUY", quantity=ORDER_QUANTITY, order_type="LMT", price=limit, tif="DAY"
    )
    placed = await ib.place_order(account, order, confirm=_show_and_confirm(console))
    console.print(render.placed_order_table(placed))
    return placed


async def portfolio_report(
    ib: IBKRClient, console: Console, *, snapshot_requests: Callable[[], int] | None = None
) -> ReportResult:
    """Print the report section by section; ``snapshot_requests`` counts snapshot calls so far."""
    account = await _session(ib, console)
    holdings = await _positions(ib, console, account)
    if not holdings:
        raise RuntimeError(f"{account} holds no positions")
    quotes = await _quotes(ib, console, holdings, snapshot_requests)
    await _money(ib, console, account)
    await _research(ib, console, width=max(20, min(100, console.width - 14)))
    placed = await _order(ib, console, account, next((q for q in quotes if q.conid == AAPL), None))
    return ReportResult(account=account, placed=placed)


STREAM_SECONDS = 2.0
STREAM_CONIDS = (AAPL, 8314)
STREAM_FIELDS = ("symbol", "last_price", "bid_price", "ask_price", "bid_size", "ask_size")


async def _stream_quotes(ib: IBKRClient, console: Console) -> int:
    """Print every streamed quote for a few seconds; returns how many arrived."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_SECONDS
    count = 0
    async with ib.stream.quotes(STREAM_CONIDS, fields=STREAM_FIELDS) as quotes:
        while (remaining := deadline - loop.time()) > 0:
            try:
                quote = await asyncio.wait_for(anext(quotes), remaining)
            except TimeoutError:
                break
            count += 1
            console.print(
                f"  {quote.symbol or quote.conid:<5} last {render.money(quote.last_price):>9}  "
                f"bid {render.money(quote.bid_price):>9} x {render.quantity(quote.bid_size):>6}  "
                f"ask {render.money(quote.ask_price):>9} x {render.quantity(quote.ask_size):>6}"
            )
    return count


async def streaming_section(ib: IBKRClient, console: Console, account: str) -> int:
    """Quotes and order updates pushed over the websocket; returns the order updates seen."""
    heading(console, "10. Streaming over the websocket")
    console.print(
        f"{STREAM_SECONDS:g} s of quotes for AAPL and IBM, each update merged into the full quote:"
    )
    count = await _stream_quotes(ib, console)
    console.print(f"{render.plural(count, 'quote update')} streamed.")
    seen = 0
    async with ib.stream.orders(snapshot=False) as orders:
        quote = (await ib.snapshot([AAPL], fields=["last_price"]))[0]
        last = quote.last_price
        if last is None:
            raise RuntimeError("no AAPL price: cannot place the streaming demo order")
        order = Order(
            conid=AAPL, side="BUY", quantity=5, order_type="LMT", price=round(last * 1.005, 2)
        )
        placed = await ib.place_order(account, order, confirm=_show_and_confirm(console))
        console.print(
            f"Placed BUY 5 AAPL LMT {render.money(order.price)} (order {placed.order_id}); "
            "its updates arrive on the socket:"
        )
        async for update in orders:
            if update.order_id != int(placed.order_id):
                continue
            seen += 1
            filled = f"{render.quantity(update.filled_quantity)}/{render.quantity(update.total_quantity)}"
            console.print(f"  order {update.order_id}: {update.status} (filled {filled})")
            if update.is_final:
                break
    return seen


async def _run_cli(console: Console, argv: Sequence[str], *, shown: Sequence[str]) -> bool:
    """Run ``ibkr-webapi ARGV`` as a real subprocess and print what it printed."""
    console.print(Text("$ ibkr-webapi " + shlex.join(shown), style="bold"))
    env = {**os.environ, "COLUMNS": str(console.width), "NO_COLOR": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ibkr_webapi.cli",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
        env=env,
    )
    out, err = await process.communicate()
    console.print(Text(out.decode(errors="replace").rstrip()))
    if process.returncode != 0:
        console.print(
            Text(f"exit {process.returncode}: {err.decode(errors='replace').strip()}", style="red")
        )
        return False
    return True


async def command_line(console: Console, *, url: str, ca_path: str, result: ReportResult) -> bool:
    """Run ``quote``, ``watch``, ``orders`` and ``cancel`` against the gateway; False if any failed."""
    heading(console, "11. The same gateway from the command line (subprocesses)")
    connection = ["--base-url", url, "--ca", ca_path]
    placed = result.placed.order_id
    runs = [
        ["quote", "265598", "8314", "--fields", "symbol,last_price,bid_price,ask_price,volume"],
        ["watch", "265598", "--fields", "symbol,last_price,bid_price,ask_price", "--count", "3"],
        ["orders"],
        ["cancel", result.account, str(placed)],
    ]
    ok = True
    for argv in runs:
        shown = [*argv, "--base-url", "URL", "--ca", "CERT"]
        ok = await _run_cli(console, [*argv, *connection], shown=shown) and ok
    return ok
