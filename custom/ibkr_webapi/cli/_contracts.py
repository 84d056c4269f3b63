"""``ibkr-webapi chain``: an option chain as a table (calls left, strike, puts right)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .._client import IBKRClient
from ..results.derivatives import OptionChain, OptionContract
from ..snapshot import Quote
from . import _render as render
from ._context import CommandError, Context
from ._exitcodes import ExitCode

_QUOTE_FIELDS = ["bid_price", "ask_price", "last_price"]
_AAPL = 265598


def strike_spec(text: str) -> tuple[float, float] | list[float]:
    """``"180:200"`` (a range, both ends included) or ``"180,185,190"`` (these strikes)."""
    try:
        if ":" in text:
            low, high = (float(part) for part in text.split(":", 1))
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ValueError
            return low, high
        values = [float(part) for part in text.split(",") if part.strip()]
        if not values or not all(math.isfinite(v) for v in values):
            raise ValueError
        return values
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not strikes: use LOW:HIGH (e.g. 180:200) or a list (180,185,190)"
        ) from None


def add_arguments(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """The ``chain`` subcommand's options."""
    cmd = add("chain", "an option chain: calls and puts by strike, for one expiry or month")
    cmd.add_argument("symbol", metavar="SYMBOL", help="the underlying, e.g. AAPL")
    cmd.add_argument("--expiry", metavar="DATE", help="YYYYMMDD for one expiry, YYYYMM for a month")
    cmd.add_argument("--month", metavar="MON", help="the gateway's month, e.g. MAR25")
    cmd.add_argument(
        "--strikes", type=strike_spec, metavar="SPEC", help="LOW:HIGH or a list: 180,185,190"
    )
    cmd.add_argument("--right", type=str.upper, choices=["C", "P"], help="calls or puts only")
    cmd.add_argument(
        "--conid", type=int, help="the underlying's conid, when the symbol is ambiguous"
    )
    cmd.add_argument(
        "--quotes", action="store_true", help="add bid, ask and last of every contract"
    )
    cmd.add_argument(
        "--max-strikes", type=int, default=60, metavar="N", help="refuse more strikes (default 60)"
    )


async def chain(ctx: Context) -> None:
    """An option chain, quoted on request."""
    args = ctx.args
    async with ctx.client() as ib:
        found = await ib.contracts.option_chain(
            args.symbol,
            conid=args.conid,
            expiry=args.expiry,
            month=args.month,
            strikes=args.strikes,
            right=args.right,
            max_strikes=args.max_strikes,
        )
        quotes = await ib.snapshot(found.conids, _QUOTE_FIELDS) if args.quotes and found else []
    if not found:
        raise CommandError(f"no {args.symbol} options match", ExitCode.FAILURE)
    if ctx.json:
        return ctx.emit({"chain": found, "quotes": quotes} if args.quotes else found)
    by_conid = {q.conid: q for q in quotes}
    for expiry in found.expiries:
        ctx.show(chain_table(found, expiry_filter=expiry, quotes=by_conid))
    ctx.show(
        Text(
            f"{render.plural(len(found), 'contract')} of {found.symbol} {found.month}; "
            f"{len(found.listed_strikes)} strikes listed",
            style="dim",
        )
    )
    return None


def _price(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.2f}"


def chain_table(found: OptionChain, *, expiry_filter: date, quotes: dict[int, Quote]) -> Table:
    """One expiry of a chain: call conid (and quote), strike, put conid (and quote)."""
    contracts: Sequence[OptionContract] = [c for c in found if c.expiry == expiry_filter]
    quoted = bool(quotes)
    table = render.data_table(f"{found.symbol} {expiry_filter} ({found.sec_type})")
    for label in ("Call", "Bid / ask", "Last") if quoted else ("Call",):
        table.add_column(label, justify="right")
    table.add_column("Strike", justify="center", style="bold")
    for label in ("Put", "Bid / ask", "Last") if quoted else ("Put",):
        table.add_column(label, justify="right")
    for strike in sorted({c.strike for c in contracts}):
        call = next((c for c in contracts if c.strike == strike and c.right == "C"), None)
        put = next((c for c in contracts if c.strike == strike and c.right == "P"), None)
        table.add_row(*_cells(call, quotes, quoted), f"{strike:g}", *_cells(put, quotes, quoted))
    return table


def _cells(contract: OptionContract | None, quotes: dict[int, Quote], quoted: bool) -> list[str]:
    if not quoted:
        return ["" if contract is None else str(contract.conid)]
    if contract is None:
        return ["", "", ""]
    quote = quotes.get(contract.conid)
    if quote is None:
        return [str(contract.conid), "", ""]
    return [
        str(contract.conid),
        f"{_price(quote.bid_price)} / {_price(quote.ask_price)}",
        _price(quote.last_price),
    ]


async def demo_section(ib: IBKRClient, console: Console, served: Mapping[str, int]) -> bool:
    """The demo's option chain: AAPL's nearest expiry around the money, quoted, with the requests
    it cost as the simulator counted them. True when it stayed within the walk's budget."""
    last = (await ib.snapshot([_AAPL], fields=["last_price"]))[0].last_price
    if last is None:
        raise CommandError("no AAPL price: cannot centre the option chain", ExitCode.FAILURE)
    before = dict(served)
    found = await ib.contracts.option_chain(
        "AAPL", expiry="next", strikes=(last * 0.93, last * 1.07)
    )
    spent = {route: n - before.get(route, 0) for route, n in served.items()}
    walk = sum(n for route, n in spent.items() if "/secdef/" in route)
    quotes = await ib.snapshot(found.conids, _QUOTE_FIELDS)
    by_conid = {q.conid: q for q in quotes}
    for expiry in found.expiries:
        console.print(chain_table(found, expiry_filter=expiry, quotes=by_conid))
    budget = 2 + len(found.strikes)
    console.print(
        f"{render.plural(len(found), 'contract')} around {last:.2f}; the walk took {walk} requests "
        f"(search, strikes, one per strike: at most {budget})"
    )
    return walk <= budget
