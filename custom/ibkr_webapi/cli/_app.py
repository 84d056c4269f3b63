"""Argument parsing, dispatch, and turning expected failures into one line and an exit code."""

from __future__ import annotations

import argparse
import asyncio
import logging
import ssl
import sys
from collections.abc import Sequence
from typing import TextIO

from .. import __version__, errors
from ..fields import UnknownFieldError
from ..orders.order import ORDER_TYPES, TIME_IN_FORCE
from . import _commands as commands
from . import _contracts, _simulate
from . import _orders as orders
from . import _render as render
from ._context import DEFAULT_QUOTE_FIELDS, CommandError, Context
from ._exitcodes import ExitCode
from ._misc import add_arguments as add_misc_commands

PROG = "ibkr-webapi"

_EPILOG = """\
environment:
  IBKR_BASE_URL   gateway URL (default https://localhost:5000/v1/api)
  IBKR_VERIFY     true, false, or the path of the gateway's certificate (PEM)
  IBKR_OAUTH1_DIR, IBKR_OAUTH1_*   OAuth 1.0a credentials (a folder, or each item)
  IBKR_OAUTH2_DIR, IBKR_OAUTH2_*   OAuth 2.0 credentials (see docs/authentication.md)

exit codes:
  0 ok · 1 other failure · 2 usage · 3 gateway unreachable · 4 not logged in
  5 gateway refused the request · 6 order rejected or declined · 7 order status unknown

Start a local simulator with `ibkr-webapi simulate`, then point --base-url and --ca at it
(`ibkr-webapi simulate --oauth1` serves OAuth and writes a credentials folder to use).
"""


def _connection_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("gateway")
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="gateway URL, e.g. https://localhost:5000/v1/api (env IBKR_BASE_URL)",
    )
    tls = group.add_mutually_exclusive_group()
    tls.add_argument(
        "--ca",
        metavar="PATH",
        help="verify TLS with this certificate (PEM), e.g. the gateway's self-signed cert",
    )
    tls.add_argument(
        "--verify",
        dest="verify",
        action="store_const",
        const=True,
        default=None,
        help="verify TLS against the system's CAs (the default; env IBKR_VERIFY)",
    )
    tls.add_argument(
        "--no-verify",
        dest="verify",
        action="store_const",
        const=False,
        help="do not verify TLS (unsafe outside loopback)",
    )
    group.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    oauth = group.add_mutually_exclusive_group()
    oauth.add_argument(
        "--oauth1-dir",
        metavar="DIR",
        help="log in with OAuth 1.0a using this credentials folder (env IBKR_OAUTH1_DIR)",
    )
    oauth.add_argument(
        "--oauth2-dir",
        metavar="DIR",
        help="log in with OAuth 2.0 using this credentials folder (env IBKR_OAUTH2_DIR)",
    )
    return parent


def _json_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="write plain JSON to stdout")
    return parent


def _upper(text: str) -> str:
    return text.strip().upper()


def _stream_limits(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--count", type=int, metavar="N", help="stop after N updates")
    cmd.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")


def build_parser() -> argparse.ArgumentParser:
    """The ``ibkr-webapi`` argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Talk to an Interactive Brokers Client Portal gateway (or its simulator).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data = [_connection_options(), _json_option()]

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=data)

    add("status", "show the gateway session's state")
    add("accounts", "list the brokerage accounts of this login")

    cmd = add("positions", "every position of an account (all pages)")
    cmd.add_argument("account", metavar="ACCOUNT", help="account id, e.g. U1234567")
    cmd.add_argument("--limit", type=int, metavar="N", help="show only the first N rows")
    cmd.add_argument(
        "--concurrency", type=int, default=1, metavar="N", help="pages fetched at once"
    )

    cmd = add("summary", "account summary: net liquidation, cash, buying power, margin")
    cmd.add_argument("account", metavar="ACCOUNT")
    cmd.add_argument(
        "--all", action="store_true", help="every summary item, not only the main ones"
    )

    add("pnl", "daily and unrealized P&L")

    cmd = add("funds", "trading view of an account: balances, margins, buying power by segment")
    cmd.add_argument("account", metavar="ACCOUNT")
    cmd = add("allocation", "an account's holdings by asset class, sector and group")
    cmd.add_argument("account", metavar="ACCOUNT")
    cmd = add("switch", "select the account the session acts on (advisors, several accounts)")
    cmd.add_argument("account", metavar="ACCOUNT")

    cmd = add("quote", "snapshot quotes (fields by name or id)")
    cmd.add_argument("conids", metavar="CONID", type=int, nargs="+")
    cmd.add_argument(
        "--fields",
        metavar="LIST",
        help=f"comma-separated field names or ids (default {commands.field_list(DEFAULT_QUOTE_FIELDS)})",
    )

    cmd = add("history", "historical bars with a sparkline of closes")
    cmd.add_argument("conid", metavar="CONID", type=int)
    cmd.add_argument("--period", default="1d", help="e.g. 1d, 1w, 6m, 1y (default 1d)")
    cmd.add_argument("--bar", default="5min", help="e.g. 1min, 5min, 1h, 1d (default 5min)")

    cmd = add("search", "find contracts by symbol")
    cmd.add_argument("symbol", metavar="SYMBOL")
    cmd.add_argument("--sec-type", type=_upper, metavar="TYPE", help="e.g. STK, OPT, FUT")

    _contracts.add_arguments(add)

    cmd = add("order", "place an order, answering the gateway's questions")
    cmd.add_argument("account", metavar="ACCOUNT", help="account id, e.g. U1234567")
    cmd.add_argument("--conid", type=int, required=True, help="contract id (see `search`)")
    cmd.add_argument("--side", type=_upper, choices=["BUY", "SELL"], required=True)
    cmd.add_argument("--qty", type=float, required=True, metavar="N", help="quantity")
    cmd.add_argument(
        "--type", type=_upper, choices=sorted(ORDER_TYPES), default="LMT", help="default LMT"
    )
    cmd.add_argument("--price", type=float, metavar="P", help="limit price")
    cmd.add_argument("--aux-price", type=float, metavar="P", help="stop price")
    cmd.add_argument("--trailing-amt", type=float, metavar="X", help="trailing amount (TRAIL)")
    cmd.add_argument("--trailing-type", choices=["amt", "%"], help="trailing amount unit")
    cmd.add_argument(
        "--tif", type=_upper, choices=sorted(TIME_IN_FORCE), default="DAY", help="default DAY"
    )
    cmd.add_argument("--outside-rth", action="store_true", help="may fill outside regular hours")
    cmd.add_argument("--coid", metavar="ID", help="client order id (generated when not given)")
    cmd.add_argument(
        "-y", "--yes", action="store_true", help="confirm every question without asking"
    )

    cmd = add("orders", "live orders of the session")
    cmd.add_argument(
        "--filters", metavar="LIST", help="comma-separated statuses, e.g. Submitted,Filled"
    )
    cmd.add_argument("--follow", action="store_true", help="stream every order change until Ctrl-C")
    _stream_limits(cmd)

    cmd = add("watch", "stream quotes into a live table (--json: one line per update)")
    cmd.add_argument("conids", metavar="CONID", type=int, nargs="+")
    cmd.add_argument(
        "--fields",
        metavar="LIST",
        help=f"comma-separated field names or ids (default {commands.field_list(DEFAULT_QUOTE_FIELDS)})",
    )
    _stream_limits(cmd)

    cmd = add("cancel", "cancel an order")
    cmd.add_argument("account", metavar="ACCOUNT")
    cmd.add_argument("order_id", metavar="ORDER_ID")

    add_misc_commands(add, data)  # scan, alerts, notifications, watchlist
    orders.add_commands(add)

    cmd = sub.add_parser(
        "simulate",
        help="run the gateway simulator in the foreground (Ctrl-C stops it)",
        description="Run the built-in gateway simulator in the foreground (Ctrl-C stops it).",
    )
    _simulate.add_arguments(cmd)
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed arguments, or an exit code when argparse already answered (help, usage error)."""
    try:
        return build_parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else ExitCode.USAGE


def _tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """Exit code and one-line message for an expected failure."""
    if isinstance(exc, CommandError):
        return exc.code, str(exc)
    if isinstance(exc, UnknownFieldError | errors.ConfigurationError | errors.InvalidRequestError):
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, errors.APIConnectionError):
        if _tls_failure(exc):
            return ExitCode.CONNECTION, (
                f"{exc} — the gateway's TLS certificate was not trusted: pass --ca PATH "
                "(or IBKR_VERIFY=/path/cert.pem) with its certificate"
            )
        return ExitCode.CONNECTION, str(exc)
    if isinstance(exc, errors.AuthenticationError):
        return ExitCode.AUTH, str(exc)
    if isinstance(exc, errors.OrderRejected):
        return ExitCode.ORDER, f"order rejected: {exc}"
    if isinstance(exc, errors.OrderConfirmationRequired):
        return ExitCode.ORDER, f"order not placed: {exc}"
    if isinstance(exc, errors.OrderStatusUnknown):
        return ExitCode.ORDER_UNKNOWN, f"{exc} (`{PROG} orders` lists them)"
    if isinstance(exc, errors.BadRequestError) and "accountid is not valid" in str(exc).lower():
        return ExitCode.API, f"{exc} — `{PROG} accounts` lists the valid account ids"
    if isinstance(exc, errors.APIStatusError):
        return ExitCode.API, str(exc)
    return ExitCode.FAILURE, str(exc)


def _fail(code: ExitCode, message: str) -> int:
    print(f"{PROG}: error: {render.one_line(message)}", file=sys.stderr, flush=True)
    return int(code)


def _log_handler(verbose: bool) -> logging.Handler:
    """Where the library's log records go: stderr with ``-v``, nowhere otherwise.

    Without ``-v`` the error line says everything; a library warning would be a second line.
    """
    if not verbose:
        return logging.NullHandler()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


async def _dispatch(args: argparse.Namespace, stdin: TextIO) -> int:
    ctx = Context(
        args=args,
        stdout=sys.stdout,
        stdin=stdin,
        out=render.make_console(sys.stdout),
        err=render.make_console(sys.stderr),
    )
    verbose = bool(getattr(args, "verbose", False))
    logger = logging.getLogger("ibkr_webapi")
    handler, level = _log_handler(verbose), logger.level
    logger.addHandler(handler)
    if verbose:
        logger.setLevel(logging.DEBUG)
    try:
        await commands.COMMANDS[args.command](ctx)
    except (CommandError, UnknownFieldError, errors.IBKRError) as exc:
        return _fail(*classify(exc))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return ExitCode.OK


async def run_cli(argv: Sequence[str], *, stdin: TextIO | None = None) -> int:
    """Run one command in the running event loop (``simulate`` serves until cancelled)."""
    args = parse(argv)
    if isinstance(args, int):
        return args
    if args.command == "simulate":
        try:
            return await _simulate.serve(args)
        except CommandError as exc:
            return _fail(*classify(exc))
    return await _dispatch(args, stdin if stdin is not None else sys.stdin)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: parse, run, return the exit code."""
    args = parse(argv)
    if isinstance(args, int):
        return args
    try:
        if args.command == "simulate":
            return _simulate.run_foreground(args)
        return asyncio.run(_dispatch(args, sys.stdin))
    except CommandError as exc:
        return _fail(*classify(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
