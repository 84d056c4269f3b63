"""IBKRClient session handling, lifecycle and error mapping against a respx-mocked gateway."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import respx

from ibkr_webapi import BearerTokenAuth, IBKRClient, RateLimitPolicy, RetryPolicy, Token, errors
from ibkr_webapi_client.api.market_data import get_market_data_snapshot
from tests.helpers import ACCOUNTS, BASE, make_client

AUTHED = {"authenticated": True, "competing": False, "connected": True}
UNAUTHED = {"authenticated": False, "competing": False, "connected": True}
NOT_AUTH = {"error": "not authenticated", "statusCode": 401}


@respx.mock
async def test_401_mid_run_with_many_concurrent_requests_reopens_the_session_once(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/portfolio/accounts").respond(json=[{"id": "U1"}])
    state = {"authenticated": False}
    init = respx.post(f"{BASE}/iserver/auth/ssodh/init").mock(
        side_effect=lambda request: (
            state.update(authenticated=True) or httpx.Response(200, json=AUTHED)
        )
    )
    respx.post(f"{BASE}/iserver/auth/status").respond(json=AUTHED)

    async def summary(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        if not state["authenticated"]:
            return httpx.Response(401, json=NOT_AUTH)
        return httpx.Response(200, json={})

    respx.get(f"{BASE}/portfolio/U1/summary").mock(side_effect=summary)
    results = await asyncio.gather(*(ib.account_summary("U1") for _ in range(20)))
    assert len(results) == 20
    assert init.call_count == 1


@respx.mock
async def test_no_bridge_is_cured_by_ssodh_init(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.post(f"{BASE}/iserver/auth/ssodh/init").respond(json=AUTHED)
    respx.post(f"{BASE}/iserver/secdef/search").mock(
        side_effect=[
            httpx.Response(400, json={"error": "Bad Request: no bridge", "statusCode": 400}),
            httpx.Response(200, json=[{"conid": "8314"}]),
        ]
    )
    assert (await ib.search_contracts("IBM"))[0].conid == 8314


@respx.mock
async def test_unrecoverable_session_raises_authentication_error_saying_what_to_do(
    ib: IBKRClient,
) -> None:
    respx.post(f"{BASE}/iserver/auth/ssodh/init").respond(401, json=NOT_AUTH)
    respx.post(f"{BASE}/iserver/secdef/search").respond(401, json=NOT_AUTH)
    with pytest.raises(errors.AuthenticationError) as info:
        await ib.search_contracts("IBM")
    assert "log in" in str(info.value)


@respx.mock
async def test_auth_status_false_triggers_recovery_and_returns_the_fresh_status(
    ib: IBKRClient,
) -> None:
    status = respx.post(f"{BASE}/iserver/auth/status").mock(
        side_effect=[httpx.Response(200, json=UNAUTHED), httpx.Response(200, json=AUTHED)]
    )
    init = respx.post(f"{BASE}/iserver/auth/ssodh/init").respond(json=AUTHED)
    answer = await ib.auth_status()
    assert answer.authenticated is True
    assert init.call_count == 1 and status.call_count == 2


@respx.mock
async def test_keepalive_tickles_and_reopens_a_dropped_brokerage_session() -> None:
    tickled = asyncio.Event()
    init_called = asyncio.Event()
    respx.post(f"{BASE}/tickle").mock(
        side_effect=lambda request: (
            tickled.set()
            or httpx.Response(200, json={"session": "s3cr3t", "iserver": {"authStatus": UNAUTHED}})
        )
    )
    respx.post(f"{BASE}/iserver/auth/ssodh/init").mock(
        side_effect=lambda request: init_called.set() or httpx.Response(200, json=AUTHED)
    )
    async with make_client(keepalive=0.01) as ib:
        await asyncio.wait_for(tickled.wait(), 5)
        await asyncio.wait_for(init_called.wait(), 5)
    assert ib._keepalive is not None and not ib._keepalive.running


async def test_closing_leaves_no_background_task_running() -> None:
    before = set(asyncio.all_tasks())
    async with make_client(keepalive=30) as ib:
        assert ib._keepalive is not None and ib._keepalive.running
    await asyncio.sleep(0)
    assert set(asyncio.all_tasks()) - before == set()


async def test_cancelling_the_owner_still_stops_the_keepalive() -> None:
    started = asyncio.Event()
    client: list[IBKRClient] = []

    async def owner() -> None:
        async with make_client(keepalive=30) as ib:
            client.append(ib)
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(owner())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client[0]._keepalive is not None and not client[0]._keepalive.running


@respx.mock
async def test_calls_through_the_raw_generated_client_get_the_prerequisites(ib: IBKRClient) -> None:
    accounts = respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    respx.get(f"{BASE}/iserver/marketdata/snapshot").respond(json=[{"conid": 1}])
    response = await get_market_data_snapshot.asyncio_detailed(
        client=ib.raw, conids="1", fields="31"
    )
    assert response.status_code == 200
    assert accounts.call_count == 1


@respx.mock
async def test_429_is_retried_after_retry_after_then_succeeds() -> None:
    route = respx.get(f"{BASE}/iserver/accounts").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(200, json=ACCOUNTS),
        ]
    )
    async with make_client() as ib:
        assert (await ib.accounts()).accounts == ("U1234567",)
    assert route.call_count == 2


@respx.mock
async def test_429_longer_than_the_wait_limit_raises_rate_limit_error() -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(429, headers={"Retry-After": "900"})
    async with make_client(retry=RetryPolicy(max_rate_limit_wait=1.0)) as ib:
        with pytest.raises(errors.RateLimitError) as info:
            await ib.accounts()
    assert info.value.retry_after == 900
    assert "penalty" in str(info.value).lower()


@respx.mock
async def test_get_is_retried_on_503_and_connection_errors(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/iserver/accounts").mock(
        side_effect=[
            httpx.ConnectError("down"),
            httpx.Response(503),
            httpx.Response(200, json=ACCOUNTS),
        ]
    )
    assert (await ib.accounts()).accounts == ("U1234567",)
    assert route.call_count == 3


@respx.mock
async def test_unreachable_gateway_raises_connection_error_saying_what_to_do(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/accounts").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(errors.APIConnectionError, match="Start the Client Portal gateway") as info:
        await ib.accounts()
    assert "nothing was sent" in str(info.value)
    assert info.value.may_have_reached_gateway is False


@respx.mock
async def test_pacing_applies_to_the_client_by_default() -> None:
    respx.get(f"{BASE}/iserver/accounts").respond(json=ACCOUNTS)
    policy = RateLimitPolicy().with_global_rate("2/second")
    async with make_client(rate_limits=policy) as ib:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for _ in range(3):
            await ib.accounts()
        elapsed = loop.time() - start
    # Three calls at two a second cannot all fit in the first second's window.
    assert elapsed >= 0.9


def test_base_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IBKR_BASE_URL", "https://example.test:5000/v1/api/")
    assert IBKRClient(keepalive=None).base_url == "https://example.test:5000/v1/api"


def test_verify_false_warns_for_every_client(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ibkr_webapi"):
        IBKRClient(BASE, verify=False, keepalive=None)
        IBKRClient("https://other.test/v1/api", verify=False, keepalive=None)
    assert caplog.text.count("TLS verification is off") == 2
    assert "other.test" in caplog.text


def test_verify_path_that_does_not_exist_is_a_clear_error() -> None:
    with pytest.raises(errors.ConfigurationError, match="no such certificate file"):
        IBKRClient(BASE, verify="/nope/cert.pem", keepalive=None)


@respx.mock
async def test_secrets_never_reach_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(f"{BASE}/tickle").respond(json={"session": "0123456789abcdef0123456789abcdef"})
    with caplog.at_level(logging.DEBUG, logger="ibkr_webapi"):
        async with make_client(headers={"Cookie": "api=topsecretcookie"}) as ib:
            await ib.tickle()
    assert "topsecretcookie" not in caplog.text
    assert "0123456789abcdef0123456789abcdef" not in caplog.text
    assert "POST" in caplog.text and "/tickle" in caplog.text


@respx.mock
async def test_bearer_token_is_sent_and_refreshed_once_when_a_401_says_it_expired() -> None:
    issued: list[str] = []

    async def provider() -> Token:
        issued.append(f"tok-{len(issued) + 1}")
        return Token.expiring_in(issued[-1], 86_399)

    seen: list[str] = []

    def accounts(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer tok-1":
            return httpx.Response(401, json=NOT_AUTH)
        return httpx.Response(200, json=ACCOUNTS)

    respx.get(f"{BASE}/iserver/accounts").mock(side_effect=accounts)
    async with make_client(auth=BearerTokenAuth(provider), recover_session=False) as ib:
        results = await asyncio.gather(*(ib.accounts() for _ in range(5)))
    assert all(r.accounts == ("U1234567",) for r in results)
    assert issued == ["tok-1", "tok-2"]  # one shared refresh
    assert seen[-1] == "Bearer tok-2"
