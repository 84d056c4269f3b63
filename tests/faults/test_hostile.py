"""Every public method, against hostile answers and hostile input: only ``IBKRError`` escapes.

*Answers*: the gateway answers every request of a call with one drawn answer: random JSON of the
right and wrong shapes (the field names the client reads, and others), huge numbers, NaN and
infinities, nulls, deep nesting, numbers too long to parse, bodies cut short, HTML, error statuses.

*Inputs*: each argument of each method in turn gets a hostile value (``"."``, ``".."``, ``""``,
huge ids, NaN, wrong types, objects) while the others stay valid. Ids are checked before anything
is sent: no request path ever carries a ``.``, ``..`` or empty segment.

A call may succeed; what it may not do is raise anything but an ``IBKRError`` (a cancelled task
aside), or hang.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibkr_webapi import (
    Bracket,
    IBKRClient,
    Order,
    OrderPrompt,
    PlacedBracket,
    PlacedOrder,
    PreflightPolicy,
    PriceCondition,
    RateLimitPolicy,
    RetryPolicy,
    errors,
)
from ibkr_webapi.resources._base import Resource

from .harness import AAPL, ACCOUNT, FIGURES, IBM, TLS

pytestmark = pytest.mark.faults

Call = Callable[[IBKRClient], Awaitable[object]]
ORDER = Order(conid=AAPL, side="BUY", quantity=1, order_type="LMT", price=150.0, c_oid="h-1")
NAMESPACES = ("session", "accounts", "portfolio", "market", "contracts", "orders")
NAMESPACES += ("events",)
# Scanner, watchlists, alerts and FYI notifications (issue 11).
NAMESPACES += ("scanner", "watchlists", "alerts", "notifications")
# Accounts area: financial-advisor allocation and the Portfolio Analyst (issue 11).
NAMESPACES += ("advisor", "analyst")
PRICE = PriceCondition(conid=AAPL, operator=">=", price=200.0)
BRACKET = Bracket(entry=ORDER.evolve(c_oid="h-b"), take_profit=160.0, stop_loss=140.0)
GROUP = [ORDER.evolve(c_oid="h-g1"), ORDER.evolve(c_oid="h-g2", conid=IBM)]
PLACED = PlacedBracket(
    parent=PlacedOrder(order_id=7, order_status="Submitted", c_oid="h-b"),
    take_profit=PlacedOrder(order_id=8, order_status="PreSubmitted", c_oid="h-b-tp"),
    stop_loss=PlacedOrder(order_id=9, order_status="PreSubmitted", c_oid="h-b-sl"),
)
PROMPT = OrderPrompt(
    order_id=7,
    req_id="12",
    text="The price is far from the market",
    options=("Use on this order", "Do not use"),
    message_id="p12",
    c_oids=("h-p",),
)


async def _drain(items: AsyncIterator[object]) -> list[object]:
    return [item async for item in items]


# Every public call with valid arguments: "name" is the method on the client, "ns.name" on a
# namespace. A test below checks that nothing public is missing from this table.
CALLS: dict[str, Call] = {
    "auth_status": lambda ib: ib.auth_status(),
    "tickle": lambda ib: ib.tickle(),
    "open_brokerage_session": lambda ib: ib.open_brokerage_session(),
    "logout": lambda ib: ib.logout(),
    "validate_sso": lambda ib: ib.validate_sso(),
    "portfolio_accounts": lambda ib: ib.portfolio_accounts(),
    "positions_page": lambda ib: ib.positions_page(ACCOUNT, 0),
    "positions": lambda ib: _drain(ib.positions(ACCOUNT)),
    "all_positions": lambda ib: ib.all_positions(ACCOUNT, concurrency=2),
    "position": lambda ib: ib.position(ACCOUNT, AAPL),
    "account_summary": lambda ib: ib.account_summary(ACCOUNT),
    "ledger": lambda ib: ib.ledger(ACCOUNT),
    "pnl": lambda ib: ib.pnl(),
    "snapshot": lambda ib: ib.snapshot([AAPL, IBM], ["last_price", "bid_price", 84]),
    "history": lambda ib: ib.history(AAPL, period="1d", bar="5min"),
    "unsubscribe": lambda ib: ib.unsubscribe(AAPL),
    "unsubscribe_all": lambda ib: ib.unsubscribe_all(),
    "search_contracts": lambda ib: ib.search_contracts("AAPL", sec_type="STK"),
    "contract_info": lambda ib: ib.contract_info(AAPL),
    "secdef_info": lambda ib: ib.secdef_info(AAPL, "OPT", month="JAN25", strike=150.0),
    "place_order": lambda ib: ib.place_order(ACCOUNT, ORDER, confirm=True, resend_if_missing=True),
    "modify_order": lambda ib: ib.modify_order(ACCOUNT, 1370093240, ORDER, confirm=True),
    "cancel_order": lambda ib: ib.cancel_order(ACCOUNT, 1370093240),
    "preview_order": lambda ib: ib.preview_order(ACCOUNT, ORDER),
    "order_status": lambda ib: ib.order_status(1370093240),
    "live_orders": lambda ib: ib.live_orders(filters=["Submitted"], force=True),
    "trades": lambda ib: ib.trades(days=2),
    "suppress_questions": lambda ib: ib.suppress_questions(["o163", "o354"]),
    "reset_suppressed_questions": lambda ib: ib.reset_suppressed_questions(),
    "session.status": lambda ib: ib.session.status(),
    "session.tickle": lambda ib: ib.session.tickle(),
    "session.open_brokerage_session": lambda ib: ib.session.open_brokerage_session(compete=False),
    "session.logout": lambda ib: ib.session.logout(),
    "session.validate_sso": lambda ib: ib.session.validate_sso(),
    "session.reopen": lambda ib: ib.session.reopen(),
    "session.keepalive_tick": lambda ib: ib.session.keepalive_tick(),
    "accounts.__call__": lambda ib: ib.accounts(),
    "accounts.portfolio": lambda ib: ib.accounts.portfolio(),
    "accounts.switch": lambda ib: ib.accounts.switch(ACCOUNT),
    "accounts.search": lambda ib: ib.accounts.search("U12"),
    "accounts.set_dynamic": lambda ib: ib.accounts.set_dynamic(ACCOUNT),
    "accounts.owners": lambda ib: ib.accounts.owners(account_id=ACCOUNT),
    "accounts.summary": lambda ib: ib.accounts.summary(account_id=ACCOUNT),
    "accounts.available_funds": lambda ib: ib.accounts.available_funds(account_id=ACCOUNT),
    "accounts.balances": lambda ib: ib.accounts.balances(account_id=ACCOUNT),
    "accounts.margins": lambda ib: ib.accounts.margins(account_id=ACCOUNT),
    "accounts.market_value": lambda ib: ib.accounts.market_value(account_id=ACCOUNT),
    "accounts.subaccounts": lambda ib: ib.accounts.subaccounts(),
    "accounts.subaccounts_page": lambda ib: ib.accounts.subaccounts_page(1),
    "accounts.all_subaccounts": lambda ib: _drain(ib.accounts.all_subaccounts()),
    "accounts.meta": lambda ib: ib.accounts.meta(account_id=ACCOUNT),
    "accounts.allocation": lambda ib: ib.accounts.allocation(account_id=ACCOUNT, model="m"),
    "accounts.combined_allocation": lambda ib: ib.accounts.combined_allocation([ACCOUNT]),
    "accounts.positions_by_conid": lambda ib: ib.accounts.positions_by_conid(AAPL),
    "accounts.invalidate_positions": lambda ib: ib.accounts.invalidate_positions(
        account_id=ACCOUNT
    ),
    "accounts.combo_positions": lambda ib: ib.accounts.combo_positions(
        account_id=ACCOUNT, fresh=True
    ),
    "advisor.allocation_accounts": lambda ib: ib.advisor.allocation_accounts(),
    "advisor.groups": lambda ib: ib.advisor.groups(),
    "advisor.group": lambda ib: ib.advisor.group("Core"),
    "advisor.add_group": lambda ib: ib.advisor.add_group("Core", {ACCOUNT: 100}, method="P"),
    "advisor.modify_group": lambda ib: ib.advisor.modify_group(
        "Core", [ACCOUNT], method="E", new_name="Even"
    ),
    "advisor.delete_group": lambda ib: ib.advisor.delete_group("Core"),
    "advisor.presets": lambda ib: ib.advisor.presets(),
    "advisor.set_presets": lambda ib: ib.advisor.set_presets(strict_credit_check=True),
    "advisor.models": lambda ib: ib.advisor.models(),
    "advisor.model_summary": lambda ib: ib.advisor.model_summary("Tech"),
    "advisor.model_holdings": lambda ib: ib.advisor.model_holdings("Tech"),
    "advisor.model_accounts": lambda ib: ib.advisor.model_accounts("Tech"),
    "advisor.invested_accounts": lambda ib: ib.advisor.invested_accounts("Tech"),
    "advisor.model_presets": lambda ib: ib.advisor.model_presets(),
    "advisor.save_model_presets": lambda ib: ib.advisor.save_model_presets(keepModelOpen=True),
    "advisor.save_model": lambda ib: ib.advisor.save_model(
        "Tech", description="d", positions={AAPL: 0.9}, cash={"USD": 0.1}
    ),
    "advisor.invest": lambda ib: ib.advisor.invest("Tech", {ACCOUNT: 1000}),
    "advisor.submit_transfers": lambda ib: ib.advisor.submit_transfers(1001),
    "analyst.performance": lambda ib: ib.analyst.performance("1M", account_ids=[ACCOUNT]),
    "analyst.all_periods": lambda ib: ib.analyst.all_periods(account_ids=ACCOUNT),
    "analyst.summary": lambda ib: ib.analyst.summary(account_ids=[ACCOUNT]),
    "analyst.transactions": lambda ib: ib.analyst.transactions(AAPL, account_ids=[ACCOUNT]),
    "portfolio.positions_page": lambda ib: ib.portfolio.positions_page(1, account_id=ACCOUNT),
    "portfolio.positions": lambda ib: _drain(ib.portfolio.positions(account_id=ACCOUNT)),
    "portfolio.all_positions": lambda ib: ib.portfolio.all_positions(account_id=ACCOUNT),
    "portfolio.position": lambda ib: ib.portfolio.position(AAPL, account_id=ACCOUNT),
    "portfolio.summary": lambda ib: ib.portfolio.summary(account_id=ACCOUNT),
    "portfolio.ledger": lambda ib: ib.portfolio.ledger(account_id=ACCOUNT),
    "portfolio.pnl": lambda ib: ib.portfolio.pnl(),
    "market.snapshot": lambda ib: ib.market.snapshot(AAPL),
    "market.history": lambda ib: ib.market.history(
        AAPL, period="2d", bar="1h", start_time=datetime(2024, 4, 8, tzinfo=UTC), source="Midpoint"
    ),
    "market.unsubscribe": lambda ib: ib.market.unsubscribe(IBM),
    "market.unsubscribe_all": lambda ib: ib.market.unsubscribe_all(),
    "contracts.search": lambda ib: ib.contracts.search("IBM", name=True),
    "contracts.info": lambda ib: ib.contracts.info(IBM),
    "contracts.secdef_info": lambda ib: ib.contracts.secdef_info(IBM, "FUT", exchange="CME"),
    "contracts.info_and_rules": lambda ib: ib.contracts.info_and_rules(AAPL),
    "contracts.rules": lambda ib: ib.contracts.rules(AAPL, is_buy=False, modify_order_id=7),
    "contracts.algos": lambda ib: ib.contracts.algos(AAPL, algos=["Adaptive"], parameters=True),
    "contracts.strikes": lambda ib: ib.contracts.strikes(AAPL, "JAN25"),
    "contracts.option_chain": lambda ib: ib.contracts.option_chain(
        "AAPL", expiry="20250117", strikes=(140, 160), right="C"
    ),
    "contracts.futures": lambda ib: ib.contracts.futures(["ES", "NQ"]),
    "contracts.stocks": lambda ib: ib.contracts.stocks("AAPL"),
    "contracts.security_definitions": lambda ib: ib.contracts.security_definitions([AAPL, IBM]),
    "contracts.trading_schedule": lambda ib: ib.contracts.trading_schedule(AAPL),
    "contracts.exchange_schedules": lambda ib: ib.contracts.exchange_schedules("AAPL"),
    "contracts.currency_pairs": lambda ib: ib.contracts.currency_pairs("USD"),
    "contracts.exchange_rate": lambda ib: ib.contracts.exchange_rate("USD", "EUR"),
    "contracts.bond_filters": lambda ib: ib.contracts.bond_filters("e1359061"),
    "contracts.exchange_contracts": lambda ib: ib.contracts.exchange_contracts("NASDAQ"),
    "market.hmds_history": lambda ib: ib.market.hmds_history(AAPL, bar_type="Bid", direction=-1),
    "market.regulatory_snapshot": lambda ib: ib.market.regulatory_snapshot(AAPL, accept_fee=True),
    "events.categories": lambda ib: ib.events.categories(),
    "events.market": lambda ib: ib.events.market(700),
    "events.details": lambda ib: ib.events.details(701),
    "events.rules": lambda ib: ib.events.rules(701),
    "events.schedule": lambda ib: ib.events.schedule(701),
    "orders.place": lambda ib: ib.orders.place(ORDER.evolve(c_oid="h-2"), account_id=ACCOUNT),
    "orders.modify": lambda ib: ib.orders.modify(7, ORDER, account_id=ACCOUNT),
    "orders.cancel": lambda ib: ib.orders.cancel("7", account_id=ACCOUNT),
    "orders.preview": lambda ib: ib.orders.preview(ORDER, account_id=ACCOUNT),
    "orders.status": lambda ib: ib.orders.status("7"),
    "orders.live": lambda ib: ib.orders.live(),
    "orders.trades": lambda ib: ib.orders.trades(),
    "orders.suppress_questions": lambda ib: ib.orders.suppress_questions(["o10151"]),
    "orders.reset_suppressed_questions": lambda ib: ib.orders.reset_suppressed_questions(),
    "session.reauthenticate": lambda ib: ib.session.reauthenticate(),
    "scanner.parameters": lambda ib: ib.scanner.parameters(refresh=True),
    "scanner.run": lambda ib: ib.scanner.run("TOP_PERC_GAIN", filters={"priceAbove": 5}),
    "watchlists.list": lambda ib: ib.watchlists.list(user_only=True),
    "watchlists.get": lambda ib: ib.watchlists.get("1234"),
    "watchlists.create": lambda ib: ib.watchlists.create("Tech", [AAPL, IBM], watchlist_id=1234),
    "watchlists.delete": lambda ib: ib.watchlists.delete(1234),
    "alerts.list": lambda ib: ib.alerts.list(account_id=ACCOUNT),
    "alerts.get": lambda ib: ib.alerts.get(1408549185),
    "alerts.mta": lambda ib: ib.alerts.mta(),
    "alerts.create": lambda ib: ib.alerts.create("AAPL up", PRICE, account_id=ACCOUNT),
    "alerts.modify": lambda ib: ib.alerts.modify(7, "AAPL up", [PRICE], account_id=ACCOUNT),
    "alerts.activate": lambda ib: ib.alerts.activate(7, account_id=ACCOUNT),
    "alerts.deactivate": lambda ib: ib.alerts.deactivate(7, account_id=ACCOUNT),
    "alerts.delete": lambda ib: ib.alerts.delete(7, account_id=ACCOUNT),
    "alerts.delete_all": lambda ib: ib.alerts.delete_all(account_id=ACCOUNT),
    "notifications.unread_count": lambda ib: ib.notifications.unread_count(),
    "notifications.list": lambda ib: ib.notifications.list(limit=5, include=["PF"]),
    "notifications.iterate": lambda ib: _drain(ib.notifications.iterate(max_items=25)),
    "notifications.mark_read": lambda ib: ib.notifications.mark_read("2026112700000005"),
    "notifications.settings": lambda ib: ib.notifications.settings(),
    "notifications.set_setting": lambda ib: ib.notifications.set_setting("PF", enabled=False),
    "notifications.disclaimer": lambda ib: ib.notifications.disclaimer("PF"),
    "notifications.mark_disclaimer_read": lambda ib: ib.notifications.mark_disclaimer_read("PF"),
    "notifications.delivery_options": lambda ib: ib.notifications.delivery_options(),
    "notifications.set_email_delivery": lambda ib: ib.notifications.set_email_delivery(True),
    "notifications.set_device_delivery": lambda ib: ib.notifications.set_device_delivery(
        "dev-1", enabled=True, device_name="Phone"
    ),
    "notifications.delete_device": lambda ib: ib.notifications.delete_device("dev-1"),
    "orders.bracket": lambda ib: ib.orders.bracket(BRACKET, account_id=ACCOUNT, confirm=True),
    "orders.oca": lambda ib: ib.orders.oca(GROUP, account_id=ACCOUNT, resend_if_missing=True),
    "orders.place_many": lambda ib: ib.orders.place_many(GROUP, account_id=ACCOUNT),
    "orders.bracket_status": lambda ib: ib.orders.bracket_status(PLACED),
    "orders.cancel_bracket": lambda ib: ib.orders.cancel_bracket(PLACED, account_id=ACCOUNT),
    "orders.modify_bracket": lambda ib: ib.orders.modify_bracket(
        PLACED, BRACKET.evolve(stop_loss=141.0), account_id=ACCOUNT, confirm=True
    ),
    "orders.answer_prompt": lambda ib: ib.orders.answer_prompt(PROMPT, "Use on this order"),
}

# -- hostile answers ---------------------------------------------------------------------------

FIELD_NAMES = [
    "orders", "snapshot", "order_id", "order_status", "orderId", "order_ref", "status", "id",
    "message", "messageIds", "error", "accounts", "selectedAccount", "sessionId", "conid",
    "authenticated", "connected", "competing", "session", "iserver", "authStatus", "upnl", "data",
    "symbol", "31", "84", "86", "6509", "serverInfo", "execution_id", "trade_time_r", "price",
    "size", "amount", "equity", "initial", "maintenance", "warn", "msg", "acct", "totalSize",
    "lastExecutionTime_r", "position", "mktPrice", "avgCost", "RESULT", "EXPIRES", "ssoExpires",
    "userId", "aliases", "acctProps", "t", "o", "c", "h", "l", "v", "sections", "companyName",
    "con_id", "local_order_id", "parent_order_id", "success", "unsubscribed", "cum_fill",
    "contracts", "scan_type_list", "instrument_list", "location_tree", "user_lists", "instruments",
    "alert_name", "alert_active", "conditions", "condition_type", "expire_time", "BN", "ID", "D",
    "FC", "MS", "E", "M", "V", "P", "R", "deleted", "text",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "None", "1370093240", "-1", "1e999", "NaN", "Filled", "Submitted"]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), inner, max_size=6)
    ),
    max_leaves=24,
)
RAW_BODIES = [
    b"",
    b"null",
    b"<html><body>502 Bad Gateway</body></html>",
    b'[{"order_id": "13',
    b"[" * 60_000 + b"]" * 60_000,
    b'{"a":' * 30_000 + b"1" + b"}" * 30_000,
    b'{"conid": ' + b"9" * 6_000 + b"}",
    b'[{"orderId": ' + b"9" * 5_000 + b', "order_ref": "h-1"}]',
    b"\xff\xfe\x00garbage",
    b'{"orders": [{"orderId": 1e400}], "snapshot": true}',
]
STATUSES = st.sampled_from([200] * 8 + [204, 302, 400, 401, 404, 409, 418, 429, 500, 503])


@st.composite
def answers(draw: st.DrawFn) -> tuple[int, bytes]:
    status = draw(STATUSES)
    if draw(st.integers(0, 5)) == 0:
        return status, draw(st.sampled_from(RAW_BODIES))
    return status, json.dumps(draw(JSON_VALUES), allow_nan=True).encode()


class Hostile(httpx.AsyncBaseTransport):
    """Answers every request with one given answer; notes every path it was asked for."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.raw_path.decode("ascii", "replace"))
        return httpx.Response(
            self.status, content=self.body, headers={"content-type": "application/json"}
        )


def _client(transport: httpx.AsyncBaseTransport) -> IBKRClient:
    ib = IBKRClient(
        "https://gw.test/v1/api",
        transport=transport,
        verify=TLS,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        retry=RetryPolicy(max_retries=1, initial_delay=0.0, max_delay=0.0, max_rate_limit_wait=0),
        preflight=PreflightPolicy(max_polls=3, interval=0.0),
        reauth_timeout=0.02,
        reauth_poll_interval=0.005,
    )
    ib.orders.flow.settle_delay = 0.0
    return ib


async def _outcome(call: Call, transport: httpx.AsyncBaseTransport) -> BaseException | None:
    """Run one call on a fresh client; the exception it raised, if any (hangs fail the test)."""
    async with _client(transport) as ib:
        try:
            await asyncio.wait_for(call(ib), timeout=60)
        except errors.IBKRError:
            return None
        except Exception as exc:  # an untyped exception: the finding this suite exists for
            return exc
    return None


def _check_paths(name: str, paths: list[str]) -> None:
    for path in paths:
        segments = path.split("?")[0].split("/")[1:]
        assert not {".", "..", ""} & set(segments), f"{name} sent {path!r}"


@pytest.mark.parametrize("name", sorted(CALLS))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(answer=answers())
def test_hostile_answers_raise_only_ibkr_errors(name: str, answer: tuple[int, bytes]) -> None:
    transport = Hostile(*answer)
    escaped = asyncio.run(_outcome(CALLS[name], transport))
    FIGURES.other["hostile answers"] = FIGURES.other.get("hostile answers", 0) + 1
    assert escaped is None, f"{name} with HTTP {answer[0]} {answer[1][:120]!r}: {escaped!r}"


# -- hostile inputs ----------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=16),
    st.sampled_from(
        [
            *(".", "..", "", " ", "/", "a/b", "%2e%2e", "../../x", "1" * 40, "U1234567/.."),
            *("\x00", "\uff11\uff12\uff13", "1.5", "-1", "0", "U1234567", "265598", "o163"),
            *("Submitted", "1d", "5min"),
        ]
    ),
    st.binary(max_size=6),
    st.lists(st.one_of(st.integers(), st.text(max_size=4), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(object()),
    st.just(math.nan),
    st.just(datetime(2024, 1, 1)),  # naive
)

ORDER_FIELDS = (
    *("side", "conid", "quantity", "order_type", "price", "aux_price", "tif", "c_oid"),
    *("conidex", "sec_type", "listing_exchange", "outside_rth", "cash_qty", "trailing_amt"),
    *("trailing_type", "parent_id", "is_single_group", "use_adaptive", "is_ccy_conv"),
    *("allocation_method", "strategy", "strategy_parameters", "ticker", "referrer"),
)

# For each call, its arguments one by one: a call with that argument replaced.
Arg = Callable[[IBKRClient, Any], Awaitable[object]]
ARGS: dict[str, dict[str, Arg]] = {
    "auth_status": {"recover": lambda ib, v: ib.auth_status(recover=v)},
    "open_brokerage_session": {"compete": lambda ib, v: ib.open_brokerage_session(compete=v)},
    "positions_page": {
        "account_id": lambda ib, v: ib.positions_page(v, 0),
        "page": lambda ib, v: ib.positions_page(ACCOUNT, v),
        "sort": lambda ib, v: ib.positions_page(ACCOUNT, 0, sort=v),
        "direction": lambda ib, v: ib.positions_page(ACCOUNT, 0, direction=v),
        "model": lambda ib, v: ib.positions_page(ACCOUNT, 0, model=v),
    },
    "positions": {
        "account_id": lambda ib, v: _drain(ib.positions(v)),
        "concurrency": lambda ib, v: _drain(ib.positions(ACCOUNT, concurrency=v)),
        "on_page": lambda ib, v: _drain(ib.positions(ACCOUNT, on_page=v)),
        "sort": lambda ib, v: _drain(ib.positions(ACCOUNT, sort=v)),
    },
    "all_positions": {
        "account_id": lambda ib, v: ib.all_positions(v),
        "concurrency": lambda ib, v: ib.all_positions(ACCOUNT, concurrency=v),
    },
    "position": {
        "account_id": lambda ib, v: ib.position(v, AAPL),
        "conid": lambda ib, v: ib.position(ACCOUNT, v),
    },
    "account_summary": {"account_id": lambda ib, v: ib.account_summary(v)},
    "ledger": {"account_id": lambda ib, v: ib.ledger(v)},
    "snapshot": {
        "conids": lambda ib, v: ib.snapshot(v),
        "fields": lambda ib, v: ib.snapshot(AAPL, v),
        "max_polls": lambda ib, v: ib.snapshot(AAPL, max_polls=v),
    },
    "history": {
        "conid": lambda ib, v: ib.history(v),
        "period": lambda ib, v: ib.history(AAPL, period=v),
        "bar": lambda ib, v: ib.history(AAPL, bar=v),
        "exchange": lambda ib, v: ib.history(AAPL, exchange=v),
        "start_time": lambda ib, v: ib.history(AAPL, start_time=v),
        "outside_rth": lambda ib, v: ib.history(AAPL, outside_rth=v),
        "source": lambda ib, v: ib.history(AAPL, source=v),
    },
    "unsubscribe": {"conid": lambda ib, v: ib.unsubscribe(v)},
    "search_contracts": {
        "symbol": lambda ib, v: ib.search_contracts(v),
        "sec_type": lambda ib, v: ib.search_contracts("AAPL", sec_type=v),
        "name": lambda ib, v: ib.search_contracts("AAPL", name=v),
    },
    "contract_info": {"conid": lambda ib, v: ib.contract_info(v)},
    "secdef_info": {
        "conid": lambda ib, v: ib.secdef_info(v, "OPT"),
        "sec_type": lambda ib, v: ib.secdef_info(AAPL, v),
        "month": lambda ib, v: ib.secdef_info(AAPL, "OPT", month=v),
        "exchange": lambda ib, v: ib.secdef_info(AAPL, "OPT", exchange=v),
        "strike": lambda ib, v: ib.secdef_info(AAPL, "OPT", strike=v),
        "right": lambda ib, v: ib.secdef_info(AAPL, "OPT", right=v),
    },
    "place_order": {
        "account_id": lambda ib, v: ib.place_order(v, ORDER),
        "order": lambda ib, v: ib.place_order(ACCOUNT, v),
        "confirm": lambda ib, v: ib.place_order(ACCOUNT, ORDER, confirm=v),
        "resend_if_missing": lambda ib, v: ib.place_order(ACCOUNT, ORDER, resend_if_missing=v),
    },
    "modify_order": {
        "account_id": lambda ib, v: ib.modify_order(v, 7, ORDER),
        "order_id": lambda ib, v: ib.modify_order(ACCOUNT, v, ORDER),
        "order": lambda ib, v: ib.modify_order(ACCOUNT, 7, v),
        "confirm": lambda ib, v: ib.modify_order(ACCOUNT, 7, ORDER, confirm=v),
    },
    "cancel_order": {
        "account_id": lambda ib, v: ib.cancel_order(v, 7),
        "order_id": lambda ib, v: ib.cancel_order(ACCOUNT, v),
    },
    "preview_order": {
        "account_id": lambda ib, v: ib.preview_order(v, ORDER),
        "order": lambda ib, v: ib.preview_order(ACCOUNT, v),
    },
    "order_status": {"order_id": lambda ib, v: ib.order_status(v)},
    "live_orders": {
        "filters": lambda ib, v: ib.live_orders(filters=v),
        "force": lambda ib, v: ib.live_orders(force=v),
    },
    "trades": {"days": lambda ib, v: ib.trades(days=v)},
    "suppress_questions": {"message_ids": lambda ib, v: ib.suppress_questions(v)},
    "contracts.option_chain": {
        "symbol": lambda ib, v: ib.contracts.option_chain(v),
        "conid": lambda ib, v: ib.contracts.option_chain(conid=v),
        "expiry": lambda ib, v: ib.contracts.option_chain("AAPL", expiry=v),
        "month": lambda ib, v: ib.contracts.option_chain("AAPL", month=v),
        "strikes": lambda ib, v: ib.contracts.option_chain("AAPL", strikes=v),
        "right": lambda ib, v: ib.contracts.option_chain("AAPL", right=v),
        "sec_type": lambda ib, v: ib.contracts.option_chain("AAPL", sec_type=v),
        "exchange": lambda ib, v: ib.contracts.option_chain("AAPL", exchange=v),
        "max_strikes": lambda ib, v: ib.contracts.option_chain("AAPL", max_strikes=v),
    },
    "contracts.search": {
        "method": lambda ib, v: ib.contracts.search("AAPL", method=v),
    },
    "contracts.rules": {
        "is_buy": lambda ib, v: ib.contracts.rules(AAPL, is_buy=v),
        "modify_order_id": lambda ib, v: ib.contracts.rules(AAPL, modify_order_id=v),
    },
    "contracts.algos": {
        "algos": lambda ib, v: ib.contracts.algos(AAPL, algos=v),
        "descriptions": lambda ib, v: ib.contracts.algos(AAPL, descriptions=v),
    },
    "contracts.strikes": {
        "month": lambda ib, v: ib.contracts.strikes(AAPL, v),
        "sec_type": lambda ib, v: ib.contracts.strikes(AAPL, "JAN25", sec_type=v),
    },
    "contracts.secdef_info": {
        "issuer_id": lambda ib, v: ib.contracts.secdef_info(AAPL, "BOND", issuer_id=v),
        "filters": lambda ib, v: ib.contracts.secdef_info(AAPL, "BOND", filters=v),
    },
    "contracts.futures": {"symbols": lambda ib, v: ib.contracts.futures(v)},
    "contracts.stocks": {"symbols": lambda ib, v: ib.contracts.stocks(v)},
    "contracts.security_definitions": {
        "conids": lambda ib, v: ib.contracts.security_definitions(v)
    },
    "contracts.trading_schedule": {
        "conid": lambda ib, v: ib.contracts.trading_schedule(v),
        "exchange": lambda ib, v: ib.contracts.trading_schedule(AAPL, exchange=v),
    },
    "contracts.exchange_schedules": {
        "symbol": lambda ib, v: ib.contracts.exchange_schedules(v),
        "asset_class": lambda ib, v: ib.contracts.exchange_schedules("AAPL", v),
        "exchange_filter": lambda ib, v: ib.contracts.exchange_schedules("AAPL", exchange_filter=v),
    },
    "contracts.currency_pairs": {"currency": lambda ib, v: ib.contracts.currency_pairs(v)},
    "contracts.exchange_rate": {"source": lambda ib, v: ib.contracts.exchange_rate(v, "EUR")},
    "contracts.bond_filters": {"issuer_id": lambda ib, v: ib.contracts.bond_filters(v)},
    "contracts.exchange_contracts": {
        "exchange": lambda ib, v: ib.contracts.exchange_contracts(v),
        "asset_class": lambda ib, v: ib.contracts.exchange_contracts("NYSE", asset_class=v),
    },
    "market.hmds_history": {
        "bar_type": lambda ib, v: ib.market.hmds_history(AAPL, bar_type=v),
        "direction": lambda ib, v: ib.market.hmds_history(AAPL, direction=v),
        "start_time": lambda ib, v: ib.market.hmds_history(AAPL, start_time=v),
    },
    "market.regulatory_snapshot": {
        "conid": lambda ib, v: ib.market.regulatory_snapshot(v, accept_fee=True),
        "accept_fee": lambda ib, v: ib.market.regulatory_snapshot(AAPL, accept_fee=v),
    },
    "events.market": {
        "underlying_conid": lambda ib, v: ib.events.market(v),
        "exchange": lambda ib, v: ib.events.market(700, exchange=v),
    },
    "events.details": {"conid": lambda ib, v: ib.events.details(v)},
    "session.status": {"recover": lambda ib, v: ib.session.status(recover=v)},
    "portfolio.positions_page": {
        "page": lambda ib, v: ib.portfolio.positions_page(v, account_id=ACCOUNT)
    },
    "orders.place": {"account_id": lambda ib, v: ib.orders.place(ORDER, account_id=v)},
    "accounts.switch": {"account_id": lambda ib, v: ib.accounts.switch(v)},
    "accounts.search": {"pattern": lambda ib, v: ib.accounts.search(v)},
    "accounts.summary": {"account_id": lambda ib, v: ib.accounts.summary(account_id=v)},
    "accounts.subaccounts_page": {"page": lambda ib, v: ib.accounts.subaccounts_page(v)},
    "accounts.allocation": {"model": lambda ib, v: ib.accounts.allocation(model=v)},
    "accounts.combined_allocation": {
        "account_ids": lambda ib, v: ib.accounts.combined_allocation(v)
    },
    "accounts.positions_by_conid": {"conid": lambda ib, v: ib.accounts.positions_by_conid(v)},
    "accounts.combo_positions": {"fresh": lambda ib, v: ib.accounts.combo_positions(fresh=v)},
    "advisor.add_group": {
        "name": lambda ib, v: ib.advisor.add_group(v, [ACCOUNT], method="E"),
        "accounts": lambda ib, v: ib.advisor.add_group("Core", v, method="R"),
        "method": lambda ib, v: ib.advisor.add_group("Core", [ACCOUNT], method=v),
    },
    "advisor.modify_group": {
        "new_name": lambda ib, v: ib.advisor.modify_group("Core", [ACCOUNT], method="E", new_name=v)
    },
    "advisor.set_presets": {
        "default_method": lambda ib, v: ib.advisor.set_presets(default_method=v),
        "strict_credit_check": lambda ib, v: ib.advisor.set_presets(strict_credit_check=v),
    },
    "advisor.model_summary": {"name": lambda ib, v: ib.advisor.model_summary(v)},
    "advisor.save_model_presets": {
        "keepModelOpen": lambda ib, v: ib.advisor.save_model_presets(keepModelOpen=v),
        "cashQtyEstimateFactor": lambda ib, v: ib.advisor.save_model_presets(
            cashQtyEstimateFactor=v
        ),
    },
    "advisor.save_model": {
        "description": lambda ib, v: ib.advisor.save_model("T", description=v, positions={AAPL: 1}),
        "positions": lambda ib, v: ib.advisor.save_model("T", description="d", positions=v),
        "cash": lambda ib, v: ib.advisor.save_model(
            "T", description="d", positions={AAPL: 0.5}, cash=v
        ),
        "static": lambda ib, v: ib.advisor.save_model(
            "T", description="d", positions={AAPL: 1}, static=v
        ),
    },
    "advisor.invest": {"amounts": lambda ib, v: ib.advisor.invest("Tech", v)},
    "advisor.submit_transfers": {"instruction_id": lambda ib, v: ib.advisor.submit_transfers(v)},
    "analyst.performance": {
        "period": lambda ib, v: ib.analyst.performance(v, account_ids=[ACCOUNT]),
        "account_ids": lambda ib, v: ib.analyst.performance(account_ids=v),
    },
    "analyst.transactions": {
        "conid": lambda ib, v: ib.analyst.transactions(v, account_ids=[ACCOUNT]),
        "days": lambda ib, v: ib.analyst.transactions(AAPL, account_ids=[ACCOUNT], days=v),
        "currency": lambda ib, v: ib.analyst.transactions(AAPL, account_ids=[ACCOUNT], currency=v),
    },
    "scanner.run": {
        "scan_type": lambda ib, v: ib.scanner.run(v),
        "instrument": lambda ib, v: ib.scanner.run("TOP_PERC_GAIN", instrument=v),
        "filters": lambda ib, v: ib.scanner.run("TOP_PERC_GAIN", filters=v),
    },
    "watchlists.get": {"watchlist_id": lambda ib, v: ib.watchlists.get(v)},
    "watchlists.delete": {"watchlist_id": lambda ib, v: ib.watchlists.delete(v)},
    "watchlists.create": {
        "name": lambda ib, v: ib.watchlists.create(v, [AAPL]),
        "conids": lambda ib, v: ib.watchlists.create("Tech", v),
        "watchlist_id": lambda ib, v: ib.watchlists.create("Tech", [AAPL], watchlist_id=v),
    },
    "alerts.get": {"alert_id": lambda ib, v: ib.alerts.get(v)},
    "alerts.delete": {"alert_id": lambda ib, v: ib.alerts.delete(v, account_id=ACCOUNT)},
    "alerts.activate": {
        "alert_id": lambda ib, v: ib.alerts.activate(v, account_id=ACCOUNT),
        "account_id": lambda ib, v: ib.alerts.activate(7, account_id=v),
    },
    "alerts.create": {
        "name": lambda ib, v: ib.alerts.create(v, PRICE, account_id=ACCOUNT),
        "conditions": lambda ib, v: ib.alerts.create("x", v, account_id=ACCOUNT),
        "message": lambda ib, v: ib.alerts.create("x", PRICE, message=v, account_id=ACCOUNT),
        "email": lambda ib, v: ib.alerts.create("x", PRICE, email=v, account_id=ACCOUNT),
        "expires": lambda ib, v: ib.alerts.create("x", PRICE, expires=v, account_id=ACCOUNT),
        "combine": lambda ib, v: ib.alerts.create("x", [PRICE], combine=v, account_id=ACCOUNT),
    },
    "notifications.list": {
        "limit": lambda ib, v: ib.notifications.list(limit=v),
        "include": lambda ib, v: ib.notifications.list(include=v),
        "before": lambda ib, v: ib.notifications.list(before=v),
    },
    "notifications.mark_read": {"notification_id": lambda ib, v: ib.notifications.mark_read(v)},
    "notifications.set_setting": {
        "type_code": lambda ib, v: ib.notifications.set_setting(v, enabled=True),
        "enabled": lambda ib, v: ib.notifications.set_setting("PF", enabled=v),
    },
    "notifications.disclaimer": {"type_code": lambda ib, v: ib.notifications.disclaimer(v)},
    "notifications.set_device_delivery": {
        "device_id": lambda ib, v: ib.notifications.set_device_delivery(v, enabled=True),
        "device_name": lambda ib, v: ib.notifications.set_device_delivery(
            "dev-1", enabled=True, device_name=v
        ),
    },
    "notifications.delete_device": {"device_id": lambda ib, v: ib.notifications.delete_device(v)},
    "orders.bracket": {
        "bracket": lambda ib, v: ib.orders.bracket(v, account_id=ACCOUNT),
        "account_id": lambda ib, v: ib.orders.bracket(BRACKET, account_id=v),
        "confirm": lambda ib, v: ib.orders.bracket(BRACKET, account_id=ACCOUNT, confirm=v),
    },
    "orders.oca": {"orders": lambda ib, v: ib.orders.oca(v, account_id=ACCOUNT)},
    "orders.place_many": {
        "orders": lambda ib, v: ib.orders.place_many(v, account_id=ACCOUNT),
        "resend_if_missing": lambda ib, v: ib.orders.place_many(
            GROUP, account_id=ACCOUNT, resend_if_missing=v
        ),
    },
    "orders.bracket_status": {"bracket": lambda ib, v: ib.orders.bracket_status(v)},
    "orders.cancel_bracket": {
        "bracket": lambda ib, v: ib.orders.cancel_bracket(v, account_id=ACCOUNT)
    },
    "orders.modify_bracket": {
        "placed": lambda ib, v: ib.orders.modify_bracket(v, BRACKET, account_id=ACCOUNT),
        "bracket": lambda ib, v: ib.orders.modify_bracket(PLACED, v, account_id=ACCOUNT),
    },
    "orders.answer_prompt": {
        "prompt": lambda ib, v: ib.orders.answer_prompt(v, "Do not use"),
        "option": lambda ib, v: ib.orders.answer_prompt(PROMPT, v),
    },
    "Order": {  # the order itself, field by field
        field: (lambda f: lambda ib, v: ib.preview_order(ACCOUNT, ORDER.evolve(**{f: v})))(field)
        for field in ORDER_FIELDS
    },
}
ARG_CASES = [(name, arg) for name, args in sorted(ARGS.items()) for arg in sorted(args)]

# A valid-looking answer for whatever passes the input checks.
_OK = json.dumps({"orders": [], "snapshot": True, "accounts": [ACCOUNT]}).encode()


@pytest.mark.parametrize(("name", "arg"), ARG_CASES, ids=[f"{n}-{a}" for n, a in ARG_CASES])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=HOSTILE)
def test_hostile_inputs_raise_only_ibkr_errors(name: str, arg: str, value: object) -> None:
    transport = Hostile(200, _OK)
    call = ARGS[name][arg]
    escaped = asyncio.run(_outcome(lambda ib: call(ib, value), transport))
    FIGURES.other["hostile inputs"] = FIGURES.other.get("hostile inputs", 0) + 1
    assert escaped is None, f"{name}({arg}={value!r}): {escaped!r}"
    _check_paths(f"{name}({arg}={value!r})", transport.paths)


def test_the_tables_cover_every_public_method() -> None:
    public: set[str] = set()
    for attr, member in inspect.getmembers(IBKRClient):
        if attr.startswith("_") or attr in NAMESPACES:
            continue
        if (
            inspect.iscoroutinefunction(member)
            or inspect.isasyncgenfunction(member)
            or (inspect.isfunction(member) and attr == "positions")
        ):
            public.add(attr)
    ib = _client(Hostile(200, b"{}"))
    for namespace in NAMESPACES:
        resource = getattr(ib, namespace)
        assert isinstance(resource, Resource)
        for attr, member in inspect.getmembers(type(resource)):
            if (attr.startswith("_") and attr != "__call__") or not callable(member):
                continue
            if inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member):
                public.add(f"{namespace}.{attr}")
    public -= {"aclose", "call", "resolve_account"}  # lifecycle and plumbing
    assert public - set(CALLS) == set()
    assert set(ARGS) - set(CALLS) - {"Order"} == set()
