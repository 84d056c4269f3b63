"""Order routes: placement (one order, brackets, OCA groups) with questions and prompts, replies,
modify, cancel, whatif (of groups too), status, live orders, trades."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._accounts import (
    Balances,
)
from .._catalogue import Contract
from .._errors import GatewayError, bad_request, rejected
from .._market import Quote
from .._orders import OrderBook, OrderTicket, SimOrder, commission_for, parse_ticket
from .._questions import (
    PendingSubmission,
    Question,
    limit_rejection,
    prompt_reason,
    questions_for,
)
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


def _check_group(call: Call, tickets: list[OrderTicket]) -> None:
    """Refuse what the gateway refuses in a submission of several orders."""
    sim = call.sim
    parent = sim.orders.unknown_parent(tickets)
    if parent is not None:
        raise rejected(f"Parent order {parent} was not found: parentId must be a parent's cOID")
    if len(tickets) < 2 or sim.config.order_groups == "any":
        return
    coids = {t.coid for t in tickets[:1] if t.coid is not None}
    bracket = all(t.parent_id is not None and t.parent_id in coids for t in tickets[1:])
    oca = all(t.single_group for t in tickets)
    if not (bracket or oca):
        raise rejected(
            "Only one order can be submitted per request, unless the orders form a bracket "
            "(children with parentId) or an OCA group (isSingleGroup)"
        )


def _prompted(call: Call, account: str, tickets: list[OrderTicket]) -> dict[str, Any] | None:
    """A refusal with a prompt, when a limit is far from the market (and prompts are on)."""
    sim = call.sim
    if sim.prompts.always_use:
        return None
    for ticket in tickets:
        if prompt_reason(ticket, sim.market.quote(ticket.contract, call.now), sim.config):
            ids = sim.orders.reserve_ids(len(tickets))
            return sim.prompts.ask(account, tickets, ids)
    return None


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
    _check_group(call, tickets)
    _duplicate(call, tickets)
    questions = _screen(call, tickets)
    prompt = _prompted(call, account, tickets)
    if prompt is not None:
        return prompt
    return _submit(call, PendingSubmission("", account, tickets, [], call.now), questions)


async def answer_prompt(call: Call) -> Any:
    """POST /iserver/notification: an option of a refusal's prompt; some resubmit the order."""
    body = call.json_object()
    sim = call.sim
    pending, resubmit = sim.prompts.take(body.get("orderId"), body.get("reqId"), body.get("text"))
    if not resubmit:
        return "Order not submitted"
    _duplicate(call, pending.tickets)
    sim.orders.place(
        pending.tickets,
        call.now,
        _quote_of(sim, call.now),
        session=sim.session.generation,
        visible_after=sim.config.live_orders_lag,
        order_ids=pending.order_ids,
    )
    return "Submitted"


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
    """The preview of one order or a group: a bracket counts its entry (the exits close it), an
    OCA group its largest order (only one fills), independent orders all."""
    sim = call.sim
    account = call.path_param("accountId")
    items = call.json_object().get("orders")
    if not isinstance(items, list) or not items:
        raise bad_request('the body must be {"orders": [ {...}, ... ]} with at least one order')
    try:
        tickets = _tickets(call, items, account)
        _check_group(call, tickets)
    except GatewayError as error:
        if error.status != 200:
            raise
        return _preview(sim, account, [], call.now, error=str(error.body.get("error")))
    refusal = None
    warnings: dict[str, Question] = {}
    for ticket in tickets:
        quote = sim.market.quote(ticket.contract, call.now)
        refusal = refusal or limit_rejection(ticket, quote, sim.config)
        has_data = sim.market.has_market_data(ticket.contract.conid)
        for question in questions_for(ticket, quote, sim.config, has_market_data=has_data):
            warnings.setdefault(question.message_id, question)
    warn = "\n".join(f"{i + 1}/{q.text}" for i, q in enumerate(warnings.values())) or None
    opening = [t for t in tickets if t.parent_id is None]
    if opening and all(t.single_group for t in opening):
        opening = [max(opening, key=lambda t: t.quantity * t.reference_price(_quote(sim, t, call)))]
    priced = [(t, _quote(sim, t, call)) for t in opening]
    return _preview(sim, account, priced, call.now, error=refusal, warn=warn)


def _quote(sim: SimulatorState, ticket: OrderTicket, call: Call) -> Quote:
    return sim.market.quote(ticket.contract, call.now)


def _preview(
    sim: SimulatorState,
    account: str,
    orders: list[tuple[OrderTicket, Quote]],
    now: float,
    *,
    error: str | None = None,
    warn: str | None = None,
) -> dict[str, Any]:
    balances = Balances(sim.portfolio.cash[account], sim.portfolio.totals(account, now))
    amount = commission = change = held = 0.0
    shares = ""
    for ticket, quote in orders:
        price = ticket.reference_price(quote)
        amount += ticket.quantity * price
        commission += commission_for(ticket.quantity, price)
        change += ticket.sign * ticket.quantity
    if len({t.contract.conid for t, _ in orders}) == 1:
        holding = sim.portfolio.holding(account, orders[0][0].contract.conid)
        held = holding.quantity if holding else 0.0
        shares = f" ({sum(t.quantity for t, _ in orders):g} Shares)"
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
            "commission": f"{round(commission, 2):g} USD",
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
    ApiRoute("POST", "/iserver/notification", answer_prompt),
    ApiRoute("POST", "/iserver/questions/suppress", suppress),
    ApiRoute("POST", "/iserver/questions/suppress/reset", suppress_reset),
)
