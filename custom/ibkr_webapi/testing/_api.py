"""Handlers of the gateway routes, and the table that says which rules each route obeys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ._accounts import (
    Balances,
    account_summary,
    iserver_accounts,
    ledger,
    partitioned_pnl,
    portfolio_accounts,
)
from ._app import ApiRoute, Call, Handler
from ._catalogue import VALID_EXCHANGES, Contract
from ._errors import GatewayError, bad_request, rejected, too_many_requests
from ._history import HistoryRequest, history
from ._market import Quote
from ._orders import OrderBook, OrderTicket, SimOrder, parse_ticket
from ._questions import PendingSubmission, Question, limit_rejection, questions_for
from ._simulator import GatewaySimulator

MAX_SUPPRESSED = 51

# ---------------------------------------------------------------- session


async def auth_status(call: Call) -> Any:
    return call.sim.session.auth_status()


async def tickle(call: Call) -> Any:
    session = call.sim.session
    session.keepalive(call.now)
    return session.tickle(call.now)


async def ssodh_init(call: Call) -> Any:
    body = call.json_object()
    session = call.sim.session
    if body.get("publish") is not True:
        raise GatewayError(
            500, {"error": 'ssodh/init needs {"publish": true, "compete": true}', "statusCode": 500}
        )
    if session.competing and body.get("compete") is not True:
        return session.auth_status()
    session.open_brokerage()
    session.keepalive(call.now)
    return session.auth_status()


async def reauthenticate(call: Call) -> Any:
    session = call.sim.session
    if not session.competing:
        session.open_brokerage()
        session.keepalive(call.now)
    return {"message": "triggered"}


async def logout(call: Call) -> Any:
    call.sim.session.logout()
    return {"status": True}


async def sso_validate(call: Call) -> Any:
    return call.sim.session.sso_validate(call.now, call.client_ip)


# ---------------------------------------------------------------- accounts and portfolio


async def get_iserver_accounts(call: Call) -> Any:
    sim = call.sim
    sim.session.iserver_accounts_seen = True
    session_id = f"{sim.session.session_token[:8]}.{sim.session.generation:08x}"
    return iserver_accounts(sim.config.accounts, session_id=session_id, paper=sim.config.paper)


async def get_portfolio_accounts(call: Call) -> Any:
    call.sim.session.portfolio_accounts_seen = True
    return portfolio_accounts(call.sim.config.accounts)


def _int_param(call: Call, name: str) -> int:
    text = call.path_param(name)
    try:
        return int(text)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got '{text}'") from None


async def positions(call: Call) -> Any:
    sim = call.sim
    return sim.portfolio.positions_page(
        call.path_param("accountId"),
        _int_param(call, "pageId"),
        sim.config.positions_page_size,
        call.now,
        sort=call.query("sort", "name") or "name",
        descending=call.query("direction", "a").lower().startswith("d"),
        model=call.query("model"),
    )


async def position(call: Call) -> Any:
    sim, account = call.sim, call.path_param("accountId")
    holding = sim.portfolio.holding(account, _int_param(call, "conid"))
    if holding is None:
        return []
    return [sim.portfolio.position_item(account, holding, call.now, sim.config.positions_page_size)]


async def summary(call: Call) -> Any:
    return account_summary(call.path_param("accountId"), call.sim.portfolio, call.now)


async def get_ledger(call: Call) -> Any:
    return ledger(
        call.path_param("accountId"), call.sim.portfolio, call.now, call.sim.session.generation
    )


async def pnl(call: Call) -> Any:
    sim = call.sim
    if sim.config.pnl_preflight and not sim.session.pnl_primed:
        sim.session.pnl_primed = True
        return {"upnl": {}}
    return partitioned_pnl(sim.portfolio, call.now)


# ---------------------------------------------------------------- market data


def _id_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


async def snapshot(call: Call) -> Any:
    sim, config = call.sim, call.sim.config
    conid_texts = _id_list(call.query("conids"))
    fields = _id_list(call.query("fields"))
    if not conid_texts:
        raise bad_request("conids is required, e.g. conids=265598,8314")
    if len(conid_texts) > config.max_snapshot_conids:
        raise bad_request(f"at most {config.max_snapshot_conids} conids per request")
    if len(fields) > config.max_snapshot_fields:
        raise bad_request(f"at most {config.max_snapshot_fields} fields per request")
    try:
        conids = [int(text) for text in conid_texts]
    except ValueError:
        raise bad_request("conids must be integers") from None
    account = config.accounts[0]
    return sim.snapshots.snapshot(
        conids,
        fields,
        call.now,
        sim.session.generation,
        lambda conid: sim.portfolio.holding(account, conid),
    )


async def unsubscribe(call: Call) -> Any:
    conid = call.json_object().get("conid")
    if not isinstance(conid, int | str) or not str(conid).isdigit():
        raise bad_request('the body must be {"conid": <integer>}')
    return {"success": call.sim.snapshots.unsubscribe(int(conid))}


async def unsubscribe_all(call: Call) -> Any:
    call.sim.snapshots.unsubscribe_all()
    return {"unsubscribed": True}


def _known_contract(call: Call, text: str) -> Contract:
    try:
        contract = call.sim.catalogue.get(int(text))
    except ValueError:
        contract = None
    if contract is None:
        raise bad_request(f"unknown conid '{text}'")
    return contract


async def market_history(call: Call) -> Any:
    sim, config = call.sim, call.sim.config
    if config.rate_limits and sim.history_in_flight >= config.history_max_concurrent:
        wait = sim.rate_limiter.punish(call.client_ip, call.now)
        raise too_many_requests(wait if config.retry_after_header else None)
    if not call.query("conid"):
        raise bad_request("conid is required")
    contract = _known_contract(call, call.query("conid"))
    request = HistoryRequest.parse(
        call.query("period", "1d"),
        call.query("bar", "1min"),
        call.query("startTime") or None,
        call.query_flag("outsideRth"),
        call.query("source", "Trades"),
    )
    sim.history_in_flight += 1
    try:
        if config.history_delay > 0:
            await asyncio.sleep(config.history_delay)
        return history(
            contract,
            request,
            sim.market,
            sim.now(),
            seed=config.seed,
            max_bars=config.max_history_bars,
        )
    finally:
        sim.history_in_flight -= 1


# ---------------------------------------------------------------- contracts


def _monthly_expiries(today: date, count: int) -> list[date]:
    """Third Fridays of the next `count` months with one still ahead."""
    expiries: list[date] = []
    year, month = today.year, today.month
    while len(expiries) < count:
        first = date(year, month, 1)
        friday = first + timedelta(days=(4 - first.weekday()) % 7 + 14)
        if friday >= today:
            expiries.append(friday)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return expiries


def _search_result(contract: Contract, now: float) -> dict[str, Any]:
    exchange = contract.listing_exchange
    result: dict[str, Any] = {
        "conid": str(contract.conid),
        "companyHeader": f"{contract.company_name} - {exchange}",
        "companyName": contract.company_name,
        "symbol": contract.symbol,
        "description": exchange,
        "restricted": None,
        "fop": None,
        "opt": None,
        "war": None,
        "sections": [{"secType": "STK"}],
    }
    if not contract.synthetic:
        expiries = _monthly_expiries(datetime.fromtimestamp(now, UTC).date(), 4)
        dates = ";".join(d.strftime("%Y%m%d") for d in expiries)
        months = ";".join(d.strftime("%b%y").upper() for d in expiries)
        result["opt"] = dates
        result["war"] = dates
        result["sections"] += [
            {"secType": "OPT", "months": months, "exchange": "SMART;AMEX;BOX;CBOE;ISE;PHLX"},
            {"secType": "WAR", "months": months, "exchange": "FWB;SWB"},
            {"secType": "CFD", "exchange": "SMART", "conid": str(contract.conid + 100_000_000)},
        ]
    return result


async def secdef_search(call: Call) -> Any:
    body = call.json_object()
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not symbol.strip():
        raise bad_request('the body must name a symbol, e.g. {"symbol": "IBM"}')
    sec_type = str(body.get("secType") or "STK").upper()
    if sec_type != "STK":
        return []
    found = call.sim.catalogue.search(symbol, by_name=bool(body.get("name")))
    return [_search_result(contract, call.now) for contract in found]


async def secdef_info(call: Call) -> Any:
    if not call.query("conid"):
        raise bad_request("conid is required")
    contract = _known_contract(call, call.query("conid"))
    if call.query("sectype", "STK").upper() != "STK":
        return []  # the simulator has no derivatives
    return [
        {
            "conid": contract.conid,
            "ticker": contract.symbol,
            "secType": contract.sec_type,
            "listingExchange": contract.listing_exchange,
            "exchange": "SMART",
            "companyName": contract.company_name,
            "currency": contract.currency,
            "validExchanges": VALID_EXCHANGES,
            "priceRendering": None,
            "maturityDate": None,
            "right": "?",
            "strike": 0.0,
        }
    ]


async def contract_info(call: Call) -> Any:
    contract = _known_contract(call, call.path_param("conid"))
    return {
        "cfi_code": "",
        "symbol": contract.symbol,
        "cusip": None,
        "expiry_full": None,
        "con_id": contract.conid,
        "maturity_date": None,
        "industry": contract.industry,
        "instrument_type": contract.sec_type,
        "trading_class": contract.symbol if contract.listing_exchange != "NASDAQ" else "NMS",
        "valid_exchanges": VALID_EXCHANGES,
        "allow_sell_long": False,
        "is_zero_commission_security": False,
        "local_symbol": contract.symbol,
        "contract_clarification_type": None,
        "classifier": None,
        "currency": contract.currency,
        "text": None,
        "underlying_con_id": 0,
        "r_t_h": True,
        "multiplier": None,
        "underlying_issuer": None,
        "contract_month": None,
        "company_name": contract.company_name,
        "smart_available": True,
        "exchange": "SMART",
        "category": contract.category,
    }


# ---------------------------------------------------------------- orders


def _quote_of(sim: GatewaySimulator, now: float) -> Callable[[Contract], Quote]:
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
    sim: GatewaySimulator,
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
    filters = {_status_key(f) for f in _id_list(call.query("filters"))}
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


# ---------------------------------------------------------------- the route table


def _iserver(method: str, path: str, handler: Handler) -> ApiRoute:
    """A brokerage route that needs GET /iserver/accounts first."""
    return ApiRoute(method, path, handler, iserver_accounts_first=True)


def _portfolio(method: str, path: str, handler: Handler) -> ApiRoute:
    """A read-only route that needs GET /portfolio/accounts first."""
    return ApiRoute(method, path, handler, tier="read_only", portfolio_accounts_first=True)


API_ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("POST", "/iserver/auth/status", auth_status, tier="public"),
    ApiRoute("POST", "/tickle", tickle, tier="read_only"),
    ApiRoute("POST", "/iserver/auth/ssodh/init", ssodh_init, tier="read_only"),
    ApiRoute("POST", "/iserver/reauthenticate", reauthenticate, tier="read_only"),
    ApiRoute("POST", "/logout", logout, tier="read_only"),
    ApiRoute("GET", "/sso/validate", sso_validate, tier="read_only"),
    ApiRoute("GET", "/iserver/accounts", get_iserver_accounts),
    ApiRoute("GET", "/portfolio/accounts", get_portfolio_accounts, tier="read_only"),
    ApiRoute("GET", "/portfolio/subaccounts", get_portfolio_accounts, tier="read_only"),
    _portfolio("GET", "/portfolio/{accountId}/positions/{pageId}", positions),
    _portfolio("GET", "/portfolio/{accountId}/position/{conid}", position),
    _portfolio("GET", "/portfolio/{accountId}/summary", summary),
    _portfolio("GET", "/portfolio/{accountId}/ledger", get_ledger),
    ApiRoute("GET", "/iserver/account/pnl/partitioned", pnl),
    _iserver("GET", "/iserver/marketdata/snapshot", snapshot),
    ApiRoute("POST", "/iserver/marketdata/unsubscribe", unsubscribe),
    ApiRoute("GET", "/iserver/marketdata/unsubscribeall", unsubscribe_all),
    ApiRoute("GET", "/iserver/marketdata/history", market_history),
    ApiRoute("POST", "/iserver/secdef/search", secdef_search),
    ApiRoute("GET", "/iserver/secdef/info", secdef_info),
    ApiRoute("GET", "/iserver/contract/{conid}/info", contract_info),
    _iserver("POST", "/iserver/account/{accountId}/orders", place_orders),
    _iserver("POST", "/iserver/account/{accountId}/orders/whatif", whatif),
    ApiRoute("POST", "/iserver/reply/{replyId}", reply),
    _iserver("POST", "/iserver/account/{accountId}/order/{orderId}", modify_order),
    _iserver("DELETE", "/iserver/account/{accountId}/order/{orderId}", cancel_order),
    ApiRoute("GET", "/iserver/account/order/status/{orderId}", order_status),
    _iserver("GET", "/iserver/account/orders", live_orders),
    _iserver("GET", "/iserver/account/trades", trades),
    ApiRoute("POST", "/iserver/questions/suppress", suppress),
    ApiRoute("POST", "/iserver/questions/suppress/reset", suppress_reset),
)
