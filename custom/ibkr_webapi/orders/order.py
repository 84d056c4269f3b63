"""The order a user describes, its validation, client order ids, and confirmation policies."""

from __future__ import annotations

import inspect
import math
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypeAlias, get_args

import attrs

from ibkr_webapi_client.models import OrderRequest, OrderRequestStrategyParameters
from ibkr_webapi_client.types import UNSET

from ..errors import InvalidRequestError

__all__ = [
    "ORDER_TYPES",
    "TIME_IN_FORCE",
    "ConfirmCallback",
    "ConfirmPolicy",
    "Order",
    "OrderType",
    "Question",
    "Side",
    "TimeInForce",
    "TrailingType",
    "check_order",
    "check_policy",
    "decide",
    "new_client_order_id",
]

Side: TypeAlias = Literal["BUY", "SELL"]
OrderType: TypeAlias = Literal["MKT", "LMT", "STP", "STOP_LIMIT", "MIDPRICE", "TRAIL", "TRAILLMT"]
TimeInForce: TypeAlias = Literal["DAY", "IOC", "GTC", "OPG", "PAX"]
TrailingType: TypeAlias = Literal["amt", "%"]
ORDER_TYPES: frozenset[str] = frozenset(get_args(OrderType))
TIME_IN_FORCE: frozenset[str] = frozenset(get_args(TimeInForce))
_NEEDS_PRICE = frozenset({"LMT", "STOP_LIMIT", "TRAILLMT"})
_NEEDS_AUX = frozenset({"STOP_LIMIT"})
# cOIDs travel in URLs of look-ups and in logs: keep them plain.
_C_OID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")


def new_client_order_id() -> str:
    """A fresh client order id (cOID): unique, short, and safe to show in logs."""
    return f"ibkr-{uuid.uuid4().hex[:20]}"


@attrs.frozen(kw_only=True)
class Order:
    """An order to place or modify.

    ``quantity`` or ``cash_qty`` gives the size; ``price`` is the limit price and ``aux_price`` the stop
    price. A plain stop (``STP``) takes its stop price as ``aux_price`` (or as ``price``, IBKR's own
    convention; both must then agree) and is sent with both fields set to it. ``c_oid`` is generated
    when not given: the same id is reused on any resend, so the gateway refuses a second copy of the
    same order. Derive variants with :meth:`evolve`.
    """

    side: Side
    conid: int | None = None
    quantity: float | None = None
    order_type: OrderType = "LMT"
    price: float | None = None
    aux_price: float | None = None
    tif: TimeInForce = "DAY"
    c_oid: str | None = None
    conidex: str | None = None
    sec_type: str | None = None
    listing_exchange: str | None = None
    outside_rth: bool = False
    cash_qty: float | None = None
    trailing_amt: float | None = None
    trailing_type: TrailingType | None = None
    parent_id: str | None = None
    """The cOID of the parent order, for an attached (bracket) child."""
    is_single_group: bool | None = None
    """Part of a one-cancels-all group (all orders of one submission)."""
    use_adaptive: bool | None = None
    is_ccy_conv: bool | None = None
    allocation_method: str | None = None
    strategy: str | None = None
    strategy_parameters: Mapping[str, str | float | int | bool] | None = None
    ticker: str | None = None
    referrer: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidRequestError("invalid order: " + "; ".join(problems))

    def evolve(self, **changes: Any) -> Order:
        """A copy with ``changes`` applied and checked again (``order.evolve(price=151.0)``)."""
        try:
            return attrs.evolve(self, **changes)
        except TypeError as exc:
            raise InvalidRequestError(f"invalid order change: {exc}") from None

    @property
    def stop_price(self) -> float | None:
        """The trigger price of a ``STP`` or ``STOP_LIMIT`` order (``None`` for other types)."""
        if self.order_type == "STP":
            return self.aux_price if self.aux_price is not None else self.price
        return self.aux_price if self.order_type == "STOP_LIMIT" else None

    @property
    def limit_price(self) -> float | None:
        """The limit price of a ``LMT``, ``STOP_LIMIT`` or ``TRAILLMT`` order."""
        return self.price if self.order_type in _NEEDS_PRICE else None

    def with_client_order_id(self) -> Order:
        """This order with a cOID, generating one when it has none."""
        return self if self.c_oid else attrs.evolve(self, c_oid=new_client_order_id())

    def to_request(self, account_id: str) -> OrderRequest:
        """The generated wire model for this order."""
        parameters = (
            OrderRequestStrategyParameters.from_dict(dict(self.strategy_parameters))
            if self.strategy_parameters is not None
            else None
        )
        price, aux_price = self.price, self.aux_price
        if self.order_type == "STP":
            # IBKR reads a plain stop's trigger from "price" (its guides) or "auxPrice" (its
            # spec): both carry the stop, so either reading gets the same order.
            price = aux_price = self.stop_price
        return OrderRequest(
            order_type=self.order_type,
            side=self.side,
            tif=self.tif,
            acct_id=account_id,
            outside_rth=self.outside_rth,
            conid=UNSET if self.conid is None else self.conid,
            quantity=UNSET if self.quantity is None else self.quantity,
            price=UNSET if price is None else price,
            aux_price=UNSET if aux_price is None else aux_price,
            c_oid=UNSET if self.c_oid is None else self.c_oid,
            conidex=UNSET if self.conidex is None else self.conidex,
            sec_type=UNSET if self.sec_type is None else self.sec_type,
            listing_exchange=UNSET if self.listing_exchange is None else self.listing_exchange,
            cash_qty=UNSET if self.cash_qty is None else self.cash_qty,
            trailing_amt=UNSET if self.trailing_amt is None else self.trailing_amt,
            trailing_type=UNSET if self.trailing_type is None else self.trailing_type,
            parent_id=UNSET if self.parent_id is None else self.parent_id,
            is_single_group=UNSET if self.is_single_group is None else self.is_single_group,
            use_adaptive=UNSET if self.use_adaptive is None else self.use_adaptive,
            is_ccy_conv=UNSET if self.is_ccy_conv is None else self.is_ccy_conv,
            allocation_method=UNSET if self.allocation_method is None else self.allocation_method,
            strategy=UNSET if self.strategy is None else self.strategy,
            strategy_parameters=UNSET if parameters is None else parameters,
            ticker=UNSET if self.ticker is None else self.ticker,
            referrer=UNSET if self.referrer is None else self.referrer,
        )


def _number_problems(order: Order) -> list[str]:
    problems: list[str] = []
    numbers = {
        "quantity": order.quantity,
        "price": order.price,
        "aux_price": order.aux_price,
        "cash_qty": order.cash_qty,
        "trailing_amt": order.trailing_amt,
    }
    for name, value in numbers.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{name} must be a number, got {type(value).__name__}")
        elif not _finite(value):
            problems.append(f"{name} must be a finite number, got {value}")
        elif value <= 0 and name != "price":
            problems.append(f"{name} must be positive, got {value}")
    if order.conid is not None and (
        isinstance(order.conid, bool)
        or not isinstance(order.conid, int)
        or not 0 < order.conid < 2**63
    ):
        problems.append(f"conid must be a positive integer, got {order.conid!r}")
    return problems


_TEXT_FIELDS = (
    "conidex",
    "sec_type",
    "listing_exchange",
    "parent_id",
    "allocation_method",
    "strategy",
    "ticker",
    "referrer",
)
_FLAG_FIELDS = ("is_single_group", "use_adaptive", "is_ccy_conv")


def _type_problems(order: Order) -> list[str]:
    """Fields of the wrong type (they would fail deep in the request, or mean something else)."""
    problems: list[str] = []
    for name in ("side", "order_type", "tif"):
        if not isinstance(getattr(order, name), str):
            problems.append(f"{name} must be text, got {type(getattr(order, name)).__name__}")
    for name in _TEXT_FIELDS:
        value = getattr(order, name)
        if value is not None and not (
            isinstance(value, str) and 0 < len(value) <= 256 and value.isprintable()
        ):
            problems.append(f"{name} must be a text of 1-256 printable characters, or None")
    if not isinstance(order.outside_rth, bool):
        problems.append("outside_rth must be True or False")
    for name in _FLAG_FIELDS:
        if getattr(order, name) is not None and not isinstance(getattr(order, name), bool):
            problems.append(f"{name} must be True, False or None")
    if order.trailing_type is not None and order.trailing_type not in ("amt", "%"):
        problems.append("trailing_type must be 'amt' or '%'")
    parameters = order.strategy_parameters
    if parameters is not None and not (
        isinstance(parameters, Mapping)
        and all(
            isinstance(k, str)
            and (isinstance(v, str | bool) or (isinstance(v, int | float) and _finite(v)))
            for k, v in parameters.items()
        )
    ):
        problems.append("strategy_parameters must map names to texts, finite numbers or True/False")
    return problems


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _problems(order: Order) -> list[str]:
    problems = _type_problems(order)
    if problems:
        return problems  # the checks below assume the types are right
    problems = _number_problems(order)
    if order.side not in ("BUY", "SELL"):
        problems.append(f"side must be 'BUY' or 'SELL', got {order.side!r}")
    if order.order_type not in ORDER_TYPES:
        problems.append(
            f"order_type must be one of {', '.join(sorted(ORDER_TYPES))}, got {order.order_type!r}"
        )
    if order.tif not in TIME_IN_FORCE:
        problems.append(f"tif must be one of {', '.join(sorted(TIME_IN_FORCE))}, got {order.tif!r}")
    if order.conid is None and not order.conidex:
        problems.append("give conid (or conidex) to say which contract to trade")
    if order.quantity is None and order.cash_qty is None:
        problems.append("give quantity (or cash_qty)")
    if order.quantity is not None and not isinstance(order.quantity, bool) and order.quantity == 0:
        problems.append("quantity must be positive; use side='SELL' to sell")
    if order.order_type in _NEEDS_PRICE and order.price is None:
        problems.append(f"{order.order_type} orders need price (the limit price)")
    if order.order_type in _NEEDS_AUX and order.aux_price is None:
        problems.append(f"{order.order_type} orders need aux_price (the stop price)")
    if order.order_type == "STP":
        if order.aux_price is None and order.price is None:
            problems.append("STP orders need aux_price (the stop price)")
        elif (
            order.aux_price is not None
            and order.price is not None
            and not math.isclose(order.aux_price, order.price, rel_tol=1e-12, abs_tol=1e-12)
        ):
            problems.append(
                "a STP order has one price, its stop: give aux_price (or price), not two "
                f"different ones (price={order.price}, aux_price={order.aux_price}); use "
                "order_type='STOP_LIMIT' for a stop with a limit"
            )
    if (
        isinstance(order.price, int | float)
        and order.price <= 0
        and not (order.sec_type or "").upper().endswith("BAG")
    ):
        problems.append(
            f"price must be positive, got {order.price} (only combination orders may be negative)"
        )
    if order.order_type in {"TRAIL", "TRAILLMT"} and (
        order.trailing_amt is None or order.trailing_type is None
    ):
        problems.append(
            f"{order.order_type} orders need trailing_amt and trailing_type ('amt' or '%')"
        )
    if order.order_type == "MKT" and order.price is not None:
        problems.append("MKT orders take no price; use order_type='LMT' for a limit")
    if order.c_oid is not None and not (
        isinstance(order.c_oid, str) and _C_OID.fullmatch(order.c_oid)
    ):
        problems.append(
            "c_oid must be 1-64 letters, digits or _ . : - (starting with a letter or digit)"
        )
    return problems


@attrs.frozen
class Question:
    """One confirmation question the gateway asks before accepting an order."""

    reply_id: str
    messages: tuple[str, ...]
    message_ids: tuple[str, ...]
    order: Order
    """The order asked about (for a group of orders: the first of them)."""
    group: tuple[Order, ...] = attrs.field(default=(), repr=False)
    """Every order of the submission when it holds several (a bracket, an OCA group)."""

    @property
    def text(self) -> str:
        """All messages joined, as a person would read them."""
        return "\n".join(self.messages)


ConfirmCallback: TypeAlias = Callable[[Question], bool | Awaitable[bool]]
ConfirmPolicy: TypeAlias = bool | ConfirmCallback


def check_order(order: object) -> Order:
    """``order`` when it is an :class:`Order` (anything else is refused before sending)."""
    if isinstance(order, Order):
        return order
    raise InvalidRequestError(
        f"order must be an Order, e.g. Order(conid=265598, side='BUY', quantity=1, price=150.0), "
        f"got {type(order).__name__}"
    )


def check_policy(confirm: object) -> ConfirmPolicy:
    """A confirmation policy: ``True``, ``False``, or a function of a :class:`Question`."""
    if isinstance(confirm, bool) or callable(confirm):
        return confirm
    raise InvalidRequestError(
        "confirm must be True (confirm every question), False (confirm none) or a function "
        f"that gets each Question and returns whether to confirm it; got {type(confirm).__name__}"
    )


async def decide(policy: ConfirmPolicy, question: Question) -> bool:
    """Apply a confirmation policy: ``False`` declines, ``True`` confirms, a callable decides."""
    if isinstance(policy, bool):
        return policy
    answer = policy(question)
    if inspect.isawaitable(answer):
        answer = await answer
    return answer is True
