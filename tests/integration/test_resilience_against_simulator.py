"""Faults, rate limits and session keeping against the simulator over loopback HTTPS."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from ibkr_webapi import IBKRClient, Order, PreflightPolicy, RateLimitPolicy, RetryPolicy, errors
from ibkr_webapi.testing import GatewayServer, RateLimit, SimulatorConfig, serve_gateway

ACCOUNT = "U1234567"
AAPL = 265598


async def test_get_answered_503_twice_is_retried_and_succeeds(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    gateway.simulator.fail_next(503, count=2, path="/iserver/accounts")
    assert ACCOUNT in (await ib.accounts()).accounts


async def test_dropped_connection_on_an_order_is_unknown_by_default_and_never_resent(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    await ib.accounts()
    gateway.simulator.drop_next(path="/iserver/account/*/orders")
    order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid="it-drop-0")
    with pytest.raises(errors.OrderStatusUnknown) as info:
        await ib.place_order(ACCOUNT, order, confirm=True)
    assert info.value.c_oid == "it-drop-0"
    assert [o.c_oid for o in await ib.live_orders(force=True)].count("it-drop-0") == 0


async def test_dropped_connection_with_resend_places_the_order_exactly_once(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    ib.orders.flow.settle_delay = 0.05
    await ib.accounts()
    gateway.simulator.drop_next(path="/iserver/account/*/orders")
    order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid="it-drop-1")
    placed = await ib.place_order(ACCOUNT, order, confirm=True, resend_if_missing=True)
    assert placed.c_oid == "it-drop-1"
    live = await ib.live_orders(force=True)
    assert [o.c_oid for o in live].count("it-drop-1") == 1


async def test_order_post_answered_503_is_not_resent_blindly(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    await ib.accounts()
    gateway.simulator.fail_next(503, path="/iserver/account/*/orders")
    order = Order(conid=AAPL, side="SELL", quantity=1, order_type="MKT", c_oid="it-503-1")
    with pytest.raises(errors.OrderStatusUnknown):
        await ib.place_order(ACCOUNT, order, confirm=True)
    live = await ib.live_orders(force=True)
    assert [o.c_oid for o in live].count("it-503-1") == 0


async def test_unpaced_burst_hits_429_and_the_client_raises_rate_limit_error() -> None:
    config = SimulatorConfig(
        global_rate_limit=RateLimit(5, 1.0), penalty_box=300.0, retry_after_header=True
    )
    async with serve_gateway(config, port=0) as gw:
        async with IBKRClient(
            gw.url,
            verify=gw.ca_path,
            keepalive=None,
            rate_limits=RateLimitPolicy.off(),
            retry=RetryPolicy(max_rate_limit_wait=1.0),
        ) as ib:
            with pytest.raises(errors.RateLimitError) as info:
                for _ in range(20):
                    await ib.search_contracts("AAPL")
        assert gw.simulator.rate_limited >= 1
    assert info.value.status_code == 429


async def test_default_pacing_keeps_a_burst_out_of_the_penalty_box() -> None:
    config = SimulatorConfig(penalty_box=300.0)  # the gateway's own limits, enforced
    async with serve_gateway(config, port=0) as gw:
        async with IBKRClient(
            gw.url, verify=gw.ca_path, keepalive=None, preflight=PreflightPolicy(interval=0.05)
        ) as ib:
            await ib.accounts()
            results = await asyncio.gather(*(ib.search_contracts("IBM") for _ in range(15)))
            quotes = await ib.snapshot([AAPL], fields=["last_price"])
        state = gw.simulator.state()
    assert len(results) == 15 and quotes[0].last_price is not None
    assert state["rate_limited"] == 0


async def test_keepalive_keeps_an_idle_session_alive() -> None:
    config = SimulatorConfig(idle_timeout=0.6, rate_limits=False)
    async with (
        serve_gateway(config, port=0) as gw,
        IBKRClient(
            gw.url,
            verify=gw.ca_path,
            keepalive=0.15,
            recover_session=False,
            rate_limits=RateLimitPolicy.off(),  # tickles every 0.15 s: faster than IBKR's 1/s
        ) as ib,
    ):
        await ib.accounts()
        await asyncio.sleep(1.2)  # twice the idle timeout, with only the keepalive talking
        status = await ib.auth_status(recover=False)
    assert status.authenticated is True


async def test_without_keepalive_an_idle_session_expires_and_is_recovered() -> None:
    config = SimulatorConfig(idle_timeout=0.3, rate_limits=False)
    async with (
        serve_gateway(config, port=0) as gw,
        IBKRClient(
            gw.url,
            verify=gw.ca_path,
            keepalive=None,
            reauth_poll_interval=0.05,
            rate_limits=RateLimitPolicy.off(),
        ) as ib,
    ):
        await ib.accounts()
        await asyncio.sleep(0.5)
        assert (await ib.auth_status(recover=False)).authenticated is False
        assert (await ib.auth_status()).authenticated is True
        assert ACCOUNT in (await ib.accounts()).accounts


async def test_live_orders_preflight_is_waited_out(gateway: GatewayServer) -> None:
    async with IBKRClient(
        gateway.url,
        verify=gateway.ca_path,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        preflight=PreflightPolicy(interval=0.05),
    ) as ib:
        await ib.place_order(
            ACCOUNT,
            Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid="it-pf-1"),
            confirm=True,
        )
    # A fresh session: its first live-orders call is a pre-flight without data.
    gateway.simulator.expire_session()
    async with IBKRClient(
        gateway.url,
        verify=gateway.ca_path,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        preflight=PreflightPolicy(interval=0.05),
        reauth_poll_interval=0.05,
    ) as ib:
        await ib.auth_status()
        assert "it-pf-1" in [o.c_oid for o in await ib.live_orders()]


def test_simulator_config_is_a_frozen_dataclass() -> None:
    config = SimulatorConfig()
    assert dataclasses.replace(config, seed=3).seed == 3
