"""Option chains over loopback HTTPS against a simulator enforcing IBKR's real limits (10 requests/s,
penalty box on a breach, arrivals jittered): typed contracts, and only the requests the walk needs."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date

import pytest

from ibkr_webapi import IBKRClient, PreflightPolicy, errors
from ibkr_webapi.results.derivatives import OptionContract
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway

AAPL = 265598
SEARCH, STRIKES, SECDEF = (
    "POST /iserver/secdef/search",
    "GET /iserver/secdef/strikes",
    "GET /iserver/secdef/info",
)


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    config = SimulatorConfig(rate_limits=True, arrival_jitter=0.05, penalty_box=600.0)
    async with serve_gateway(config, port=0, tls=True) as server:
        yield server


@pytest.fixture
async def ib(gateway: GatewayServer) -> AsyncIterator[IBKRClient]:
    # The client's default pacing: IBKR's published limits.
    async with IBKRClient(
        gateway.url,
        verify=gateway.ca_path,
        keepalive=None,
        preflight=PreflightPolicy(max_polls=10, interval=0.2),
    ) as client:
        yield client


def _spent(gateway: GatewayServer, before: Counter[str]) -> Counter[str]:
    after = gateway.simulator.requests.copy()
    after.subtract(before)
    return +after


async def _second_expiry(ib: IBKRClient) -> date:
    match = next(m for m in await ib.contracts.search("AAPL") if m.symbol == "AAPL")
    expiries = match.expiries("OPT")
    assert len(expiries) > 2
    return expiries[1]


async def test_one_expiry_uses_search_strikes_and_one_request_per_strike(
    gateway: GatewayServer, ib: IBKRClient
) -> None:
    expiry = await _second_expiry(ib)
    before = gateway.simulator.requests.copy()

    chain = await ib.contracts.option_chain("AAPL", expiry=expiry, strikes=(170, 210))

    spent = _spent(gateway, before)
    wanted = [s for s in chain.listed_strikes if 170 <= s <= 210]
    assert len(wanted) >= 5
    assert spent == Counter({SEARCH: 1, STRIKES: 1, SECDEF: len(wanted)})
    assert gateway.simulator.rate_limited == 0
    assert chain.expiries == (expiry,)
    assert chain.strikes == tuple(wanted)
    assert len(chain.calls) == len(chain.puts) == len(wanted)
    assert all(isinstance(c, OptionContract) for c in chain)
    for contract in chain:
        assert contract.underlying_conid == AAPL and contract.symbol == "AAPL"
        assert contract.multiplier == 100.0 and contract.sec_type == "OPT"
        assert contract.expiry == expiry and 170 <= contract.strike <= 210
    call = chain.find(wanted[0], "C")
    assert call is not None and call.right == "C"
    # The contracts are real to the gateway: it quotes them (the search came first).
    quotes = await ib.snapshot(chain.conids[:4], ["last_price", "bid_price", "ask_price"])
    assert all(q.has_data for q in quotes)


async def test_a_wide_chain_stays_within_the_gateway_limits(
    gateway: GatewayServer, ib: IBKRClient
) -> None:
    """40 strikes of one month: 42 requests, paced under 10/s; no 429, nothing sent twice."""
    [msft] = [m for m in await ib.contracts.search("MSFT") if m.symbol == "MSFT"]
    month = msft.months("OPT")[0]
    grid = await ib.contracts.strikes(msft.conid, month)
    assert len(grid.calls) >= 40
    strikes = grid.calls[:40]
    before = gateway.simulator.requests.copy()

    chain = await ib.contracts.option_chain(
        "MSFT", month=month, strikes=strikes, right="C", max_strikes=40
    )

    spent = _spent(gateway, before)
    assert spent == Counter({SEARCH: 1, STRIKES: 1, SECDEF: 40})
    assert gateway.simulator.rate_limited == 0
    assert {c.right for c in chain} == {"C"} and chain.strikes == strikes
    assert len({c.conid for c in chain}) == len(chain)
    puts = await ib.contracts.option_chain("MSFT", month=month, strikes=strikes[:3], right="P")
    assert not puts.calls and {c.right for c in puts} == {"P"}
    assert gateway.simulator.rate_limited == 0


async def test_a_chain_asking_too_much_is_refused_before_any_secdef_request(
    gateway: GatewayServer, ib: IBKRClient
) -> None:
    expiry = await _second_expiry(ib)
    unlisted = expiry.replace(day=1) if expiry.day != 1 else expiry.replace(day=2)
    before = gateway.simulator.requests.copy()
    with pytest.raises(errors.InvalidRequestError, match="max_strikes"):
        await ib.contracts.option_chain("AAPL", max_strikes=3)
    with pytest.raises(errors.InvalidRequestError, match="its months are"):
        await ib.contracts.option_chain("AAPL", expiry=date(2099, 1, 1))
    with pytest.raises(errors.InvalidRequestError, match="the expiries of"):
        await ib.contracts.option_chain("AAPL", expiry=unlisted)
    with pytest.raises(errors.InvalidRequestError, match="none of the strikes"):
        await ib.contracts.option_chain("AAPL", strikes=(0.5, 0.75))
    assert SECDEF not in _spent(gateway, before)
