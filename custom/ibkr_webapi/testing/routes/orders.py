"""Order routes: placement with questions, replies, modify, cancel, whatif, status, live orders, trades."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._accounts import (
    Balances,
)
from .._catalogue import Contract
from .._errors import GatewayError, bad_request, rejected
from .._market import Quote
from .._orders import OrderBook, OrderTicket, SimOrder, parse_ticket
from .._questions import PendingSubmission, Question, limit_rejection, questions_for
from .._routing import ApiRoute, Call, iserver_route
from .._simulator import SimulatorState
from ._common import id_list

MAX_SUPPRESSED = 51


def _quote_of(sim: SimulatorState, now: float) -> Callable[[Contract], Quote]:
    return lambda contract: sim.market.quote(contract, now)


def _tickets(call: Call, items: list[Any], account: str) -> list[OrderTicket]:
    quote_of = _quote_of(call.sim, call.now)
    return [parse_ticket(item, account, call.sim.catalogue, quote_of) for item in items]


def _screen(call: Call, tickets: list[OrderTicket]) -> list[Question]:
    """Reject what the gateway refuses; otherwise the questions still to be answered."""
    sim = call.sim
    asked: dict[str, Question] = {}
    for ticket in tickets:
        quote: Quote = sim.market.quote(ticket.contract, call.now)
        refusal = limit_rejection(ticket, quote, sim.config)
        if refusal is not None:
            raise rejected(refusal)
        has_data = sim.market.has_market_data(ticket.contract.conid)
        for question in questions_for(ticket, quote, sim.config, has_market_data=has_data):
            asked.setdefault(question.message_id, question)
    return [q for q in asked.values() if q.message_id not in sim.session.suppressed]


def _duplicate(call: Call, tickets: list[OrderTicket]) -> None:
    """Refuse `tickets` when the gateway's cOID guard (as configured) has seen one of them."""
    sim = call.sim
    duplicate = sim.orders.duplicate_coid(
        tickets, guard=sim.config.duplicate_coid_guard, session=sim.session.generation
    )
    if duplicate is not None:
        raise rejected(sim.config.duplicate_coid_refusal.replace("{coid}", duplicate))


def _submit(call: Call, submission: PendingSubmission, questions: list[Question]) -> Any:
    """Ask the first question, or carry the submission out when none is left."""
    if questions:
        submission.remaining = questions[1:]
        submission.asked_at = call.now
        return call.sim.replies.ask(questions[0], submission)
    return _carry_out(call, submission)


def _carry_out(call: Call, submission: PendingSubmission) -> Any:
    sim = call.sim
    if submission.modify_order_id is not None:
        order = sim.orders.orders[submission.modify_order_id]
        if not order.live:
            raise rejected(f"OrderID {order.order_id} can't be modified: it is {order.status}")
        ticket = submission.tickets[0]
        sim.orders.modify(order, ticket, call.now, sim.market.quote(ticket.contract, call.now))
        return [OrderBook.ack(order)]
    _duplicate(call, submission.tickets)
    placed = sim.orders.place(
        submission.tickets,
        call.now,
        _quote_of(sim, call.now),
        session=sim.session.generation,
        visible_after=sim.config.live_orders_lag,
    )
    return [OrderBook.ack(order) for order in placed]


async def place_orders(call: Call) -> Any:
    account = call.path_param("accountId")
    items = call.json_object().get("orders")
    if not isinstance(items, list) or not items:
        raise bad_request('the body must be {"orders": [ {...}, ... ]} with at least one order')
    tickets = _tickets(call, items, account)
    _duplicate(call, tickets)
    questions = _screen(call, tickets)
    return _submit(call, PendingSubmission("", account, tickets, [], call.now), questions)


async def reply(call: Call) -> Any:
    confirmed = call.json_object().get("confirmed")
    if not isinstance(confirmed, bool):
        raise bad_request('the body must be {"confirmed": true} or {"confirmed": false}')
    submission = call.sim.replies.take(call.path_param("replyId"), call.now)
    if not confirmed:
        return {"error": "The order was not confirmed and has been discarded."}
    return _submit(call, submission, submission.remaining)


def _account_order(call: Call) -> SimOrder:
    text = call.path_param("orderId")
    order = call.sim.orders.orders.get(int(text)) if text.isdigit() else None
    if order is None or order.ticket.account != call.path_param("accountId"):
        raise rejected(f"OrderID {text} doesn't exist")
    return order


async def modify_order(call: Call) -> Any:
    body = call.body
    if isinstance(body, list) or (isinstance(body, dict) and "orders" in body):
        raise bad_request("modify takes a single order object, not a list of orders")
    order = _account_order(call)
    if not order.live:
        raise rejected(f"OrderID {order.order_id} can't be modified: it is {order.status}")
    ticket = _tickets(call, [call.json_object()], order.ticket.account)[0]
    if ticket.contract.conid != order.ticket.contract.conid:
        raise rejected("A modification can't change the contract of an order")
    questions = _screen(call, [ticket])
    submission = PendingSubmission("", order.ticket.account, [ticket], [], call.now, order.order_id)
    return _submit(call, submission, questions)


async def cancel_order(call: Call) -> Any:
    order = _account_order(call)
    if not order.live:
        raise rejected(f"OrderID {order.order_id} can't be cancelled: it is {order.status}")
    call.sim.orders.cancel(order, call.now)
    return {
        "msg": "Request was submitted",
        "order_id": order.order_id,
        "conid": order.ticket.contract.conid,
        "account": order.ticket.account,
    }


async def whatif(call: Call) -> Any:
    sim = call.sim
    account = call.path_param("accountId")
    items = call.json_object().get("orders")
    if not isinstance(items, list) or len(items) != 1:
        raise bad_request('the body must be {"orders": [ {...} ]} with one order')
    try:
        ticket = _tickets(call, items, account)[0]
    except GatewayError as error:
        if error.status != 200:
            raise
        return _preview(sim, account, None, call.now, error=str(error.body.get("error")))
    quote = sim.market.quote(ticket.contract, call.now)
    refusal = limit_rejection(ticket, quote, sim.config)
    warnings = questions_for(
        ticket, quote, sim.config, has_market_data=sim.market.has_market_data(ticket.contract.conid)
    )
    warn = "\n".join(f"{i + 1}/{q.text}" for i, q in enumerate(warnings)) or None
    return _preview(sim, account, (ticket, quote), call.now, error=refusal, warn=warn)


def _preview(
    sim: SimulatorState,
    account: str,
    order: tuple[OrderTicket, Quote] | None,
    now: float,
    *,
    error: str | None = None,
    warn: str | None = None,
) -> dict[str, Any]:
    balances = Balances(sim.portfolio.cash[account], sim.portfolio.totals(account, now))
    amount = commission = change = held = 0.0
    shares = ""
    if order is not None:
        ticket, quote = order
        amount = ticket.quantity * ticket.reference_price(quote)
        commission = max(1.0, 0.005 * ticket.quantity)
        change = ticket.sign * ticket.quantity
        holding = sim.portfolio.holding(account, ticket.contract.conid)
        held = holding.quantity if holding else 0.0
        shares = f" ({ticket.quantity:g} Shares)"
    initial = 0.5 * amount
    maintenance = 0.25 * amount

    def triple(current: float, delta: float) -> dict[str, str]:
        return {
            "current": f"{current:,.0f}",
            "change": f"{delta:,.0f}",
            "after": f"{current + delta:,.0f}",
        }

    return {
        "amount": {
            "amount": f"{amount:,.2f} USD{shares}",
            "commission": f"{commission:g} USD",
            "total": f"{amount + commission:,.2f} USD",
        },
        "equity": triple(balances.net_liquidation, -commission),
        "initial": triple(balances.initial_margin, initial),
        "maintenance": triple(balances.maintenance_margin, maintenance),
        "position": {
            "current": f"{held:g}",
            "change": f"{change:g}",
            "after": f"{held + change:g}",
        },
        "warn": warn,
        "error": error,
    }


async def order_status(call: Call) -> Any:
    text = call.path_param("orderId")
    order = call.sim.orders.orders.get(int(text)) if text.isdigit() else None
    if order is None:
        raise GatewayError(400, {"error": f"OrderID {text} doesn't exist", "statusCode": 400})
    return call.sim.orders.status(order)


def _status_key(status: str) -> str:
    return status.replace("_", "").replace(" ", "").lower()


async def live_orders(call: Call) -> Any:
    sim = call.sim
    if call.query_flag("force"):
        return {"orders": [], "snapshot": False}
    if sim.config.live_orders_preflight and not sim.session.live_orders_primed:
        sim.session.live_orders_primed = True
        return {"orders": [], "snapshot": False}
    filters = {_status_key(f) for f in id_list(call.query("filters"))}
    by_time = "sortbytime" in filters
    filters.discard("sortbytime")
    session = sim.session.generation if sim.config.live_orders_scope == "session" else None
    orders = [
        o
        for o in sim.orders.orders.values()
        if (not filters or _status_key(o.status) in filters)
        and (session is None or o.session == session)
        and o.visible_at <= call.now
    ]
    if by_time:
        orders.sort(key=lambda o: o.updated_at, reverse=True)
    return {"orders": [sim.orders.live_order(o) for o in orders], "snapshot": True}


async def trades(call: Call) -> Any:
    """Executions of the last `days` days (today only without it), newest first."""
    text = call.query("days", "")
    try:
        days = int(text) if text else 0
    except ValueError:
        raise bad_request(f"days must be an integer, got '{text}'") from None
    if not 0 <= days <= 7:
        raise bad_request("days must be between 0 and 7")
    sim = call.sim
    since = call.now - (days + 1) * 86_400.0
    executions = [e for e in sim.orders.executions if e.time >= since]
    executions.sort(key=lambda e: e.time, reverse=True)
    return [sim.orders.trade(e) for e in executions]


async def suppress(call: Call) -> Any:
    ids = call.json_object().get("messageIds")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad_request('the body must be {"messageIds": ["o163", ...]}')
    if len(ids) > MAX_SUPPRESSED:
        raise bad_request(f"at most {MAX_SUPPRESSED} message ids can be suppressed")
    call.sim.session.suppressed.update(ids)
    return {"status": "submitted"}


async def suppress_reset(call: Call) -> Any:
    call.sim.session.suppressed.clear()
    return {"status": "submitted"}


ROUTES: tuple[ApiRoute, ...] = (
    iserver_route("POST", "/iserver/account/{accountId}/orders", place_orders),
    iserver_route("POST", "/iserver/account/{accountId}/orders/whatif", whatif),
    ApiRoute("POST", "/iserver/reply/{replyId}", reply),
    iserver_route("POST", "/iserver/account/{accountId}/order/{orderId}", modify_order),
    iserver_route("DELETE", "/iserver/account/{accountId}/order/{orderId}", cancel_order),
    ApiRoute("GET", "/iserver/account/order/status/{orderId}", order_status),
    iserver_route("GET", "/iserver/account/orders", live_orders),
    iserver_route("GET", "/iserver/account/trades", trades),
    ApiRoute("POST", "/iserver/questions/suppress", suppress),
    ApiRoute("POST", "/iserver/questions/suppress/reset", suppress_reset),
)
