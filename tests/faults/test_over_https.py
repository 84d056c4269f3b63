"""Lost answers over real loopback HTTPS: connections the server really aborts, paced look-ups.

The in-process tests make a dropped connection an exception inside the transport; here uvicorn
closes the socket after the gateway acted, as a crashing proxy would. And with pacing on, a look-up
waiting out the live-orders cool-down does not hold the client's gate: other calls go through.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from ibkr_webapi import (
    EndpointRule,
    IBKRClient,
    Order,
    PreflightPolicy,
    RateLimitPolicy,
    errors,
)
from ibkr_webapi.testing import serve_gateway

from .harness import AAPL, ACCOUNT, FIGURES, SETTLE_DELAY, VARIANTS, copies

pytestmark = pytest.mark.faults

ORDERS_PATH = "/iserver/account/*/orders"


@pytest.mark.parametrize("variant", ["no-guard", "session-guard"])
async def test_connections_aborted_after_the_gateway_acted_never_duplicate(variant: str) -> None:
    config = dataclasses.replace(VARIANTS[variant], rate_limits=False)
    async with serve_gateway(config, port=0, tls=True) as gateway:
        sim = gateway.simulator
        async with IBKRClient(
            gateway.url,
            verify=gateway.ca_path,
            account_id=ACCOUNT,
            keepalive=None,
            rate_limits=RateLimitPolicy.off(),
            preflight=PreflightPolicy(interval=0.01),
            reauth_poll_interval=0.01,
        ) as ib:
            ib.orders.flow.settle_delay = SETTLE_DELAY
            outcomes = []
            for n, (reset, resend) in enumerate(
                [(None, False), (None, True), ("expire", True), ("reopen", True), ("reopen", False)]
            ):
                price = round(sim.quote(AAPL).last * 0.95, 2)
                c_oid = f"https-{variant}-{n}"
                order = Order(
                    conid=AAPL, side="BUY", quantity=1, order_type="LMT", price=price, c_oid=c_oid
                )
                sim.lose_next_answer("drop", path=ORDERS_PATH, reset_session=reset)
                try:
                    placed = await ib.place_order(ACCOUNT, order, resend_if_missing=resend)
                    outcomes.append("recovered" if placed.recovered else "placed")
                    assert placed.recovered and copies(sim, c_oid) == 1
                except errors.OrderStatusUnknown as exc:
                    outcomes.append("unknown")
                    assert exc.c_oid == c_oid
                    assert reset is not None  # only a session reset hides the order
                assert copies(sim, c_oid) == 1  # the gateway acted once; never twice
    FIGURES.other[f"over HTTPS ({variant}): aborted after acting"] = len(outcomes)


async def test_paced_look_ups_leave_the_gate_to_other_calls() -> None:
    config = dataclasses.replace(VARIANTS["session-guard"], rate_limits=False)
    # The gateway's one-per-5-seconds rules, shortened to one per second to keep the test short.
    policy = (
        RateLimitPolicy()
        .with_rule(EndpointRule("GET", "/iserver/account/orders", rate="1 per 1 second"))
        .with_rule(EndpointRule("GET", "/iserver/account/trades", rate="1 per 1 second"))
    )
    async with serve_gateway(config, port=0, tls=True) as gateway:
        sim = gateway.simulator
        async with IBKRClient(
            gateway.url,
            verify=gateway.ca_path,
            account_id=ACCOUNT,
            keepalive=None,
            rate_limits=policy,
            preflight=PreflightPolicy(interval=0.01),
        ) as ib:
            await ib.accounts()
            ib.orders.flow.settle_delay = 0.05
            price = round(sim.quote(AAPL).last * 0.95, 2)
            order = Order(
                conid=AAPL, side="BUY", quantity=1, order_type="LMT", price=price, c_oid="paced-1"
            )
            sim.lose_next_answer("error", path=ORDERS_PATH)
            placing = asyncio.ensure_future(ib.place_order(ACCOUNT, order))
            while sim.requests["GET /iserver/account/orders"] < 1:  # noqa: ASYNC110 - polls the simulator
                await asyncio.sleep(0.005)  # until the look-up has begun
            # Its next live-orders read waits for the cool-down; meanwhile other calls pass.
            quotes = await ib.snapshot([AAPL], ["last_price"])
            accounts = await ib.accounts()
            done_before = placing.done()
            placed = await placing
    assert not done_before  # the other calls did not wait for the look-up
    assert quotes[0].conid == AAPL and ACCOUNT in accounts.accounts
    assert placed.recovered and placed.c_oid == "paced-1"
