"""Topic decoders: server frames (already JSON-parsed) into the typed updates of :mod:`.events`.

Decoders raise :class:`errors.StreamProtocolError` for a frame whose shape they cannot read; values
that do not parse become ``None`` (the text stays in ``raw``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from .. import errors
from .._values import boolean, integer, number, text
from ..dates import EpochUnit, IBKRTimeError, parse_ibkr_time
from .events import (
    AccountsInfo,
    AccountSummaryUpdate,
    BookRow,
    BookUpdate,
    Bulletin,
    ErrorFrame,
    LedgerUpdate,
    Notification,
    OrderUpdate,
    PnlUpdate,
    SessionStatus,
    SystemInfo,
    Trade,
)

Row = Mapping[str, object]


# --- value helpers ---------------------------------------------------------------------------


def when(value: object, unit: EpochUnit = "auto") -> datetime | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return parse_ibkr_time(value, epoch_unit=unit)
    except IBKRTimeError:
        return None


def frozen(row: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(row))


def _rows(args: object, topic: str) -> Iterator[Row]:
    """``args`` as a list of objects (one object counts as a list of one)."""
    if isinstance(args, dict):
        yield args
        return
    if not isinstance(args, list):
        raise errors.StreamProtocolError(
            f"{topic} frame: args is {type(args).__name__}, not a list"
        )
    for item in args:
        if isinstance(item, dict):
            yield item


# --- orders ----------------------------------------------------------------------------------

# Keys whose change is an order event; the rest (colours, descriptions) ride along.
ORDER_STATE_KEYS = (
    "status",
    "filledQuantity",
    "remainingQuantity",
    "avgPrice",
    "price",
    "auxPrice",
    "totalSize",
    "orderType",
    "side",
)


def order_rows(frame: Row) -> list[Row]:
    """The rows of a ``sor`` frame; each has an ``orderId``."""
    rows = []
    for row in _rows(frame.get("args"), "sor"):
        if integer(row.get("orderId")) is None:
            raise errors.StreamProtocolError("sor row without a numeric orderId")
        rows.append(row)
    return rows


def order_fingerprint(row: Row) -> tuple[object, ...]:
    """What makes two states of an order the same event (numbers compared as numbers)."""
    return tuple(
        number(row.get(key))
        if key != "status" and key != "orderType" and key != "side"
        else row.get(key)
        for key in ORDER_STATE_KEYS
    )


def order_update(
    row: Row, changed: frozenset[str], source: Literal["stream", "rest"]
) -> OrderUpdate:
    """The typed view of a merged order row."""
    order_id = integer(row.get("orderId"))
    if order_id is None:
        raise errors.StreamProtocolError("order row without a numeric orderId")
    size_and_fills = text(row.get("sizeAndFills")) or ""
    total = number(row.get("totalSize"))
    if total is None and "/" in size_and_fills:
        total = number(size_and_fills.partition("/")[2])
    return OrderUpdate(
        order_id=order_id,
        account_id=text(row.get("acct")) or text(row.get("account")),
        conid=integer(row.get("conid")),
        status=text(row.get("status")),
        side=text(row.get("side")),
        order_type=text(row.get("orderType")),
        ticker=text(row.get("ticker")),
        description=text(row.get("orderDesc")),
        filled_quantity=number(row.get("filledQuantity")),
        remaining_quantity=number(row.get("remainingQuantity")),
        total_quantity=total,
        price=number(row.get("price")),
        avg_price=number(row.get("avgPrice")),
        time_in_force=text(row.get("timeInForce")),
        c_oid=text(row.get("order_ref")),
        last_execution=when(row.get("lastExecutionTime_r"), "ms"),
        changed=changed,
        source=source,
        raw=frozen(row),
    )


# --- P&L, trades, account ------------------------------------------------------------------------


def pnl_updates(frame: Row) -> list[PnlUpdate]:
    args = frame.get("args")
    if not isinstance(args, dict):
        raise errors.StreamProtocolError("spl frame: args is not an object keyed by partition")
    updates = []
    for partition, row in args.items():
        if not isinstance(row, dict):
            continue
        updates.append(
            PnlUpdate(
                partition=str(partition),
                account_id=str(partition).partition(".")[0],
                daily_pnl=number(row.get("dpl")),
                unrealized_pnl=number(row.get("upl")),
                net_liquidation=number(row.get("nl")),
                excess_liquidity=number(row.get("el")),
                market_value=number(row.get("mv")),
                raw=frozen(row),
            )
        )
    return updates


def _side(value: object) -> str | None:
    side = text(value)
    return {"B": "BUY", "S": "SELL"}.get(side or "", side)


def trades(frame: Row) -> list[Trade]:
    result = []
    for row in _rows(frame.get("args"), "str"):
        execution_id = text(row.get("execution_id"))
        if not execution_id:
            raise errors.StreamProtocolError("str row without an execution_id")
        stamp = row.get("trade_time_r")
        result.append(
            Trade(
                execution_id=execution_id,
                account_id=text(row.get("account")) or text(row.get("accountCode")),
                conid=integer(row.get("conid")),
                symbol=text(row.get("symbol")),
                side=_side(row.get("side")),
                size=number(row.get("size")),
                price=number(row.get("price")),
                commission=number(row.get("commission")),
                net_amount=number(row.get("net_amount")),
                exchange=text(row.get("exchange")),
                c_oid=text(row.get("order_ref")),
                description=text(row.get("order_description")),
                time=when(stamp, "ms") if stamp is not None else when(row.get("trade_time")),
                raw=frozen(row),
            )
        )
    return result


def _target(frame: Row, prefix: str) -> str:
    topic = text(frame.get("topic")) or ""
    return topic.removeprefix(prefix)


def summary_updates(frame: Row) -> list[AccountSummaryUpdate]:
    account = _target(frame, "ssd+")
    result = []
    for row in _rows(frame.get("result"), "ssd"):
        key = text(row.get("key"))
        if not key:
            continue
        result.append(
            AccountSummaryUpdate(
                account_id=account,
                key=key,
                amount=number(row.get("monetaryValue")),
                currency=text(row.get("currency")),
                text=text(row.get("value")),
                timestamp=when(row.get("timestamp"), "s"),
                raw=frozen(row),
            )
        )
    return result


_LEDGER_VALUES = frozenset({"cashbalance", "netLiquidationValue", "settledCash", "unrealizedPnl"})


def ledger_updates(frame: Row) -> list[LedgerUpdate]:
    account = _target(frame, "sld+")
    result = []
    for row in _rows(frame.get("result"), "sld"):
        key = text(row.get("key")) or ""
        currency = text(row.get("secondKey")) or key.removeprefix("LedgerList")
        if not currency:
            continue
        result.append(
            LedgerUpdate(
                account_id=text(row.get("acctCode")) or account,
                currency=currency,
                cash_balance=number(row.get("cashbalance")),
                settled_cash=number(row.get("settledCash")),
                net_liquidation=number(row.get("netLiquidationValue")),
                unrealized_pnl=number(row.get("unrealizedPnl")),
                realized_pnl=number(row.get("realizedPnl")),
                stock_market_value=number(row.get("stockMarketValue")),
                exchange_rate=number(row.get("exchangeRate")),
                timestamp=when(row.get("timestamp"), "s"),
                blank=not (_LEDGER_VALUES & row.keys()),
                raw=frozen(row),
            )
        )
    return result


def book_update(frame: Row) -> BookUpdate:
    parts = (_target(frame, "sbd+")).split("+")
    conid = integer(parts[1]) if len(parts) > 1 else None
    if conid is None:
        raise errors.StreamProtocolError("sbd frame: the topic names no conid")
    rows = tuple(
        BookRow(
            row=integer(item.get("row")) or 0,
            price=number(item.get("price")),
            bid_size=number(item.get("bid")),
            ask_size=number(item.get("ask")),
            focus=boolean(item.get("focus")) is True,
        )
        for item in _rows(frame.get("data"), "sbd")
    )
    return BookUpdate(account_id=parts[0], conid=conid, rows=rows, raw=frozen(frame))


# --- the server's own messages -----------------------------------------------------------------


def auth_status(frame: Row) -> SessionStatus:
    args = frame.get("args")
    if not isinstance(args, dict):
        raise errors.StreamProtocolError("sts frame: args is not an object")
    return SessionStatus(
        authenticated=boolean(args.get("authenticated")),
        competing=boolean(args.get("competing")),
        connected=boolean(args.get("connected")),
        message=text(args.get("message")),
        fail=text(args.get("fail")),
        raw=frozen(args),
    )


def system_info(frame: Row) -> SystemInfo:
    return SystemInfo(
        username=text(frame.get("success")),
        is_paper=boolean(frame.get("isPaper")),
        raw=frozen(frame),
    )


def accounts_info(frame: Row) -> AccountsInfo:
    args = frame.get("args")
    if not isinstance(args, dict):
        raise errors.StreamProtocolError("act frame: args is not an object")
    accounts = args.get("accounts")
    names = tuple(str(a) for a in accounts) if isinstance(accounts, list) else ()
    return AccountsInfo(
        accounts=names, selected_account=text(args.get("selectedAccount")), raw=frozen(args)
    )


def notifications(frame: Row) -> list[Notification]:
    result = []
    for row in _rows(frame.get("args"), "ntf"):
        options = row.get("options")
        result.append(
            Notification(
                id=text(row.get("id")),
                title=text(row.get("title")),
                text=text(row.get("text")),
                url=text(row.get("url")),
                order_id=integer(row.get("orderId")),
                options=tuple(str(o) for o in options) if isinstance(options, list) else (),
                raw=frozen(row),
            )
        )
    return result


def bulletins(frame: Row) -> list[Bulletin]:
    return [
        Bulletin(id=text(row.get("id")), message=text(row.get("message")), raw=frozen(row))
        for row in _rows(frame.get("args"), "blt")
    ]


def server_error(frame: Row) -> ErrorFrame:
    message = frame.get("error")
    if isinstance(message, dict):
        message = message.get("message") or message
    return ErrorFrame(
        message=str(message) if message is not None else "error frame without a message",
        code=integer(frame.get("code")),
        raw=frozen(frame),
    )
