"""Every public client method against the simulator over loopback HTTPS."""

from __future__ import annotations

import asyncio

import pytest

from ibkr_webapi import IBKRClient, Order, Question, errors
from ibkr_webapi.testing import GatewayServer

ACCOUNT = "U1234567"

AAPL, IBM, MSFT = 265598, 8314, 272093


async def test_session_calls(ib: IBKRClient) -> None:
    status = await ib.auth_status()
    assert status.authenticated is True and status.connected is True
    tickle = await ib.tickle()
    assert tickle.authenticated is True and tickle.session
    assert tickle.session not in repr(tickle)
    assert (await ib.open_brokerage_session()).authenticated is True
    sso = await ib.validate_sso()
    assert sso.valid is True and sso.user_name


async def test_accounts_and_portfolio_accounts(ib: IBKRClient) -> None:
    accounts = await ib.accounts()
    assert ACCOUNT in accounts.accounts
    assert ACCOUNT in [a.account_id for a in await ib.portfolio_accounts()]


async def test_every_position_across_three_pages_once(ib: IBKRClient) -> None:
    positions = await ib.all_positions(ACCOUNT)
    conids = [p.conid for p in positions]
    assert len(conids) == 237 and len(set(conids)) == 237
    first_page = await ib.positions_page(ACCOUNT, 0)
    assert len(first_page) == 100
    assert [p.conid async for p in ib.positions(ACCOUNT, concurrency=3)] == conids


async def test_one_position_summary_ledger_and_pnl(ib: IBKRClient) -> None:
    held = (await ib.positions_page(ACCOUNT, 0))[0]
    assert isinstance(held.conid, int)
    [position] = await ib.position(ACCOUNT, held.conid)
    assert position.conid == held.conid
    summary = await ib.account_summary(ACCOUNT)
    assert summary["accountcode"].value == ACCOUNT
    assert (summary["netliquidation"].amount or 0) > 0
    assert "BASE" in await ib.ledger(ACCOUNT)
    pnl = await ib.pnl()
    assert f"{ACCOUNT}.Core" in pnl


async def test_snapshot_through_the_preflight_with_named_fields(ib: IBKRClient) -> None:
    quotes = await ib.snapshot(
        [AAPL, IBM], fields=["last_price", "bid_price", "ask_price", "symbol"]
    )
    assert [q.conid for q in quotes] == [AAPL, IBM]
    assert quotes[0].symbol == "AAPL"
    for quote in quotes:
        assert quote.last_price is not None and quote.last_price > 0
        assert quote.bid_price is not None and quote.ask_price is not None
        assert quote.bid_price <= quote.ask_price
    assert quotes[0].model().conid == AAPL
    assert await ib.unsubscribe(AAPL) is True
    assert await ib.unsubscribe_all() is True


async def test_history_search_and_contract_details(ib: IBKRClient) -> None:
    history = await ib.history(AAPL, period="1d", bar="5min")
    assert history.bars and history.bars[0].time.tzinfo is not None
    assert all(b.low <= b.close <= b.high for b in history.bars)
    [found, *_] = await ib.search_contracts("IBM", sec_type="STK")
    assert found.conid == IBM and "STK" in found.sec_types
    info = await ib.contract_info(MSFT)
    assert info.symbol == "MSFT"
    [definition, *_] = await ib.secdef_info(MSFT, "STK")
    assert definition.conid == MSFT and definition.symbol == "MSFT"


async def test_order_with_a_question_confirmed_then_modified_listed_and_cancelled(
    ib: IBKRClient,
) -> None:
    quote = (await ib.snapshot([AAPL], fields=["last_price"]))[0]
    assert quote.last_price is not None
    seen: list[Question] = []

    def policy(question: Question) -> bool:
        seen.append(question)
        return True

    # 600 shares is over the simulator's size limit: the gateway asks o383 first.
    away = round(quote.last_price * 0.9, 2)
    order = Order(
        conid=AAPL, side="BUY", quantity=600, order_type="LMT", price=away, c_oid="it-order-1"
    )
    placed = await ib.place_order(ACCOUNT, order, confirm=policy)
    assert "o383" in [mid for q in seen for mid in q.message_ids]
    assert placed.c_oid == "it-order-1" and placed.order_id

    status = await ib.order_status(placed.order_id)
    assert status.order_id == placed.order_id
    preview = await ib.preview_order(ACCOUNT, order.evolve(c_oid=None, quantity=1))
    assert preview.amount is not None and preview.commission is not None

    modified = await ib.modify_order(
        ACCOUNT, placed.order_id, order.evolve(price=away - 1), confirm=True
    )
    assert modified.order_id == placed.order_id

    live = await ib.live_orders(force=True)
    [mine] = [o for o in live if o.c_oid == "it-order-1"]
    assert mine.order_id == placed.order_id  # one id type everywhere
    cancelled = await ib.cancel_order(ACCOUNT, placed.order_id)
    assert cancelled.message and cancelled.order_id == placed.order_id


async def test_question_declined_by_default_leaves_no_order(ib: IBKRClient) -> None:
    order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid="it-mkt-1")
    with pytest.raises(errors.OrderConfirmationRequired) as info:
        await ib.place_order(ACCOUNT, order)
    assert "o10151" in info.value.message_ids
    assert "it-mkt-1" not in [o.c_oid for o in await ib.live_orders(force=True)]


async def test_suppressed_question_is_not_asked(ib: IBKRClient) -> None:
    assert await ib.suppress_questions(["o10151"]) is True
    order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT")
    placed = await ib.place_order(ACCOUNT, order)
    assert placed.answered == ()
    assert await ib.reset_suppressed_questions() is True


async def test_limit_far_from_market_is_rejected_with_ibkr_text(ib: IBKRClient) -> None:
    quote = (await ib.snapshot([AAPL], fields=["last_price"]))[0]
    assert quote.last_price is not None
    order = Order(
        conid=AAPL, side="BUY", quantity=1, order_type="LMT", price=round(quote.last_price * 3, 2)
    )
    with pytest.raises(errors.OrderRejected) as info:
        await ib.place_order(ACCOUNT, order, confirm=True)
    assert "price" in info.value.message.lower()


async def test_expired_session_is_recovered_transparently(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    await ib.accounts()
    gateway.simulator.expire_session()
    quotes = await ib.snapshot([IBM], fields=["last_price"])
    assert quotes[0].last_price is not None
    assert (await ib.auth_status(recover=False)).authenticated is True


async def test_session_loss_under_many_concurrent_calls_reopens_once(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    await ib.accounts()
    gateway.simulator.expire_session()
    results = await asyncio.gather(
        *(ib.search_contracts(s) for s in ["AAPL", "IBM", "MSFT", "SPY"] * 3)
    )
    assert all(results)
    assert gateway.simulator.requests["POST /iserver/auth/ssodh/init"] == 1


async def test_logged_out_gateway_raises_authentication_error(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    gateway.simulator.logout()
    with pytest.raises(errors.AuthenticationError, match="log in"):
        await ib.accounts()


async def test_bad_account_id_raises_bad_request(ib: IBKRClient) -> None:
    with pytest.raises(errors.BadRequestError, match="DU999"):
        await ib.all_positions("DU999")


async def test_logout_ends_the_session(ib: IBKRClient) -> None:
    assert await ib.logout() is True
