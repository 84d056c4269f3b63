"""ib.accounts, ib.advisor and ib.analyst against an advisor login on the simulator, over real
loopback HTTPS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ibkr_webapi import IBKRClient, PreflightPolicy, RateLimitPolicy, RetryPolicy, errors
from ibkr_webapi.resources import advisor
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway

MASTER, FIRST, SECOND = "F1234567", "U1234567", "U7654321"


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    config = SimulatorConfig(
        advisor=MASTER,
        positions={FIRST: 12, SECOND: 4},
        rate_limits=False,
        model_pending_polls=1,
        order_submit_delay=0.01,
        order_fill_delay=0.02,
    )
    async with serve_gateway(config, port=0, tls=True) as server:
        yield server


def _client(gateway: GatewayServer, **options: object) -> IBKRClient:
    settings: dict[str, object] = {
        "verify": gateway.ca_path,
        "keepalive": None,
        "rate_limits": RateLimitPolicy.off(),
        "preflight": PreflightPolicy(max_polls=6, interval=0.05),
        "reauth_poll_interval": 0.05,
    }
    settings.update(options)
    return IBKRClient(gateway.url, **settings)  # type: ignore[arg-type]


@pytest.fixture
async def ib(gateway: GatewayServer) -> AsyncIterator[IBKRClient]:
    async with _client(gateway) as client:
        yield client


async def _held_everywhere(ib: IBKRClient) -> int:
    """A contract both sub-accounts hold."""
    first = {p.conid for p in await ib.portfolio.positions_page(0, account_id=FIRST)}
    second = {p.conid for p in await ib.portfolio.positions_page(0, account_id=SECOND)}
    common = sorted(first & second)
    assert common, "the simulator's accounts share their first real contracts"
    return common[0]


async def test_an_fa_switch_changes_what_positions_return(ib: IBKRClient) -> None:
    accounts = await ib.accounts()
    assert accounts.is_financial_advisor and accounts.selected_account == MASTER
    conid = await _held_everywhere(ib)

    # The master account sees every sub-account's position in the contract ...
    assert set(await ib.accounts.positions_by_conid(conid)) == {FIRST, SECOND}

    # ... a sub-account selected sees only its own, and the client defaults to it.
    selected = await ib.accounts.switch(SECOND)
    assert selected.account_id == SECOND and ib.account_id == SECOND
    only = await ib.accounts.positions_by_conid(conid)
    assert list(only) == [SECOND]
    assert all(p.account_id == SECOND for p in only[SECOND])
    assert (await ib.accounts.summary()).account_id == SECOND

    # P&L follows the selection too.
    pnl_keys = {key.split(".")[0] for key in await ib.portfolio.pnl()}
    assert pnl_keys <= {SECOND}

    await ib.accounts.switch(MASTER)
    assert set(await ib.accounts.positions_by_conid(conid)) == {FIRST, SECOND}


async def test_trading_view_figures_agree_with_each_other(ib: IBKRClient) -> None:
    await ib.accounts()
    summary = await ib.accounts.summary(account_id=FIRST)
    balances = await ib.accounts.balances(account_id=FIRST)
    values = await ib.accounts.market_value(account_id=FIRST)
    assert summary.net_liquidation is not None and summary.net_liquidation > 0
    net = balances["total"].net_liquidation
    assert net is not None and net.amount is not None and net.currency == "USD"
    assert abs(net.amount - summary.net_liquidation) <= 1.0  # the balances are rounded
    assert values["USD"].net_liquidation == pytest.approx(summary.net_liquidation, abs=1.0)
    meta = await ib.accounts.meta(account_id=FIRST)
    assert meta.parent_account_id == MASTER and meta.is_fa_client is True
    assert [a.account_id async for a in ib.accounts.all_subaccounts()] == [FIRST, SECOND]


async def test_an_allocation_group_and_a_model_round_trip(
    ib: IBKRClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(advisor, "MODEL_POLL_INTERVAL", 0.01)
    await ib.accounts()
    await ib.advisor.add_group("Core", {FIRST: 70, SECOND: 30}, method="P")
    assert dict((await ib.advisor.group("Core")).members) == {FIRST: 70.0, SECOND: 30.0}
    await ib.advisor.modify_group("Core", [FIRST, SECOND], method="E", new_name="Even")
    assert [g.name for g in await ib.advisor.groups()] == ["Even"]
    with pytest.raises(errors.BadRequestError):
        await ib.advisor.group("Core")
    await ib.advisor.delete_group("Even")
    assert await ib.advisor.groups() == []

    conid = await _held_everywhere(ib)
    await ib.advisor.save_model(
        "Tech", description="one stock", positions={conid: 0.9}, cash={"USD": 0.1}
    )
    draft = await ib.advisor.invest("Tech", {FIRST: 20_000})
    await ib.advisor.submit_transfers(draft.instruction_id)
    summary = await ib.advisor.model_summary("Tech")
    assert summary.accounts == 1
    assert summary.net_liquidation == pytest.approx(20_000, rel=0.05)
    holdings = await ib.advisor.model_holdings("Tech")
    assert [h.conid for h in holdings.holdings] == [conid]
    assert holdings.holdings[0].target == pytest.approx(0.9)


async def test_portfolio_analyst_is_paced_at_one_call_per_15_minutes(
    gateway: GatewayServer,
) -> None:
    # The client's pacer knows the limit: the second call would wait ~15 minutes, more than
    # max_wait allows, so it is refused without reaching the gateway.
    async with _client(gateway, rate_limits=RateLimitPolicy(max_wait=1.0), account_id=FIRST) as ib:
        performance = await ib.analyst.performance("1M")
        assert performance.nav[FIRST].points
        with pytest.raises(errors.RateLimitError) as refused:
            await ib.analyst.performance("7D")
        assert refused.value.retry_after is not None and refused.value.retry_after > 800
        # Each endpoint has its own window.
        assert (await ib.analyst.summary()).end_value is not None


async def test_the_simulator_enforces_the_analyst_limit_for_any_client() -> None:
    config = SimulatorConfig(advisor=MASTER, positions={FIRST: 3, SECOND: 1})
    async with serve_gateway(config, port=0, tls=True) as gateway:
        async with _client(gateway, account_id=FIRST) as ib:
            await ib.analyst.transactions(265598, days=30)
        # A client without pacing asks again at once: the gateway answers 429.
        async with _client(gateway, account_id=FIRST, retry=RetryPolicy.none()) as ib:
            with pytest.raises(errors.RateLimitError):
                await ib.analyst.transactions(265598, days=30)
