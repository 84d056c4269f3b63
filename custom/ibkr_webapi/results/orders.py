"""Order results: accepted orders and brackets, live orders, one order's status (and a bracket's),
cancellations, previews, prompts and executions.

Order ids are ``int`` everywhere (the gateway sends them as numbers or digit strings); the client
order id (cOID) a live order was placed with is ``c_oid``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeAlias

import attrs

from ibkr_webapi_client.models import CancelOrderResponse, PreviewFigures
from ibkr_webapi_client.models import LiveOrder as LiveOrderModel
from ibkr_webapi_client.models import OrderPreview as OrderPreviewModel
from ibkr_webapi_client.models import OrderStatus as OrderStatusModel
from ibkr_webapi_client.models import Trade as TradeModel
from ibkr_webapi_client.types import Unset

from ..dates import parse_ibkr_time
from ..orders.order import Question
from ..orders.prompt import OrderPrompt
from ..seam import (
    bool_or_none,
    float_or_none,
    int_id,
    int_or_none,
    model_or_none,
    number_or_none,
    required,
    str_or_none,
)

__all__ = [
    "BracketState",
    "BracketStatus",
    "CancelResult",
    "LiveOrder",
    "MarginChange",
    "OrderPreview",
    "OrderPrompt",
    "OrderStatus",
    "PlacedBracket",
    "PlacedOrder",
    "Trade",
]


@attrs.frozen(kw_only=True)
class PlacedOrder:
    """An order the gateway accepted (after any confirmation questions)."""

    order_id: int
    order_status: str | None
    c_oid: str | None
    answered: tuple[Question, ...] = ()
    recovered: bool = False
    """The answer was lost in transit and the order was found on the gateway by its cOID."""
    resent: bool = False
    """The first submission was proven absent and this order is its one resend (same cOID); only
    with ``resend_if_missing=True``."""


@attrs.frozen(kw_only=True)
class PlacedBracket:
    """A bracket the gateway accepted: the entry and its two exits, each with its order id."""

    parent: PlacedOrder
    take_profit: PlacedOrder
    stop_loss: PlacedOrder

    @property
    def legs(self) -> tuple[PlacedOrder, PlacedOrder, PlacedOrder]:
        """Entry, take-profit and stop-loss."""
        return (self.parent, self.take_profit, self.stop_loss)

    @property
    def order_ids(self) -> tuple[int, int, int]:
        return (self.parent.order_id, self.take_profit.order_id, self.stop_loss.order_id)

    @property
    def recovered(self) -> bool:
        """Some leg's answer was lost and the leg was found on the gateway by its cOID."""
        return any(leg.recovered for leg in self.legs)


@attrs.frozen(kw_only=True)
class LiveOrder:
    """One order of the current brokerage session (``/iserver/account/orders``)."""

    order_id: int
    account_id: str | None
    conid: int | None
    c_oid: str | None
    """The client order id it was placed with (the gateway's ``order_ref``)."""
    status: str | None
    side: str | None
    order_type: str | None
    ticker: str | None
    description: str | None
    price: float | None
    total_size: float | None
    filled_quantity: float | None
    remaining_quantity: float | None
    avg_price: float | None
    time_in_force: str | None
    last_execution: datetime | None
    model: LiveOrderModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: LiveOrderModel) -> LiveOrder:
        executed = int_or_none(model.last_execution_time_r, "lastExecutionTime_r")
        return cls(
            order_id=required(int_id(model.order_id, "orderId"), "orderId"),
            account_id=str_or_none(model.acct, "acct"),
            conid=int_id(model.conid, "conid"),
            c_oid=str_or_none(model.order_ref, "order_ref"),
            status=str_or_none(model.status, "status"),
            side=str_or_none(model.side, "side"),
            order_type=str_or_none(model.order_type, "orderType"),
            ticker=str_or_none(model.ticker, "ticker"),
            description=str_or_none(model.order_desc, "orderDesc"),
            price=number_or_none(model.price, "price"),
            total_size=number_or_none(model.total_size, "totalSize"),
            filled_quantity=number_or_none(model.filled_quantity, "filledQuantity"),
            remaining_quantity=number_or_none(model.remaining_quantity, "remainingQuantity"),
            avg_price=number_or_none(model.avg_price, "avgPrice"),
            time_in_force=str_or_none(model.time_in_force, "timeInForce"),
            last_execution=parse_ibkr_time(executed, epoch_unit="ms") if executed else None,
            model=model,
        )


@attrs.frozen(kw_only=True)
class OrderStatus:
    """One order's status by its order id (``/iserver/account/order/status/{orderId}``)."""

    order_id: int
    status: str | None
    conid: int | None
    symbol: str | None
    side: str | None
    order_type: str | None
    total_size: float | None
    filled: float | None
    avg_price: float | None
    limit_price: float | None
    stop_price: float | None
    tif: str | None
    can_cancel: bool | None
    can_modify: bool | None
    model: OrderStatusModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: OrderStatusModel) -> OrderStatus:
        cannot_cancel = bool_or_none(model.cannot_cancel_order, "cannot_cancel_order")
        not_editable = bool_or_none(model.order_not_editable, "order_not_editable")
        return cls(
            order_id=required(int_or_none(model.order_id, "order_id"), "order_id"),
            status=str_or_none(model.order_status, "order_status"),
            conid=int_id(model.conid, "conid"),
            symbol=str_or_none(model.symbol, "symbol"),
            side=str_or_none(model.side, "side"),
            order_type=str_or_none(model.order_type, "order_type"),
            total_size=number_or_none(model.total_size, "total_size"),
            filled=number_or_none(model.cum_fill, "cum_fill"),
            avg_price=number_or_none(model.average_price, "average_price"),
            limit_price=number_or_none(model.limit_price, "limit_price"),
            stop_price=number_or_none(model.stop_price, "stop_price"),
            tif=str_or_none(model.tif, "tif"),
            can_cancel=None if cannot_cancel is None else not cannot_cancel,
            can_modify=None if not_editable is None else not not_editable,
            model=model,
        )


BracketState: TypeAlias = Literal[
    "entry working", "open", "take profit filled", "stop loss filled", "cancelled", "other"
]
_WORKING = frozenset({"presubmitted", "submitted", "pendingsubmit", "apipending"})
_DONE = frozenset({"cancelled", "apicancelled", "inactive", "pendingcancel"})


def _status_key(status: OrderStatus) -> str:
    return (status.status or "").lower().replace(" ", "").replace("_", "")


@attrs.frozen(kw_only=True)
class BracketStatus:
    """The status of each leg of a bracket, and where the bracket as a whole stands."""

    parent: OrderStatus
    take_profit: OrderStatus
    stop_loss: OrderStatus

    @property
    def legs(self) -> tuple[OrderStatus, OrderStatus, OrderStatus]:
        return (self.parent, self.take_profit, self.stop_loss)

    @property
    def state(self) -> BracketState:
        """``"entry working"`` (exits held), ``"open"`` (entry filled, both exits working),
        ``"take profit filled"`` / ``"stop loss filled"`` (closed), ``"cancelled"`` (entry cancelled
        before it filled), else ``"other"`` (e.g. an exit cancelled by hand)."""
        parent, tp, sl = (_status_key(s) for s in self.legs)
        if tp == "filled":
            return "take profit filled"
        if sl == "filled":
            return "stop loss filled"
        if parent in _WORKING:
            return "entry working"
        if parent == "filled" and tp in _WORKING and sl in _WORKING:
            return "open"
        if parent in _DONE and not (self.parent.filled or 0.0):
            return "cancelled"
        return "other"


@attrs.frozen(kw_only=True)
class CancelResult:
    """The gateway took a cancellation request (the order may still fill before it lands).

    ``already_done`` is set when the order had already been cancelled (a lost answer to an earlier
    cancel, for instance): the result the caller wanted holds either way.
    """

    order_id: int
    message: str | None
    conid: int | None = None
    account_id: str | None = None
    already_done: bool = False
    recovered: bool = False
    """The answer to the cancel request was lost; the order's status shows the cancel landed."""

    @classmethod
    def from_model(cls, order_id: int, model: CancelOrderResponse) -> CancelResult:
        answered = int_id(model.order_id, "order_id")
        return cls(
            order_id=answered if answered is not None else order_id,
            message=str_or_none(model.msg, "msg"),
            conid=int_id(model.conid, "conid"),
            account_id=str_or_none(model.account, "account"),
        )


@attrs.frozen(kw_only=True)
class MarginChange:
    """A figure before and after the order (the gateway's formatted text, and as a number)."""

    current: float | None
    change: float | None
    after: float | None

    @classmethod
    def from_model(cls, model: PreviewFigures | None, name: str) -> MarginChange:
        if model is None:
            return cls(current=None, change=None, after=None)
        return cls(
            current=number_or_none(model.current, f"{name}.current"),
            change=number_or_none(model.change, f"{name}.change"),
            after=number_or_none(model.after, f"{name}.after"),
        )


@attrs.frozen(kw_only=True)
class OrderPreview:
    """What an order would cost and do to margin (``orders/whatif``); nothing was placed."""

    amount: float | None
    commission: float | None
    total: float | None
    equity: MarginChange
    initial_margin: MarginChange
    maintenance_margin: MarginChange
    warning: str | None
    error: str | None
    model: OrderPreviewModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: OrderPreviewModel) -> OrderPreview:
        amount = model_or_none(model.amount)
        return cls(
            amount=_money(amount.amount if amount else None, "amount.amount"),
            commission=_money(amount.commission if amount else None, "amount.commission"),
            total=_money(amount.total if amount else None, "amount.total"),
            equity=MarginChange.from_model(model_or_none(model.equity), "equity"),
            initial_margin=MarginChange.from_model(model_or_none(model.initial), "initial"),
            maintenance_margin=MarginChange.from_model(
                model_or_none(model.maintenance), "maintenance"
            ),
            warning=str_or_none(model.warn, "warn") or None,
            error=str_or_none(model.error, "error") or None,
            model=model,
        )


def _money(value: str | Unset | None, field: str) -> float | None:
    """Preview amounts come as text such as ``"1,234.50 USD"``; the number part."""
    if not isinstance(value, str):
        return None  # absent
    head = value.strip().split(" ")[0]
    return number_or_none(head, field) if head else None


@attrs.frozen(kw_only=True)
class Trade:
    """One execution of the last days (``/iserver/account/trades``): a fill of an order.

    ``c_oid`` is the client order id the order was placed with (the gateway's ``order_ref``).
    Trades are per account, not per brokerage session: an order that filled is found here even
    after the session was reset.
    """

    execution_id: str | None
    order_id: int | None
    c_oid: str | None
    account_id: str | None
    conid: int | None
    symbol: str | None
    side: str | None
    """``"B"`` (bought) or ``"S"`` (sold), as the gateway writes it."""
    size: float | None
    price: float | None
    commission: float | None
    net_amount: float | None
    exchange: str | None
    description: str | None
    time: datetime | None
    model: TradeModel = attrs.field(repr=False, eq=False)

    @property
    def action(self) -> Literal["BUY", "SELL"] | None:
        """``side`` as an order would say it: ``"BUY"`` for ``"B"``, ``"SELL"`` for ``"S"``."""
        side = (self.side or "").upper()
        if side in ("B", "BOT", "BUY"):
            return "BUY"
        if side in ("S", "SLD", "SELL"):
            return "SELL"
        return None

    @classmethod
    def from_model(cls, model: TradeModel) -> Trade:
        stamp = int_or_none(model.trade_time_r, "trade_time_r")
        return cls(
            execution_id=str_or_none(model.execution_id, "execution_id"),
            order_id=int_id(model.order_id, "order_id"),
            c_oid=str_or_none(model.order_ref, "order_ref") or None,
            account_id=str_or_none(model.account, "account")
            or str_or_none(model.account_code, "accountCode"),
            conid=int_id(model.conid, "conid"),
            symbol=str_or_none(model.symbol, "symbol"),
            side=str_or_none(model.side, "side"),
            size=float_or_none(model.size, "size"),
            price=number_or_none(model.price, "price"),
            commission=number_or_none(model.commission, "commission"),
            net_amount=float_or_none(model.net_amount, "net_amount"),
            exchange=str_or_none(model.exchange, "exchange"),
            description=str_or_none(model.order_description, "order_description"),
            time=parse_ibkr_time(stamp, epoch_unit="ms") if stamp else None,
            model=model,
        )
