"""Orders placed together in one request: brackets, one-cancels-all (OCA) groups, and plain groups.

A **bracket** is an entry order with two exits attached: a take-profit limit and a stop-loss stop,
each a child whose ``parentId`` is the entry's cOID. The gateway holds the children until the entry
fills, then works them as a pair: when one fills, the other is cancelled. The three go out in one
``POST {"orders": [entry, take_profit, stop_loss]}``, each with its own cOID (the entry's, plus
``-tp`` and ``-sl``), so a lost answer is resolved by looking up every leg.

An **OCA group** is several orders sent together with ``isSingleGroup``: when one fills, the others
are cancelled.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from ..errors import InvalidRequestError
from ..results.orders import BracketStatus, OrderStatus
from .order import TIME_IN_FORCE, Order, TimeInForce, check_order

__all__ = [
    "MAX_BASE_C_OID",
    "Bracket",
    "check_orders",
    "legs_to_change",
    "oca_group",
]

TAKE_PROFIT_SUFFIX = "-tp"
STOP_LOSS_SUFFIX = "-sl"
MAX_BASE_C_OID = 64 - max(len(TAKE_PROFIT_SUFFIX), len(STOP_LOSS_SUFFIX))
"""The longest entry cOID a bracket takes (its children's cOIDs add a suffix)."""


def _entry(value: object) -> Order:
    """The entry order with a cOID (generated once, when the bracket is built)."""
    return check_order(value).with_client_order_id()


def _opposite(side: str) -> Any:
    return "SELL" if side == "BUY" else "BUY"


def _finite_positive(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value) and value > 0
    except OverflowError:
        return False


@attrs.frozen(kw_only=True)
class Bracket:
    """An entry order with a take-profit limit and a stop-loss stop attached.

    ``entry`` is any order with a ``quantity`` (``LMT``, ``MKT``, ``STP`` ...); ``take_profit`` is the
    exit limit price, ``stop_loss`` the exit stop price (``stop_loss_limit`` makes the stop-loss a
    ``STOP_LIMIT`` with that limit). The exits trade the entry's quantity on the other side, with
    the entry's ``tif`` unless ``exit_tif`` is given.

    The prices must make sense before anything is sent: for a buy, take-profit above the entry and
    stop-loss below it (a sell: the other way round), else :class:`InvalidRequestError`. The entry
    gets its cOID when the bracket is built, so placing the same ``Bracket`` again reuses every
    leg's cOID (and is looked up, never sent twice).
    """

    entry: Order = attrs.field(converter=_entry)
    take_profit: float
    stop_loss: float
    stop_loss_limit: float | None = None
    exit_tif: TimeInForce | None = None

    def __attrs_post_init__(self) -> None:
        problems = _bracket_problems(self)
        if problems:
            raise InvalidRequestError("invalid bracket: " + "; ".join(problems))

    @property
    def c_oid(self) -> str:
        """The entry's cOID (the children's ``parent_id``)."""
        return self.entry.c_oid or ""

    @property
    def take_profit_order(self) -> Order:
        """The take-profit child: a limit on the other side at ``take_profit``."""
        return self._exit(
            order_type="LMT", price=self.take_profit, suffix=TAKE_PROFIT_SUFFIX, aux_price=None
        )

    @property
    def stop_loss_order(self) -> Order:
        """The stop-loss child: a stop (or stop-limit) on the other side at ``stop_loss``."""
        if self.stop_loss_limit is None:
            return self._exit(
                order_type="STP", price=None, aux_price=self.stop_loss, suffix=STOP_LOSS_SUFFIX
            )
        return self._exit(
            order_type="STOP_LIMIT",
            price=self.stop_loss_limit,
            aux_price=self.stop_loss,
            suffix=STOP_LOSS_SUFFIX,
        )

    @property
    def orders(self) -> tuple[Order, Order, Order]:
        """Entry, take-profit and stop-loss, in the order they are sent."""
        return (self.entry, self.take_profit_order, self.stop_loss_order)

    def evolve(self, **changes: Any) -> Bracket:
        """A copy with ``changes`` applied and checked again (the cOIDs stay)."""
        try:
            return attrs.evolve(self, **changes)
        except TypeError as exc:
            raise InvalidRequestError(f"invalid bracket change: {exc}") from None

    def _exit(
        self, *, order_type: Any, price: float | None, aux_price: float | None, suffix: str
    ) -> Order:
        entry = self.entry
        return Order(
            side=_opposite(entry.side),
            conid=entry.conid,
            conidex=entry.conidex,
            sec_type=entry.sec_type,
            listing_exchange=entry.listing_exchange,
            quantity=entry.quantity,
            order_type=order_type,
            price=price,
            aux_price=aux_price,
            tif=self.exit_tif or entry.tif,
            outside_rth=entry.outside_rth,
            c_oid=f"{self.c_oid}{suffix}",
            parent_id=self.c_oid,
            ticker=entry.ticker,
            allocation_method=entry.allocation_method,
        )


def _entry_reference(entry: Order) -> float | None:
    """The price the entry trades at, when it has one: its limit, else its stop."""
    limit = entry.limit_price
    return limit if limit is not None else entry.stop_price


def _bracket_problems(bracket: Bracket) -> list[str]:
    entry = bracket.entry
    problems: list[str] = []
    for name in ("take_profit", "stop_loss", "stop_loss_limit"):
        value = getattr(bracket, name)
        if value is None and name == "stop_loss_limit":
            continue
        if not _finite_positive(value):
            problems.append(f"{name} must be a positive, finite price, got {value!r}")
    exit_tif: object = bracket.exit_tif
    if exit_tif is not None and not (isinstance(exit_tif, str) and exit_tif in TIME_IN_FORCE):
        problems.append(
            f"exit_tif must be one of {', '.join(sorted(TIME_IN_FORCE))}, got {exit_tif!r}"
        )
    if entry.quantity is None:
        problems.append("the entry needs a quantity (the exits trade the same number)")
    if entry.parent_id is not None or entry.is_single_group:
        problems.append("the entry must not have a parent_id or be part of an OCA group")
    if len(bracket.c_oid) > MAX_BASE_C_OID:
        problems.append(
            f"the entry's c_oid must be at most {MAX_BASE_C_OID} characters (its exits add "
            f"{TAKE_PROFIT_SUFFIX!r} and {STOP_LOSS_SUFFIX!r})"
        )
    if problems:
        return problems
    return _price_problems(bracket)


def _price_problems(bracket: Bracket) -> list[str]:
    """Take-profit and stop-loss on the right sides of the entry (and of each other)."""
    buying = bracket.entry.side == "BUY"
    tp, sl, limit = bracket.take_profit, bracket.stop_loss, bracket.stop_loss_limit
    above, below = ("take_profit", "stop_loss") if buying else ("stop_loss", "take_profit")
    problems: list[str] = []
    side = "a buy" if buying else "a sell"
    if (tp <= sl) if buying else (tp >= sl):
        problems.append(
            f"for {side}, {above} must be above {below} (take_profit={tp:g}, stop_loss={sl:g})"
        )
    reference = _entry_reference(bracket.entry)
    if reference is not None:
        if (tp <= reference) if buying else (tp >= reference):
            word = "above" if buying else "below"
            problems.append(
                f"for {side}, take_profit must be {word} the entry price {reference:g}, got {tp:g}"
            )
        if (sl >= reference) if buying else (sl <= reference):
            word = "below" if buying else "above"
            problems.append(
                f"for {side}, stop_loss must be {word} the entry price {reference:g}, got {sl:g}"
            )
    if limit is not None and ((limit > sl) if buying else (limit < sl)):
        word = "at or below" if buying else "at or above"
        problems.append(
            f"for {side}, the stop-loss limit must be {word} its stop ({sl:g}), got {limit:g} "
            "(the stop-loss sells below the stop, or buys above it)"
        )
    return problems


def check_orders(orders: object, *, minimum: int = 1) -> list[Order]:
    """``orders`` as a list of :class:`Order`, each with its own cOID (generated where missing)."""
    if isinstance(orders, Order | str | bytes) or not isinstance(orders, Iterable):
        raise InvalidRequestError(
            f"give a list of Order objects (at least {minimum}), got {type(orders).__name__}"
        )
    items = list(orders)
    checked = [check_order(order).with_client_order_id() for order in items]
    if len(checked) < minimum:
        raise InvalidRequestError(f"give at least {minimum} orders, got {len(checked)}")
    counts = Counter(order.c_oid for order in checked)
    repeated = sorted(c for c, n in counts.items() if n > 1 and c is not None)
    if repeated:
        raise InvalidRequestError(
            f"every order of a group needs its own c_oid; repeated: {', '.join(repeated)}"
        )
    return checked


def oca_group(orders: Sequence[Order]) -> list[Order]:
    """``orders`` marked as one OCA group (``is_single_group``); attached children are refused."""
    attached = [o.c_oid or "?" for o in orders if o.parent_id is not None]
    if attached:
        raise InvalidRequestError(
            "an OCA group takes independent orders, not attached children (parent_id set on "
            f"{', '.join(attached)}); place a bracket for attached exits"
        )
    return [o if o.is_single_group else o.evolve(is_single_group=True) for o in orders]


_LEG_NAMES = ("entry", "take-profit", "stop-loss")
_WORKING = frozenset({"presubmitted", "submitted", "pendingsubmit", "apipending"})


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _differs(status: OrderStatus, order: Order) -> bool:
    """Whether the gateway's view of an order (its status) lacks a field of ``order``."""
    if order.quantity is not None and not _same(order.quantity, status.total_size):
        return True
    if order.limit_price is not None and not _same(order.limit_price, status.limit_price):
        return True
    if order.stop_price is not None and not _same(order.stop_price, status.stop_price):
        return True
    return status.tif is not None and status.tif.upper() != order.tif


def legs_to_change(bracket: Bracket, status: BracketStatus) -> list[tuple[int, Order]]:
    """The legs (order id, new order) whose working order differs from ``bracket``'s.

    Every leg that must change has to be still working: a filled or cancelled leg cannot be
    changed, and nothing is sent when one would have to be (:class:`InvalidRequestError`).
    """
    changes = []
    stuck = []
    for name, order, leg in zip(_LEG_NAMES, bracket.orders, status.legs, strict=True):
        if not _differs(leg, order):
            continue
        state = (leg.status or "").lower().replace(" ", "")
        if state not in _WORKING:
            stuck.append(
                f"the {name} (order {leg.order_id}) is {leg.status or 'in an unknown state'}"
            )
        changes.append((leg.order_id, order))
    if stuck:
        raise InvalidRequestError(
            "nothing was changed: " + "; ".join(stuck) + ", so it can no longer be changed "
            "(change only the legs still working, e.g. bracket.evolve(stop_loss=...) once the "
            "entry has filled, keeping the entry as it was)"
        )
    return changes
