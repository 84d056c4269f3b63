"""``scan``, ``alerts``, ``notifications`` and ``watchlist``: scanners, alerts, FYIs and watchlists."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.table import Table
from rich.text import Text

from ibkr_webapi_client.models import ScannerParameters as ScannerParametersModel

from .. import errors
from ..alert_conditions import PriceCondition
from ..pacing import default_state_dir
from ..results.alerts import Alert, AlertChange, AlertSummary
from ..results.notifications import Notification, NotificationSetting
from ..results.scanner import ScannerParameters, ScanResult
from ..results.watchlists import Watchlist, WatchlistInfo
from . import _render as render
from ._context import CommandError, Context
from ._exitcodes import ExitCode

__all__ = ["add_arguments", "alerts", "notifications", "scan", "watchlist"]

Adder = Callable[[str, str], argparse.ArgumentParser]
PARAMETERS_KEPT = 3600.0  # seconds an answer is reused (IBKR allows asking once per 15 minutes)
PARAMETERS_MAX_WAIT = 10.0  # longer than this, say so instead of waiting


def _filter(text: str) -> tuple[str, float | str]:
    """``priceAbove=5`` -> ``("priceAbove", 5.0)``; a value that is not a number stays text."""
    code, sep, value = text.partition("=")
    if not sep or not code.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"a filter is CODE=VALUE, e.g. priceAbove=5, got {text!r}")
    try:
        return code.strip(), float(value)
    except ValueError:
        return code.strip(), value.strip()


def _actions(cmd: argparse.ArgumentParser, parents: Sequence[argparse.ArgumentParser]) -> Adder:
    sub = cmd.add_subparsers(dest="action", metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=list(parents))

    return action


def add_arguments(add: Adder, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Register ``scan``, ``alerts``, ``notifications`` and ``watchlist`` (``add(name, help)`` makes a subcommand;
    ``parents`` are the connection and output options, which every action takes too: put them
    after the action, ``alerts list --json``)."""
    cmd = add("scan", "run a market scanner (without SCAN_TYPE: list the scan types)")
    cmd.add_argument("scan_type", metavar="SCAN_TYPE", nargs="?", help="e.g. TOP_PERC_GAIN")
    cmd.add_argument("--instrument", default="STK", help="default STK")
    cmd.add_argument("--location", default="STK.US.MAJOR", help="default STK.US.MAJOR")
    cmd.add_argument(
        "--filter",
        dest="filters",
        type=_filter,
        action="append",
        metavar="CODE=VALUE",
        help="a scanner filter, e.g. priceAbove=5 (repeatable)",
    )
    cmd.add_argument("--limit", type=int, metavar="N", help="show only the first N rows")

    cmd = add("alerts", "list, create, switch and delete alerts (default: list)")
    actions = _actions(cmd, parents)
    list_ = actions("list", "the account's alerts")
    show = actions("show", "one alert with its conditions")
    show.add_argument("alert_id", metavar="ALERT_ID", type=int)
    mta = actions("mta", "the mobile trading assistant alert")
    create = actions("create", "a price alert: --conid N --above P | --below P")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--conid", type=int, required=True, help="contract id (see `search`)")
    side = create.add_mutually_exclusive_group(required=True)
    side.add_argument("--above", type=float, metavar="P", help="fire when the price is >= P")
    side.add_argument("--below", type=float, metavar="P", help="fire when the price is <= P")
    create.add_argument("--message", help="what the alert says (default: its name)")
    create.add_argument("--repeat", action="store_true", help="fire again after it fired")
    create.add_argument("--email", metavar="ADDRESS", help="also send the message here")
    switches = []
    for name, text in (("activate", "turn an alert on"), ("deactivate", "turn an alert off")):
        switch = actions(name, text)
        switch.add_argument("alert_id", metavar="ALERT_ID", type=int)
        switches.append(switch)
    delete = actions("delete", "delete one alert, or --all")
    target = delete.add_mutually_exclusive_group(required=True)
    target.add_argument("alert_id", metavar="ALERT_ID", type=int, nargs="?")
    target.add_argument("--all", action="store_true", help="every alert of the account")
    for each in (cmd, list_, show, mta, create, *switches, delete):
        each.add_argument("--account", metavar="ACCOUNT", help="default: IBKR_ACCOUNT_ID")

    cmd = add("notifications", "FYI notifications: the newest, mark one read, settings")
    actions = _actions(cmd, parents)
    listing = actions("list", "the newest notifications, with the unread count (default)")
    read = actions("read", "mark a notification read")
    read.add_argument("notification_id", metavar="ID")
    actions("settings", "every notification type and whether it is on")
    for each in (cmd, listing):
        each.add_argument(
            "--limit", type=int, default=10, metavar="N", help="at most N (default 10)"
        )
        each.add_argument("--type", dest="types", action="append", metavar="CODE",
                          help="only this type, e.g. AL for fired alerts (repeatable)")  # fmt: skip

    cmd = add("watchlist", "list, show, create and delete watchlists (default: list)")
    actions = _actions(cmd, parents)
    listing = actions("list", "every watchlist")
    listing.add_argument("--mine", action="store_true", help="only the lists the user made")
    show = actions("show", "one watchlist with its contracts")
    show.add_argument("watchlist_id", metavar="ID")
    create = actions("create", "a watchlist of these contracts (same id: replace)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("conids", metavar="CONID", type=int, nargs="+")
    create.add_argument("--id", dest="watchlist_id", metavar="DIGITS", help="default: a new one")
    delete = actions("delete", "delete a watchlist")
    delete.add_argument("watchlist_id", metavar="ID")


# --- scan ---------------------------------------------------------------------------------------


def _scan_types_table(parameters: ScannerParameters) -> Table:
    table = render.data_table("Scan types")
    table.add_column("Code", style="bold")
    table.add_column("Name")
    table.add_column("Instruments")
    for scan in parameters.scan_types:
        table.add_row(scan.code, scan.display_name or "", ", ".join(scan.instruments))
    return table


def _scan_table(result: ScanResult, limit: int | None) -> Table:
    table = render.data_table(f"{result.scan_type} · {result.instrument} · {result.location}")
    table.add_column("#", justify="right")
    table.add_column("Symbol", style="bold")
    table.add_column("Conid", justify="right")
    table.add_column("Company")
    table.add_column("Exchange")
    table.add_column(result.column_name or "Data", justify="right")
    for contract in result.contracts[:limit]:
        table.add_row(
            str(contract.rank + 1),
            contract.symbol or "",
            str(contract.conid),
            contract.company_name or "",
            contract.listing_exchange or "",
            contract.scan_data or "",
        )
    return table


def _parameters_file(base_url: str) -> Path:
    digest = hashlib.sha256(base_url.encode()).hexdigest()[:16]
    return default_state_dir() / f"scanner-parameters-{digest}.json"


def _kept_parameters(path: Path) -> ScannerParameters | None:
    """The scanner parameters an earlier command stored, while IBKR would refuse asking again."""
    try:
        stored = json.loads(path.read_text("utf-8"))
        fetched = float(stored["fetched_at"])
        if not 0 <= time.time() - fetched < PARAMETERS_KEPT:
            return None
        model = ScannerParametersModel.from_dict(stored["parameters"])
        return ScannerParameters.from_model(model, datetime.fromtimestamp(fetched, UTC))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, errors.IBKRError):
        return None  # none kept, or unreadable: ask the gateway


def _keep_parameters(path: Path, parameters: ScannerParameters) -> None:
    body = {
        "fetched_at": parameters.fetched_at.timestamp(),
        "parameters": parameters.model.to_dict(),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(body), "utf-8")
        partial.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs the next command a wait


async def _scan_types(ctx: Context) -> None:
    """The scan types: IBKR answers this once every 15 minutes, so commands share the answer
    through a file next to the pacing state, and never wait out the 15 minutes silently."""
    async with ctx.client(max_wait=PARAMETERS_MAX_WAIT) as ib:
        path = _parameters_file(ib.base_url)
        parameters = _kept_parameters(path)
        if parameters is None:
            try:
                parameters = await ib.scanner.parameters()
            except errors.RateLimitError as exc:
                wait = f" in {exc.retry_after:.0f} s" if exc.retry_after else " later"
                raise CommandError(
                    "IBKR allows the scanner's parameters once every 15 minutes and they were "
                    f"asked for recently; try again{wait}",
                    ExitCode.API,
                ) from None
            _keep_parameters(path, parameters)
    if ctx.json:
        return ctx.emit(parameters)
    ctx.show(_scan_types_table(parameters))


async def scan(ctx: Context) -> None:
    """Run one scan, or list the scan types (the scanner's parameters: one request per 15 minutes)."""
    args = ctx.args
    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be at least 1", ExitCode.USAGE)
    if args.scan_type is None:
        return await _scan_types(ctx)
    async with ctx.client() as ib:
        result = await ib.scanner.run(
            args.scan_type,
            instrument=args.instrument,
            location=args.location,
            filters=dict(args.filters or []),
        )
    if ctx.json:
        return ctx.emit(result)
    if not result.contracts:
        return ctx.show(Text("The scan found nothing.", style="yellow"))
    ctx.show(_scan_table(result, args.limit))


# --- alerts -------------------------------------------------------------------------------------


def _alerts_table(items: Sequence[AlertSummary]) -> Table:
    table = render.data_table("Alerts")
    table.add_column("Id", justify="right", style="bold")
    table.add_column("Name")
    table.add_column("Active")
    table.add_column("Fired")
    table.add_column("Repeats")
    table.add_column("Created")
    for item in items:
        table.add_row(
            str(item.alert_id),
            item.name or "",
            render.cell(item.active),
            render.cell(item.triggered),
            render.cell(item.repeatable),
            render.cell(item.order_time),
        )
    return table


def _alert_panel(alert: Alert) -> tuple[Table, Table]:
    about = render.key_value_table(
        [
            ("Id", str(alert.alert_id)),
            ("Name", alert.name),
            ("Message", alert.message),
            ("Active", alert.active),
            ("Fired", alert.triggered),
            ("Repeats", alert.repeatable),
            ("Until", alert.expire_time or alert.tif),
            ("Email", alert.email),
        ],
        title=f"Alert {alert.alert_id}",
    )
    table = render.data_table("Conditions")
    for name in ("Type", "Contract", "Operator", "Value", "Then"):
        table.add_column(name)
    for condition in alert.conditions:
        table.add_row(
            condition.kind,
            condition.description or render.cell(condition.conid),
            condition.operator or "",
            condition.value or "",
            condition.logic or "",
        )
    return about, table


def _changed(ctx: Context, what: str, change: AlertChange) -> None:
    if ctx.json:
        return ctx.emit(change)
    ident = f" {change.alert_id}" if change.alert_id is not None else ""
    ctx.show(Text(f"Alert{ident}: {what} ({change.text or 'accepted'})", style="bold"))


async def alerts(ctx: Context) -> None:
    """``alerts [list|show|mta|create|activate|deactivate|delete]``."""
    args = ctx.args
    action = args.action or "list"
    account = args.account
    async with ctx.client() as ib:
        if action == "list":
            items = await ib.alerts.list(account_id=account)
            if ctx.json:
                return ctx.emit(items)
            if not items:
                return ctx.show(Text("No alerts.", style="yellow"))
            return ctx.show(_alerts_table(items))
        if action in ("show", "mta"):
            alert = await (ib.alerts.mta() if action == "mta" else ib.alerts.get(args.alert_id))
            return ctx.emit(alert) if ctx.json else ctx.show(*_alert_panel(alert))
        if action == "create":
            above = args.above is not None
            condition = PriceCondition(
                conid=args.conid,
                operator=">=" if above else "<=",
                price=args.above if above else args.below,
            )
            change = await ib.alerts.create(
                args.name,
                condition,
                message=args.message,
                repeatable=args.repeat,
                email=args.email,
                account_id=account,
            )
            return _changed(ctx, "created", change)
        if action in ("activate", "deactivate"):
            switch = ib.alerts.activate if action == "activate" else ib.alerts.deactivate
            return _changed(ctx, f"{action}d", await switch(args.alert_id, account_id=account))
        if args.all:
            return _changed(ctx, "all deleted", await ib.alerts.delete_all(account_id=account))
        return _changed(ctx, "deleted", await ib.alerts.delete(args.alert_id, account_id=account))


# --- notifications ------------------------------------------------------------------------------


def _notifications_table(items: Sequence[Notification], unread: int) -> Table:
    table = render.data_table(f"Notifications ({render.plural(unread, 'unread')})")
    table.add_column("Id", style="bold")
    table.add_column("Date")
    table.add_column("Type")
    table.add_column("Title")
    table.add_column("Read")
    for item in items:
        table.add_row(
            item.id,
            render.cell(item.date),
            item.type_code or "",
            render.one_line(item.title or ""),
            render.cell(item.read),
        )
    return table


def _settings_table(items: Sequence[NotificationSetting]) -> Table:
    table = render.data_table("Notification types")
    table.add_column("Code", style="bold")
    table.add_column("Name")
    table.add_column("On")
    for item in items:
        table.add_row(item.type_code, item.title or "", render.cell(item.enabled))
    return table


async def notifications(ctx: Context) -> None:
    """``notifications [list|read ID|settings]`` (every /fyi request: at most one a second)."""
    args = ctx.args
    action = args.action or "list"
    async with ctx.client() as ib:
        if action == "read":
            done = await ib.notifications.mark_read(args.notification_id)
            if ctx.json:
                return ctx.emit({"id": args.notification_id, "read": done})
            state = "marked read" if done else "not marked read by the gateway"
            return ctx.show(Text(f"Notification {args.notification_id}: {state}", style="bold"))
        if action == "settings":
            kinds = await ib.notifications.settings()
            return ctx.emit(kinds) if ctx.json else ctx.show(_settings_table(kinds))
        unread = await ib.notifications.unread_count()
        items = await ib.notifications.list(limit=args.limit, include=args.types)
    if ctx.json:
        return ctx.emit({"unread": unread, "notifications": items})
    ctx.show(_notifications_table(items, unread))


# --- watchlists ---------------------------------------------------------------------------------


def _watchlists_table(items: Sequence[WatchlistInfo]) -> Table:
    table = render.data_table("Watchlists")
    table.add_column("Id", style="bold")
    table.add_column("Name")
    table.add_column("Read-only")
    table.add_column("Modified")
    for item in items:
        table.add_row(
            item.id, item.name or "", render.cell(item.read_only), render.cell(item.modified)
        )
    return table


def _watchlist_table(watchlist: Watchlist) -> Table:
    table = render.data_table(f"{watchlist.name or 'Watchlist'} ({watchlist.id})")
    table.add_column("Symbol", style="bold")
    table.add_column("Conid", justify="right")
    table.add_column("Name")
    table.add_column("Type")
    for entry in watchlist.entries:
        table.add_row(
            entry.ticker or "",
            "" if entry.conid is None else str(entry.conid),
            entry.name or entry.full_name or "",
            entry.sec_type or entry.asset_class or "",
        )
    return table


async def watchlist(ctx: Context) -> None:
    """``watchlist [list|show|create|delete]``."""
    args = ctx.args
    action = args.action or "list"
    async with ctx.client() as ib:
        if action == "list":
            items = await ib.watchlists.list(user_only=bool(getattr(args, "mine", False)))
            if ctx.json:
                return ctx.emit(items)
            return ctx.show(_watchlists_table(items))
        if action == "delete":
            deleted = await ib.watchlists.delete(args.watchlist_id)
            if ctx.json:
                return ctx.emit({"deleted": deleted})
            return ctx.show(Text(f"Watchlist {deleted} deleted", style="bold"))
        if action == "create":
            made = await ib.watchlists.create(
                args.name, args.conids, watchlist_id=args.watchlist_id
            )
        else:
            made = await ib.watchlists.get(args.watchlist_id)
    if ctx.json:
        return ctx.emit(made)
    ctx.show(_watchlist_table(made))
