"""What people see: rich tables, a sparkline of closes, and JSON for scripts."""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TextIO

import attrs
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .._values import number
from ..fields import field_name
from ..results.accounts import Accounts
from ..results.contracts import ContractMatch
from ..results.market import History
from ..results.orders import LiveOrder, PlacedOrder
from ..results.portfolio import PnlEntry, Position, SummaryItem
from ..results.session import AuthStatus
from ..snapshot import MarketDataAvailability, Quote

BLOCKS = "▁▂▃▄▅▆▇█"

SUMMARY_HIGHLIGHTS: tuple[tuple[str, str], ...] = (
    ("netliquidation", "Net liquidation"),
    ("totalcashvalue", "Total cash"),
    ("buyingpower", "Buying power"),
    ("availablefunds", "Available funds"),
    ("excessliquidity", "Excess liquidity"),
    ("grosspositionvalue", "Gross position value"),
    ("equitywithloanvalue", "Equity with loan value"),
    ("initmarginreq", "Initial margin"),
    ("maintmarginreq", "Maintenance margin"),
    ("sma", "SMA"),
    ("accruedcash", "Accrued cash"),
    ("cushion", "Cushion"),
)
"""The summary items a person looks at first, in reading order."""


# --- plain values -------------------------------------------------------------------------------


def money(value: object, digits: int = 2) -> str:
    """``1,234.56`` for numbers, an em dash for nothing."""
    amount = number(value)
    if amount is None or not math.isfinite(amount):
        return "—"
    return f"{amount:,.{digits}f}"


def quantity(value: object) -> str:
    """A position or order size without needless decimals."""
    amount = number(value)
    if amount is None:
        return "—"
    return f"{amount:,.0f}" if amount.is_integer() else f"{amount:,.4f}".rstrip("0")


def signed(value: object, digits: int = 2) -> Text:
    """A P&L figure, green when positive and red when negative."""
    amount = number(value)
    if amount is None or not math.isfinite(amount):
        return Text("—")
    style = "green" if amount > 0 else "red" if amount < 0 else ""
    return Text(f"{amount:+,.{digits}f}", style=style)


def cell(value: object) -> str:
    """Any snapshot value as table text."""
    if value is None:
        return "—"
    if isinstance(value, MarketDataAvailability):
        return value.code
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        whole, _, decimals = f"{value:,.4f}".partition(".")
        return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"  # 2 to 4 decimals
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def plural(count: int, word: str) -> str:
    """``"1 page"``, ``"3 pages"``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def one_line(text: str) -> str:
    """Collapse a multi-line gateway message (they carry ``\\n`` and sometimes HTML) to one line."""
    return " ".join(text.replace("<br>", " ").split())


# --- sparkline ----------------------------------------------------------------------------------


def _resample(values: Sequence[float], width: int) -> list[float]:
    """Average ``values`` into ``width`` buckets (NaN where a bucket has no finite value)."""
    buckets: list[float] = []
    for index in range(width):
        start = index * len(values) // width
        end = max(start + 1, (index + 1) * len(values) // width)
        finite = [v for v in values[start:end] if math.isfinite(v)]
        buckets.append(sum(finite) / len(finite) if finite else math.nan)
    return buckets


def sparkline(values: Iterable[float], *, width: int | None = None) -> str:
    """A one-line chart of ``values`` with the blocks ▁▂▃▄▅▆▇█ (lowest to highest).

    Longer series are averaged down to ``width`` characters; missing values (NaN) show as spaces;
    a flat series is drawn at mid height. An empty series gives an empty string.
    """
    series = [float(v) for v in values]
    if width is not None and width > 0 and len(series) > width:
        series = _resample(series, width)
    finite = [v for v in series if math.isfinite(v)]
    if not finite:
        return " " * len(series) if series else ""
    low, high = min(finite), max(finite)
    top = len(BLOCKS) - 1
    chars = []
    for value in series:
        if not math.isfinite(value):
            chars.append(" ")
        elif high == low:
            chars.append(BLOCKS[top // 2])
        else:
            chars.append(BLOCKS[round((value - low) / (high - low) * top)])
    return "".join(chars)


@attrs.frozen
class HistoryStats:
    """First, last, highest and lowest price of a series of bars."""

    bars: int
    first: float
    last: float
    high: float
    low: float
    start: datetime | None
    end: datetime | None

    @property
    def change(self) -> float:
        return self.last - self.first

    @property
    def change_percent(self) -> float:
        return self.change / self.first * 100 if self.first else math.nan


def history_stats(history: History) -> HistoryStats | None:
    """Statistics of the bars' closes (``None`` when there are no bars)."""
    bars = [bar for bar in history.bars if math.isfinite(bar.close)]
    if not bars:
        return None
    highs = [b.high for b in bars if math.isfinite(b.high)] or [b.close for b in bars]
    lows = [b.low for b in bars if math.isfinite(b.low)] or [b.close for b in bars]
    return HistoryStats(
        bars=len(bars),
        first=bars[0].close,
        last=bars[-1].close,
        high=max(highs),
        low=min(lows),
        start=bars[0].time,
        end=bars[-1].time,
    )


# --- tables -------------------------------------------------------------------------------------


def data_table(title: str | None = None, *, show_footer: bool = False) -> Table:
    """A compact table (no vertical rules) so that wide data fits an 80-column terminal."""
    return Table(
        title=title,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_footer=show_footer,
        title_style="bold",
        title_justify="left",
    )


def key_value_table(rows: Iterable[tuple[str, object]], *, title: str | None = None) -> Table:
    """Two columns: what and value."""
    table = Table(title=title, show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    for name, value in rows:
        table.add_row(name, value if isinstance(value, Text) else cell(value))
    return table


def status_table(status: AuthStatus) -> Table:
    """The brokerage session's state."""
    server = " ".join(part for part in (status.server_name, status.server_version) if part)

    def flag(value: bool | None, good: bool = True) -> Text:
        if value is None:
            return Text("—")
        return Text("yes" if value else "no", style="green" if value is good else "red")

    return key_value_table(
        [
            ("Authenticated", flag(status.authenticated)),
            ("Connected", flag(status.connected)),
            ("Established", flag(status.established)),
            ("Competing", flag(status.competing, good=False)),
            ("Message", status.message),
            ("Server", server or None),
        ]
    )


def accounts_table(accounts: Accounts) -> Table:
    """Brokerage accounts with their aliases."""
    paper = accounts.is_paper
    table = data_table("Accounts")
    table.add_column("Account", style="bold")
    table.add_column("Alias")
    table.add_column("Selected")
    table.add_column("Paper")
    for account in accounts.accounts:
        table.add_row(
            account,
            accounts.aliases.get(account, ""),
            "✓" if account == accounts.selected_account else "",
            "yes" if paper else "no" if paper is not None else "—",
        )
    return table


def positions_table(
    positions: Sequence[Position], *, title: str = "Positions", limit: int | None = None
) -> Table:
    """Positions with market value and P&L; a total line when there is more than one."""
    shown = positions if limit is None else positions[:limit]
    if len(shown) < len(positions):
        title += f", {len(shown)} shown"
    table = data_table(title, show_footer=len(positions) > 1)
    total_value = sum(p.market_value or 0.0 for p in positions)
    total_pnl = sum(p.unrealized_pnl or 0.0 for p in positions)
    table.add_column("Conid", justify="right", no_wrap=True)
    table.add_column("Contract", style="bold", footer="Total", min_width=8)
    table.add_column("Qty", justify="right", no_wrap=True)
    table.add_column("Price", justify="right", no_wrap=True)
    table.add_column("Mkt value", justify="right", no_wrap=True, footer=money(total_value))
    table.add_column("Avg cost", justify="right", no_wrap=True)
    table.add_column("Unrealized", justify="right", no_wrap=True, footer=signed(total_pnl))
    table.add_column("Ccy", no_wrap=True)
    for p in shown:
        table.add_row(
            str(p.conid),
            p.contract_desc or p.ticker or "—",
            quantity(p.position),
            money(p.market_price),
            money(p.market_value),
            money(p.avg_cost),
            signed(p.unrealized_pnl),
            p.currency or "",
        )
    return table


def summary_table(
    summary: Mapping[str, SummaryItem], *, everything: bool = False, title: str = "Account summary"
) -> Table:
    """The summary values people read first (``everything``: all of them, by name)."""
    if everything:
        rows = [(name, name) for name in sorted(summary)]
    else:
        rows = [(key, label) for key, label in SUMMARY_HIGHLIGHTS if key in summary]
    table = data_table(title)
    table.add_column("Item", style="bold")
    table.add_column("Value", justify="right")
    table.add_column("Ccy")
    for key, label in rows:
        item = summary[key]
        if item.value is not None:
            shown = item.value
        elif item.is_null or item.amount is None:
            shown = "—"
        elif key == "cushion":
            shown = f"{item.amount:.2%}"  # a ratio, not an amount of money
        else:
            shown = money(item.amount)
        currency = "" if key == "cushion" else item.currency or ""
        table.add_row(label, shown, currency)
    return table


def pnl_table(pnl: Mapping[str, PnlEntry]) -> Table:
    """Daily and unrealized P&L per account partition."""
    table = data_table("Profit and loss")
    table.add_column("Partition", style="bold", no_wrap=True)
    table.add_column("Daily P&L", justify="right", no_wrap=True)
    table.add_column("Unrealized P&L", justify="right", no_wrap=True)
    table.add_column("Net liquidation", justify="right", no_wrap=True)
    table.add_column("Market value", justify="right", no_wrap=True)
    for name, entry in sorted(pnl.items()):
        table.add_row(
            name,
            signed(entry.daily_pnl),
            signed(entry.unrealized_pnl),
            money(entry.net_liquidation),
            money(entry.market_value),
        )
    return table


def quote_column_names(fields: Sequence[str]) -> list[str]:
    """Column headings for asked fields (names as given, ids turned into names when known)."""
    return [field_name(f) or f if f.isdecimal() else f for f in fields]


def quotes_table(quotes: Sequence[Quote], fields: Sequence[str], *, title: str = "Quotes") -> Table:
    """One row per contract, one column per asked field."""
    columns = quote_column_names(fields)
    table = data_table(title)
    table.add_column("Conid", justify="right", style="bold", no_wrap=True)
    for name in columns:
        table.add_column(name, justify="left" if name in {"symbol", "company_name"} else "right")
    for quote in quotes:
        values: list[str | Text] = []
        for field, name in zip(fields, columns, strict=True):
            text = cell(quote[field])
            if name == "last_price" and (quote.is_prior_close or quote.is_halted):
                text += " (close)" if quote.is_prior_close else " (halted)"
            values.append(text)
        table.add_row(str(quote.conid), *values)
    return table


def history_panel(history: History, *, width: int = 60) -> Group:
    """A sparkline of closes with first/last/high/low underneath."""
    name = history.symbol or str(history.conid)
    if history.text:
        name += f" — {history.text}"
    stats = history_stats(history)
    if stats is None:
        return Group(Text(f"{name}: no bars", style="yellow"))
    line = sparkline([bar.close for bar in history.bars], width=width)
    change_style = "green" if stats.change > 0 else "red" if stats.change < 0 else ""
    facts = key_value_table(
        [
            ("Bars", f"{stats.bars} ({_span(stats)})"),
            ("First", money(stats.first)),
            ("Last", money(stats.last)),
            (
                "Change",
                Text(f"{stats.change:+,.2f} ({stats.change_percent:+.2f}%)", style=change_style),
            ),
            ("High", money(stats.high)),
            ("Low", money(stats.low)),
        ]
    )
    return Group(
        Text(name, style="bold"),
        Text(f"{money(stats.high):>10} ┤"),
        Text(f"{'':>10} │") + Text(line, style="cyan"),
        Text(f"{money(stats.low):>10} ┤"),
        Text(""),
        facts,
    )


def _span(stats: HistoryStats) -> str:
    if stats.start is None or stats.end is None:
        return ""
    return f"{stats.start:%Y-%m-%d %H:%M} → {stats.end:%Y-%m-%d %H:%M} UTC"


def search_table(results: Sequence[ContractMatch]) -> Table:
    """Contracts matching a search, with the security types each offers."""
    table = data_table("Contracts")
    table.add_column("Conid", justify="right", style="bold")
    table.add_column("Symbol")
    table.add_column("Company")
    table.add_column("Exchange")
    table.add_column("Types")
    for item in results:
        table.add_row(
            str(item.conid),
            item.symbol or "",
            item.company_name or item.company_header or "",
            item.description or "",
            ", ".join(item.sec_types),
        )
    return table


def orders_table(orders: Sequence[LiveOrder], *, title: str = "Live orders") -> Table:
    """Live orders of the session (the account and every other field are in ``--json``)."""
    table = data_table(title)
    table.add_column("Order id", justify="right", style="bold", no_wrap=True)
    table.add_column("Contract", min_width=6)
    table.add_column("Side", no_wrap=True)
    table.add_column("Filled", justify="right", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Price", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("cOID", overflow="fold")
    for order in orders:
        status = order.status or ""
        style = "green" if status == "Filled" else "red" if "Cancel" in status else ""
        table.add_row(
            str(order.order_id),
            order.ticker or (str(order.conid) if order.conid is not None else ""),
            order.side or "",
            f"{quantity(order.filled_quantity)}/{quantity(order.total_size)}",
            order.order_type or "",
            money(order.price),
            Text(status, style=style),
            order.c_oid or "",
        )
    return table


def placed_order_table(placed: PlacedOrder) -> Table:
    """The gateway's answer to a placed order."""
    return key_value_table(
        [
            ("Order id", placed.order_id),
            ("Status", placed.order_status),
            ("cOID", placed.c_oid),
            ("Questions confirmed", len(placed.answered)),
        ]
    )


# --- JSON ---------------------------------------------------------------------------------------


def jsonable(value: object) -> object:
    """Plain JSON data from results: attrs classes, quotes, dates (``.model`` fields left out)."""
    if isinstance(value, bool | str | int) or value is None:
        return value
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, MarketDataAvailability):
        return value.code
    if isinstance(value, Quote):
        return {
            "conid": value.conid,
            "updated": jsonable(value.updated),
            "is_prior_close": value.is_prior_close,
            "is_halted": value.is_halted,
            "values": jsonable(dict(value.values)),
        }
    kind = type(value)
    if attrs.has(kind):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in attrs.fields(kind)
            if f.name != "model" and f.repr is not False  # the generated model; secrets
        }
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [jsonable(v) for v in value]
    return str(value)


def write_json(value: object, file: TextIO) -> None:
    """``value`` as indented JSON, one document, newline-terminated."""
    json.dump(jsonable(value), file, indent=2, ensure_ascii=False)
    file.write("\n")
    file.flush()


def make_console(file: TextIO | None = None, *, stderr: bool = False) -> Console:
    """A console for people: colour on terminals, plain text in pipes and tests."""
    return Console(file=file, stderr=stderr, highlight=False, soft_wrap=False)
