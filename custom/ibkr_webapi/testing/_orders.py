"""Order tickets, the order book and its status changes, and the order answers' wire shapes.

Groups follow IBKR's rules: a bracket's children (``parentId`` = the parent's cOID) wait, held as
``PreSubmitted``, until their parent fills, then work as a pair (one filling cancels the other); the
orders of one submission marked ``isSingleGroup`` form a one-cancels-all (OCA) group; cancelling a
parent cancels its children. Every fill is an execution with a commission (IBKR's fixed US stock
rate: 0.005 USD a share, at least 1 USD, at most 1% of the trade's value).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ._catalogue import Catalogue, Contract
from ._errors import bad_request, rejected
from ._market import Quote, round_price

# IBKR order type: (display name, name in origOrderType / order status)
ORDER_TYPES = {
    "MKT": ("Market", "MARKET"),
    "LMT": ("Limit", "LIMIT"),
    "STP": ("Stop", "STOP"),
    "STOP_LIMIT": ("Stop Limit", "STOP_LIMIT"),
    "MIDPRICE": ("Midprice", "MIDPRICE"),
    "TRAIL": ("Trail", "TRAIL"),
    "TRAILLMT": ("Trail Limit", "TRAILLMT"),
}
STOP_TYPES = frozenset({"STP", "STOP_LIMIT", "TRAIL", "TRAILLMT"})
TIME_IN_FORCE = {"DAY": "Day", "GTC": "GTC", "IOC": "IOC", "OPG": "OPG", "PAX": "PAX"}
LIVE_STATUSES = frozenset({"PreSubmitted", "Submitted"})
FIRST_ORDER_ID = 1_370_093_240
COMMISSION_PER_SHARE = 0.005
MIN_COMMISSION = 1.0
MAX_COMMISSION_RATE = 0.01


def commission_for(quantity: float, price: float) -> float:
    """The commission of one execution (IBKR's fixed rate for US stocks), rounded to cents."""
    value = abs(quantity * price)
    fee = max(MIN_COMMISSION, COMMISSION_PER_SHARE * abs(quantity))
    return round(min(fee, MAX_COMMISSION_RATE * value) if value else fee, 2)


@dataclass(frozen=True, kw_only=True)
class OrderTicket:
    """One order as the client asked for it, validated."""

    account: str
    contract: Contract
    side: str  # BUY or SELL
    order_type: str
    quantity: float
    price: float | None = None  # limit price; the stop price for STP
    aux_price: float | None = None  # stop price for STOP_LIMIT
    tif: str = "DAY"
    coid: str | None = None
    parent_id: str | None = None
    outside_rth: bool = False
    cash_quantity: float | None = None
    trailing_amount: float | None = None
    trailing_type: str | None = None
    single_group: bool = False  # isSingleGroup: one OCA group with the submission's other orders

    @property
    def sign(self) -> int:
        return 1 if self.side == "BUY" else -1

    @property
    def stop_price(self) -> float | None:
        """The trigger price of STP and STOP_LIMIT orders (trailing stops compute theirs)."""
        if self.order_type == "STP":
            return self.price
        return self.aux_price if self.order_type == "STOP_LIMIT" else None

    @property
    def limit_price(self) -> float | None:
        return self.price if self.order_type in ("LMT", "STOP_LIMIT", "MIDPRICE") else None

    def reference_price(self, quote: Quote) -> float:
        """Price used to value the order: its limit, else the side of the book it would take."""
        limit = self.limit_price
        if limit is not None:
            return limit
        return quote.ask if self.side == "BUY" else quote.bid

    def describe(self) -> str:
        """Side, size, symbol and exchange as the gateway's questions write them: BUY 650 AAPL NASDAQ.NMS."""
        return (
            f"{self.side} {self.quantity:g} {self.contract.symbol} {self.contract.order_exchange}"
        )


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise rejected(f"Invalid value for {key}: {value!r}") from None


def _conid(data: Mapping[str, Any]) -> int | None:
    for key, separator in (("conid", None), ("conidex", "@"), ("secType", ":")):
        value = data.get(key)
        if value in (None, ""):
            continue
        text = str(value).split(separator)[0] if separator else str(value)
        try:
            return int(text)
        except ValueError:
            raise rejected(f"Invalid {key}: {value!r}") from None
    return None


def parse_ticket(
    data: object, account: str, catalogue: Catalogue, quote_of: Callable[[Contract], Quote]
) -> OrderTicket:
    """Validate one order object of a placement or modification body."""
    if not isinstance(data, Mapping):
        raise bad_request("each order must be a JSON object")
    body_account = data.get("acctId")
    if body_account not in (None, "", account):
        raise rejected(f"acctId {body_account} does not match the account {account} of the request")
    conid = _conid(data)
    if conid is None:
        raise rejected("Order must name a contract: conid, conidex or secType is missing")
    contract = catalogue.get(conid)
    if contract is None:
        raise rejected(f"No security definition has been found for the request (conid {conid})")
    side = str(data.get("side", "")).upper()
    if side not in ("BUY", "SELL"):
        raise rejected(f"Invalid side {data.get('side')!r}: use BUY or SELL")
    order_type = str(data.get("orderType", "")).upper()
    if order_type not in ORDER_TYPES:
        raise rejected(
            f"Invalid order type {data.get('orderType')!r}: use one of {', '.join(ORDER_TYPES)}"
        )
    tif = str(data.get("tif", "DAY")).upper()
    if tif not in TIME_IN_FORCE:
        raise rejected(f"Invalid time in force {data.get('tif')!r}")
    price, aux_price = _number(data, "price"), _number(data, "auxPrice")
    cash_quantity = _number(data, "cashQty")
    quantity = _number(data, "quantity")
    if quantity is None and cash_quantity is not None:
        quote = quote_of(contract)
        quantity = round(cash_quantity / (price or quote.ask), 4)
    if quantity is None or quantity <= 0:
        raise rejected("Order quantity must be a positive number")
    if order_type in ("LMT", "STP", "STOP_LIMIT") and (price is None or price <= 0):
        raise rejected(f"{ORDER_TYPES[order_type][0]} orders need a positive price")
    if order_type == "STOP_LIMIT" and (aux_price is None or aux_price <= 0):
        raise rejected("Stop Limit orders need auxPrice (the stop price)")
    trailing_amount = _number(data, "trailingAmt")
    trailing_type = data.get("trailingType")
    if order_type in ("TRAIL", "TRAILLMT") and (
        trailing_amount is None or trailing_type not in ("amt", "%")
    ):
        raise rejected("Trailing orders need trailingAmt and trailingType (amt or %)")
    coid = data.get("cOID")
    parent = data.get("parentId")
    return OrderTicket(
        account=account,
        contract=contract,
        side=side,
        order_type=order_type,
        quantity=quantity,
        price=price,
        aux_price=aux_price,
        tif=tif,
        coid=None if coid in (None, "") else str(coid),
        parent_id=None if parent in (None, "") else str(parent),
        outside_rth=bool(data.get("outsideRTH", False)),
        cash_quantity=cash_quantity,
        trailing_amount=trailing_amount,
        trailing_type=None if trailing_type is None else str(trailing_type),
        single_group=data.get("isSingleGroup") is True,
    )


def execution_price(ticket: OrderTicket, quote: Quote, stop: float | None) -> float | None:
    """Price the order would fill at against `quote` now, or None if it would not execute."""
    buying = ticket.side == "BUY"
    take = quote.ask if buying else quote.bid
    if stop is not None:
        triggered = quote.last >= stop if buying else quote.last <= stop
        if not triggered:
            return None
    limit = ticket.limit_price
    if ticket.order_type == "MIDPRICE":
        mid = round_price(quote.mid)
        if limit is not None and (mid > limit if buying else mid < limit):
            return None
        return mid
    if limit is None or ticket.order_type in ("TRAILLMT",):
        return take
    if buying:
        return take if take <= limit else None
    return take if take >= limit else None


@dataclass
class SimOrder:
    """An order in the book and its life so far."""

    order_id: int
    ticket: OrderTicket
    placed_at: float
    status: str = "PreSubmitted"
    armed_at: float = 0.0  # when the current version of the order was placed or modified
    stop: float | None = None  # trigger level (fixed at placement for trailing orders)
    filled: float = 0.0
    average_price: float | None = None
    updated_at: float = 0.0
    children: list[int] = field(default_factory=list)
    parent: int | None = None
    oca_group: int | None = None  # orders of one OCA group share this number
    session: int = 0  # the brokerage session (generation) it was placed in
    visible_at: float = 0.0  # when it starts to show among live orders

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def remaining(self) -> float:
        return self.ticket.quantity - self.filled


@dataclass(frozen=True)
class Execution:
    """One fill of an order, as ``GET /iserver/account/trades`` lists it."""

    execution_id: str
    order_id: int
    time: float
    quantity: float
    price: float
    commission: float


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%y%m%d%H%M%S")


def initial_stop(ticket: OrderTicket, quote: Quote) -> float | None:
    """Trigger level of a stop order; trailing stops trail from the current price, once."""
    if ticket.order_type not in ("TRAIL", "TRAILLMT"):
        return ticket.stop_price
    amount = ticket.trailing_amount or 0.0
    offset = quote.last * amount / 100 if ticket.trailing_type == "%" else amount
    return round_price(quote.last + offset if ticket.side == "BUY" else quote.last - offset)


class OrderBook:
    """Every order of the simulator's lifetime, by id, with the client order ids already used."""

    def __init__(self, *, submit_delay: float, fill_delay: float) -> None:
        self._submit_delay = submit_delay
        self._fill_delay = max(fill_delay, submit_delay)
        self.orders: dict[int, SimOrder] = {}
        self.coids: dict[str, int] = {}  # the latest order placed with each cOID
        self.executions: list[Execution] = []
        self._next_id = FIRST_ORDER_ID
        self._next_group = 1

    def duplicate_coid(
        self, tickets: list[OrderTicket], *, guard: str = "lifetime", session: int = 0
    ) -> str | None:
        """The first client order id of `tickets` already registered (or repeated among them).

        `guard` is ``"lifetime"`` (any cOID seen), ``"session"`` (one seen in brokerage session
        `session`) or ``"none"`` (never a duplicate).
        """
        if guard == "none":
            return None
        if guard == "session":
            seen = {
                o.ticket.coid
                for o in self.orders.values()
                if o.session == session and o.ticket.coid is not None
            }
        else:
            seen = set(self.coids)
        for ticket in tickets:
            if ticket.coid is not None:
                if ticket.coid in seen:
                    return ticket.coid
                seen.add(ticket.coid)
        return None

    def copies(self) -> dict[str, int]:
        """How many orders carry each cOID (more than one is a duplicate order)."""
        counts: dict[str, int] = {}
        for order in self.orders.values():
            if order.ticket.coid is not None:
                counts[order.ticket.coid] = counts.get(order.ticket.coid, 0) + 1
        return counts

    def reserve_ids(self, count: int) -> list[int]:
        """Order ids for tickets not placed yet (a prompt names the id its order will have)."""
        ids = list(range(self._next_id, self._next_id + count))
        self._next_id += count
        return ids

    def unknown_parent(self, tickets: list[OrderTicket]) -> str | None:
        """The first parentId that names no order of `tickets` or of the book."""
        coids = {t.coid for t in tickets if t.coid is not None}
        for ticket in tickets:
            parent = ticket.parent_id
            if parent is not None and parent not in coids and parent not in self.coids:
                return parent
        return None

    def place(
        self,
        tickets: list[OrderTicket],
        now: float,
        quote_of: Callable[[Contract], Quote],
        *,
        session: int = 0,
        visible_after: float = 0.0,
        order_ids: list[int] | None = None,
    ) -> list[SimOrder]:
        """Add accepted orders; children (parentId = a sibling's cOID) wait for their parent to fill,
        and the submission's ``isSingleGroup`` orders form one OCA group."""
        placed: list[SimOrder] = []
        by_coid: dict[str, SimOrder] = {}
        group = None
        if any(t.single_group for t in tickets):
            group, self._next_group = self._next_group, self._next_group + 1
        ids = iter(order_ids or ())
        for ticket in tickets:
            order_id = next(ids, None)
            if order_id is None:
                order_id, self._next_id = self._next_id, self._next_id + 1
            order = SimOrder(
                order_id,
                ticket,
                placed_at=now,
                armed_at=now,
                updated_at=now,
                session=session,
                visible_at=now + visible_after,
                oca_group=group if ticket.single_group else None,
            )
            order.stop = initial_stop(ticket, quote_of(ticket.contract))
            parent = by_coid.get(ticket.parent_id or "") or self._by_coid(ticket.parent_id)
            if parent is not None:
                order.parent = parent.order_id
                parent.children.append(order.order_id)
            self.orders[order.order_id] = order
            if ticket.coid is not None:
                self.coids[ticket.coid] = order.order_id
                by_coid[ticket.coid] = order
            placed.append(order)
        return placed

    def _by_coid(self, coid: str | None) -> SimOrder | None:
        order_id = self.coids.get(coid) if coid else None
        return None if order_id is None else self.orders.get(order_id)

    def modify(self, order: SimOrder, ticket: OrderTicket, now: float, quote: Quote) -> None:
        order.ticket = replace(ticket, coid=order.ticket.coid, parent_id=order.ticket.parent_id)
        order.stop = initial_stop(order.ticket, quote)
        order.armed_at = now
        order.updated_at = now

    def cancel(self, order: SimOrder, now: float) -> None:
        order.status = "Cancelled"
        order.updated_at = now
        for child_id in order.children:
            child = self.orders[child_id]
            if child.live:
                self.cancel(child, now)

    def fill(
        self,
        order: SimOrder,
        price: float,
        now: float,
        book_fill: Callable[[SimOrder, float], None],
    ) -> None:
        """Fill the rest of `order` at `price`; `book_fill` updates the account. Its OCA siblings
        (and a bracket child's sibling exits) are cancelled."""
        quantity = order.remaining
        order.average_price = price
        order.filled = order.ticket.quantity
        order.status = "Filled"
        order.updated_at = now
        self.executions.append(
            Execution(
                execution_id=f"0000e0d5.{order.order_id:08x}.{len(self.executions) + 1:02d}.01",
                order_id=order.order_id,
                time=now,
                quantity=quantity,
                price=price,
                commission=commission_for(quantity, price),
            )
        )
        book_fill(order, quantity)
        for sibling in self.one_cancels_all(order):
            self.cancel(sibling, now)

    def one_cancels_all(self, order: SimOrder) -> list[SimOrder]:
        """The live orders cancelled when `order` fills: its OCA group, and a child's siblings."""
        siblings: list[SimOrder] = []
        if order.oca_group is not None:
            siblings += [
                o
                for o in self.orders.values()
                if o.oca_group == order.oca_group and o is not order and o.live
            ]
        parent = self.orders.get(order.parent) if order.parent is not None else None
        if parent is not None:
            siblings += [
                self.orders[i]
                for i in parent.children
                if i != order.order_id and self.orders[i].live and self.orders[i] not in siblings
            ]
        return siblings

    def advance(
        self,
        now: float,
        quote_at: Callable[[Contract, float], Quote],
        book_fill: Callable[[SimOrder, float], None],
    ) -> None:
        """Move live orders along: PreSubmitted -> Submitted, then fill whatever can execute."""
        for order in list(self.orders.values()):
            if not order.live:
                continue
            parent = self.orders.get(order.parent) if order.parent is not None else None
            if parent is not None and parent.status != "Filled":
                continue  # a child order waits for its parent
            ready = max(order.armed_at, parent.updated_at if parent else 0.0)
            if order.status == "PreSubmitted" and now >= ready + self._submit_delay:
                order.status = "Submitted"
                order.updated_at = ready + self._submit_delay
            first_check = ready + self._fill_delay
            if now < first_check:
                continue
            # Check at the first moment the order could fill, then at the current time.
            for moment in dict.fromkeys((first_check, now)):
                quote = quote_at(order.ticket.contract, moment)
                fill_price = execution_price(order.ticket, quote, order.stop)
                if fill_price is not None:
                    order.status = "Submitted"
                    self.fill(order, fill_price, moment, book_fill)
                    break
                if order.ticket.tif == "IOC":
                    order.status, order.updated_at = "Cancelled", moment
                    break

    # --- wire shapes
    @staticmethod
    def ack(order: SimOrder) -> dict[str, Any]:
        return {
            "order_id": str(order.order_id),
            "order_status": order.status,
            "encrypt_message": "1",
        }

    @staticmethod
    def description(order: SimOrder) -> str:
        """Order description as the gateway writes it: "Bought 1 Limit 150.00, Day"."""
        ticket = order.ticket
        verb = ticket.side.capitalize()
        if order.status == "Filled":
            verb = "Bought" if ticket.side == "BUY" else "Sold"
        parts = [f"{verb} {ticket.quantity:g} {ORDER_TYPES[ticket.order_type][0]}"]
        if ticket.order_type == "STOP_LIMIT" and ticket.price is not None:
            parts[0] += f" {ticket.price:.2f}, Stop {order.stop or 0:.2f}"
        elif ticket.order_type in STOP_TYPES and order.stop is not None:
            parts[0] += f" {order.stop:.2f}"
        elif ticket.price is not None:
            parts[0] += f" {ticket.price:.2f}"
        return f"{parts[0]}, {TIME_IN_FORCE[ticket.tif]}"

    def live_order(self, order: SimOrder) -> dict[str, Any]:
        """One entry of GET /iserver/account/orders."""
        ticket, contract = order.ticket, order.ticket.contract
        display, upper = ORDER_TYPES[ticket.order_type]
        item: dict[str, Any] = {
            "acct": ticket.account,
            "conidex": str(contract.conid),
            "conid": contract.conid,
            "account": ticket.account,
            "orderId": order.order_id,
            "cashCcy": contract.currency,
            "sizeAndFills": f"{order.filled:g}/{ticket.quantity:g}",
            "orderDesc": self.description(order),
            "description1": contract.symbol,
            "ticker": contract.symbol,
            "secType": contract.sec_type,
            "listingExchange": contract.order_exchange,
            "remainingQuantity": order.remaining,
            "filledQuantity": order.filled,
            "totalSize": ticket.quantity,
            "companyName": contract.company_name,
            "status": order.status,
            "order_ccp_status": order.status,
            "origOrderType": upper,
            "supportsTaxOpt": "1",
            "lastExecutionTime": _stamp(order.updated_at),
            "orderType": display,
            "bgColor": "#FFFFFF",
            "fgColor": "#000000",
            "isEventTrading": "0",
            "timeInForce": "CLOSE" if ticket.tif == "DAY" else ticket.tif,
            "lastExecutionTime_r": int(order.updated_at * 1000),
            "side": ticket.side,
        }
        if ticket.price is not None:
            item["price"] = f"{ticket.price:.2f}"
        if ticket.aux_price is not None or order.stop is not None:
            item["auxPrice"] = f"{(order.stop or 0.0):.2f}"
        if order.average_price is not None:
            item["avgPrice"] = f"{order.average_price:.2f}"
        if order.parent is not None:
            item["parentId"] = order.parent
        if ticket.coid is not None:
            item["order_ref"] = ticket.coid
        return item

    def trade(self, execution: Execution) -> dict[str, Any]:
        """One entry of GET /iserver/account/trades."""
        order = self.orders[execution.order_id]
        ticket, contract = order.ticket, order.ticket.contract
        verb = "Bought" if ticket.side == "BUY" else "Sold"
        item: dict[str, Any] = {
            "execution_id": execution.execution_id,
            "symbol": contract.symbol,
            "supports_tax_opt": "1",
            "side": "B" if ticket.side == "BUY" else "S",
            "order_description": (
                f"{verb} {execution.quantity:g} @ {execution.price:.2f} on {contract.order_exchange}"
            ),
            "trade_time": datetime.fromtimestamp(execution.time, UTC).strftime("%Y%m%d-%H:%M:%S"),
            "trade_time_r": int(execution.time * 1000),
            "size": execution.quantity,
            "price": f"{execution.price:.2f}",
            "submitter": "simuser",
            "exchange": contract.order_exchange,
            "commission": f"{execution.commission:.2f}",
            "net_amount": round(execution.quantity * execution.price, 2),
            "account": ticket.account,
            "accountCode": ticket.account,
            "company_name": contract.company_name,
            "contract_description_1": contract.symbol,
            "sec_type": contract.sec_type,
            "listing_exchange": contract.order_exchange,
            "conid": contract.conid,
            "conidEx": str(contract.conid),
            "clearing_id": "IB",
            "clearing_name": "IB",
            "liquidation_trade": "0",
            "is_event_trading": "0",
            "order_id": order.order_id,
        }
        if ticket.coid is not None:
            item["order_ref"] = ticket.coid
        return item

    def status(self, order: SimOrder) -> dict[str, Any]:
        """Body of GET /iserver/account/order/status/{orderId}."""
        ticket, contract = order.ticket, order.ticket.contract
        upper = ORDER_TYPES[ticket.order_type][1]
        description = self.description(order)
        body: dict[str, Any] = {
            "sub_type": None,
            "request_id": str(order.order_id % 10_000),
            "server_id": "0",
            "order_id": order.order_id,
            "conidex": str(contract.conid),
            "conid": contract.conid,
            "symbol": contract.symbol,
            "side": "B" if ticket.side == "BUY" else "S",
            "contract_description_1": contract.symbol,
            "listing_exchange": contract.order_exchange,
            "option_acct": "c",
            "company_name": contract.company_name,
            "size": f"{order.remaining:.1f}",
            "total_size": f"{ticket.quantity:.1f}",
            "currency": contract.currency,
            "account": ticket.account,
            "order_type": upper,
            "cum_fill": f"{order.filled:.1f}",
            "order_status": order.status,
            "order_ccp_status": order.status,
            "order_status_description": f"Order {order.status}",
            "tif": ticket.tif,
            "fgColor": "#FFFFFF",
            "bgColor": "#000000",
            "order_not_editable": not order.live,
            "editable_fields": "",
            "cannot_cancel_order": not order.live,
            "deactivate_order": False,
            "sec_type": contract.sec_type,
            "available_chart_periods": "#R|1",
            "order_description": description,
            "order_description_with_contract": f"{contract.symbol} {description}",
            "alert_active": 1,
            "child_order_type": "0",
            "order_clearing_account": ticket.account,
            "size_and_fills": f"{order.filled:g}/{ticket.quantity:g}",
            "exit_strategy_display_price": f"{(ticket.price or 0.0):.2f}",
            "exit_strategy_chart_description": description,
            "exit_strategy_tool_availability": "1",
            "allowed_duplicate_opposite": True,
            "order_time": _stamp(order.placed_at),
        }
        if ticket.limit_price is not None:
            body["limit_price"] = f"{ticket.limit_price:.2f}"
        if order.stop is not None:
            body["stop_price"] = f"{order.stop:.2f}"
        if order.average_price is not None:
            body["average_price"] = f"{order.average_price:.2f}"
        return body
