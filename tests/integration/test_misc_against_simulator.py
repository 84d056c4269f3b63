"""Scanner, watchlists, alerts and FYI notifications against the simulator over loopback HTTPS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ibkr_webapi import (
    IBKRClient,
    Order,
    PreflightPolicy,
    PriceCondition,
    RateLimitPolicy,
    TradeCondition,
    errors,
)
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway

ACCOUNT = "U1234567"
AAPL, IBM, MSFT = 265598, 8314, 272093


@pytest.fixture
async def ib_account(gateway: GatewayServer) -> AsyncIterator[IBKRClient]:
    """A client whose default account is set (this login has two)."""
    async with IBKRClient(
        gateway.url,
        verify=gateway.ca_path,
        account_id=ACCOUNT,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        preflight=PreflightPolicy(max_polls=6, interval=0.05),
    ) as client:
        yield client


async def _wait_for_fyi(ib: IBKRClient, title: str) -> list[str]:
    for _ in range(200):
        found = [n.title or "" for n in await ib.notifications.list(include=["AL"])]
        if any(title in t for t in found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no FYI titled {title!r} arrived")


async def test_scanner_parameters_then_a_checked_scan(ib_account: IBKRClient) -> None:
    ib = ib_account
    params = await ib.scanner.parameters()
    assert params.scan_type("TOP_PERC_GAIN") is not None
    assert await ib.scanner.parameters() is params  # kept, not asked again
    result = await ib.scanner.run("MOST_ACTIVE", filters={"priceAbove": 1})
    assert result.contracts and all(c.conid > 0 for c in result.contracts)
    assert [c.rank for c in result.contracts] == list(range(len(result.contracts)))
    with pytest.raises(errors.InvalidRequestError, match="MOST_ACTIVE"):
        await ib.scanner.run("MOST_ACTIV")


async def test_watchlists_persist_for_the_session(
    ib_account: IBKRClient, gateway: GatewayServer
) -> None:
    ib = ib_account
    made = await ib.watchlists.create("Tech", [AAPL, IBM, MSFT])
    assert list(made.conids) == [AAPL, IBM, MSFT]
    listed = {w.id: w for w in await ib.watchlists.list(user_only=True)}
    assert listed[made.id].name == "Tech" and listed[made.id].read_only is False
    again = await ib.watchlists.get(made.id)
    assert again.conids == made.conids
    replaced = await ib.watchlists.create("Tech", [MSFT], watchlist_id=made.id)
    assert list(replaced.conids) == [MSFT]
    assert await ib.watchlists.delete(made.id) == made.id
    with pytest.raises(errors.IBKRError):
        await ib.watchlists.get(made.id)
    assert made.id not in {w.id for w in await ib.watchlists.list()}


async def test_a_price_alert_fires_with_the_market_and_an_fyi_appears(
    ib_account: IBKRClient, gateway: GatewayServer
) -> None:
    ib = ib_account
    unread = await ib.notifications.unread_count()
    last = gateway.simulator.quote(AAPL).last
    change = await ib.alerts.create(
        "AAPL trades", PriceCondition(conid=AAPL, operator=">=", price=round(last / 2, 2))
    )
    assert change.alert_id is not None
    titles = await _wait_for_fyi(ib, "AAPL trades")
    assert await ib.notifications.unread_count() > unread
    [summary] = [a for a in await ib.alerts.list() if a.alert_id == change.alert_id]
    assert summary.triggered is True and summary.active is True
    alert = await ib.alerts.get(change.alert_id)
    assert alert.conditions[0].conid == AAPL and alert.name == "AAPL trades"
    newest = (await ib.notifications.list(include=["AL"], limit=1))[0]
    assert newest.title in titles and newest.read is False and newest.date is not None
    assert await ib.notifications.mark_read(newest.id) is True
    assert (await ib.notifications.list(include=["AL"], limit=1))[0].read is True
    assert (await ib.alerts.delete(change.alert_id)).already_done is False
    assert change.alert_id not in {a.alert_id for a in await ib.alerts.list()}
    assert (await ib.alerts.delete(change.alert_id)).already_done is True  # gone is done
    with pytest.raises(errors.BadRequestError, match="MTA"):
        await ib.alerts.delete((await ib.alerts.mta()).alert_id)


async def test_a_trade_alert_fires_after_a_fill(ib_account: IBKRClient) -> None:
    ib = ib_account
    change = await ib.alerts.create("IBM filled", TradeCondition(conid=IBM))
    assert change.alert_id is not None
    await ib.alerts.deactivate(change.alert_id)
    assert (await ib.alerts.get(change.alert_id)).active is False
    await ib.alerts.activate(change.alert_id)
    order = Order(conid=IBM, side="BUY", quantity=1, order_type="MKT")
    await ib.place_order(ACCOUNT, order, confirm=True)
    await _wait_for_fyi(ib, "IBM filled")
    assert (await ib.alerts.get(change.alert_id)).triggered is True


async def test_mta_alert_and_notification_settings(ib_account: IBKRClient) -> None:
    ib = ib_account
    mta = await ib.alerts.mta()
    assert mta.alert_id > 0 and mta.tool_id is not None
    settings = await ib.notifications.settings()
    code = settings[0].type_code
    assert await ib.notifications.set_setting(code, enabled=False) is True
    turned = {s.type_code: s.enabled for s in await ib.notifications.settings()}
    assert turned[code] is False
    await ib.notifications.set_setting(code, enabled=True)
    disclaimer = await ib.notifications.disclaimer(code)
    assert disclaimer.type_code == code and disclaimer.text
    assert await ib.notifications.mark_disclaimer_read(code) is True
    options = await ib.notifications.delivery_options()
    device = options.devices[0]
    assert await ib.notifications.set_device_delivery(device.device_id, enabled=False) is True
    after = await ib.notifications.delivery_options()
    assert {d.device_id: d.enabled for d in after.devices}[device.device_id] is False
    assert await ib.notifications.set_email_delivery(not options.email) is True
    assert (await ib.notifications.delivery_options()).email is (not options.email)
    await ib.notifications.delete_device(device.device_id)
    assert device.device_id not in {
        d.device_id for d in (await ib.notifications.delivery_options()).devices
    }


async def test_reauthenticate_reopens_a_lost_brokerage_session(
    ib_account: IBKRClient, gateway: GatewayServer
) -> None:
    ib = ib_account
    await ib.accounts()
    gateway.simulator.drop_bridge()
    assert (await ib.session.status(recover=False)).authenticated is False
    answer = await ib.session.reauthenticate()
    assert answer.message == "triggered"
    assert (await ib.session.status(recover=False)).authenticated is True


async def test_fyi_and_scanner_calls_at_full_speed_get_no_429() -> None:
    """Rate limits on (x10, with arrival jitter): 20 concurrent FYI calls, repeated scanner
    parameters and a burst of scans are paced by the client; the simulator answers no 429."""
    config = SimulatorConfig(arrival_jitter=0.05, penalty_box=600.0).scaled_rate_limits(10)
    async with (
        serve_gateway(config, port=0) as gateway,
        IBKRClient(
            gateway.url,
            verify=gateway.ca_path,
            account_id=ACCOUNT,
            keepalive=None,
            rate_limits=RateLimitPolicy().scaled(10),
        ) as ib,
    ):
        await ib.accounts()
        calls = [ib.notifications.unread_count() for _ in range(10)]
        calls += [ib.notifications.list(limit=3) for _ in range(5)]
        calls += [ib.notifications.settings() for _ in range(5)]
        await asyncio.gather(*calls)
        first = await ib.scanner.parameters()
        assert all(
            p is first for p in await asyncio.gather(*(ib.scanner.parameters() for _ in range(5)))
        )
        scans = await asyncio.gather(*(ib.scanner.run("MOST_ACTIVE") for _ in range(5)))
        assert all(scan.contracts for scan in scans)
        assert gateway.simulator.rate_limited == 0
        assert gateway.simulator.requests["GET /iserver/scanner/params"] == 1
