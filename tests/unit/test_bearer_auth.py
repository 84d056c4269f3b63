"""BearerTokenAuth: refresh before expiry, refresh once on 401, one shared refresh, no token in repr."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest

from ibkr_webapi import errors
from ibkr_webapi.auth.bearer import BearerTokenAuth, StaticBearerAuth, Token

BASE = "https://api.ibkr.com/v1/api"
T0 = dt.datetime(2024, 4, 8, 12, 0, tzinfo=dt.UTC)


class Provider:
    def __init__(self, lifetime: dt.timedelta | None = dt.timedelta(hours=24)) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.now = T0
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> Token:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        expires = self.now + self.lifetime if self.lifetime is not None else None
        return Token(f"token-{self.calls}", expires)


def _echo(valid: set[str] | None = None) -> httpx.MockTransport:
    """Answers 401 unless the bearer token is in ``valid`` (every token when ``None``)."""

    async def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if valid is not None and token not in valid:
            return httpx.Response(401, json={"error": "invalid token"})
        return httpx.Response(200, json={"token": token})

    return httpx.MockTransport(handler)


async def test_token_fetched_on_first_use_and_reused() -> None:
    provider = Provider()
    auth = BearerTokenAuth(provider, clock=lambda: provider.now)
    async with httpx.AsyncClient(base_url=BASE, transport=_echo(), auth=auth) as client:
        first = await client.get("/iserver/accounts")
        second = await client.get("/iserver/accounts")
    assert first.json() == second.json() == {"token": "token-1"}
    assert provider.calls == 1


async def test_token_refreshed_before_expiry() -> None:
    provider = Provider(lifetime=dt.timedelta(minutes=10))
    auth = BearerTokenAuth(provider, refresh_margin=60, clock=lambda: provider.now)
    async with httpx.AsyncClient(base_url=BASE, transport=_echo(), auth=auth) as client:
        await client.get("/iserver/accounts")
        provider.now = T0 + dt.timedelta(minutes=8, seconds=59)  # 61 s left: still good
        assert (await client.get("/iserver/accounts")).json() == {"token": "token-1"}
        provider.now = T0 + dt.timedelta(minutes=9, seconds=1)  # inside the 60 s margin
        assert (await client.get("/iserver/accounts")).json() == {"token": "token-2"}
    assert provider.calls == 2


async def test_401_refreshes_once_and_resends() -> None:
    provider = Provider(lifetime=None)
    auth = BearerTokenAuth(provider, clock=lambda: provider.now)
    async with httpx.AsyncClient(base_url=BASE, transport=_echo({"token-2"}), auth=auth) as client:
        response = await client.post("/iserver/secdef/search", json={"symbol": "IBM"})
    assert response.status_code == 200 and response.json() == {"token": "token-2"}
    assert provider.calls == 2


async def test_second_401_is_returned() -> None:
    provider = Provider(lifetime=None)
    auth = BearerTokenAuth(provider, clock=lambda: provider.now)
    async with httpx.AsyncClient(base_url=BASE, transport=_echo(set()), auth=auth) as client:
        response = await client.get("/iserver/accounts")
    assert response.status_code == 401
    assert provider.calls == 2


async def test_concurrent_401s_share_one_refresh() -> None:
    provider = Provider(lifetime=None)
    auth = BearerTokenAuth(provider, clock=lambda: provider.now)
    valid = {"token-1"}
    async with httpx.AsyncClient(base_url=BASE, transport=_echo(valid), auth=auth) as client:
        await client.get("/iserver/accounts")  # token-1 is in use
        valid.clear()  # ... and now the server says it has expired
        valid.add("token-2")
        provider.gate = asyncio.Event()
        tasks = [asyncio.create_task(client.get("/iserver/accounts")) for _ in range(10)]
        for _ in range(20):
            await asyncio.sleep(0)
        provider.gate.set()
        responses = await asyncio.gather(*tasks)
    assert [r.json() for r in responses] == [{"token": "token-2"}] * 10
    assert provider.calls == 2


async def test_concurrent_first_requests_share_one_fetch() -> None:
    provider = Provider()
    provider.gate = asyncio.Event()
    auth = BearerTokenAuth(provider, clock=lambda: provider.now)
    async with httpx.AsyncClient(base_url=BASE, transport=_echo(), auth=auth) as client:
        tasks = [asyncio.create_task(client.get("/iserver/accounts")) for _ in range(5)]
        for _ in range(10):
            await asyncio.sleep(0)
        provider.gate.set()
        await asyncio.gather(*tasks)
    assert provider.calls == 1


async def test_reprs_never_show_the_token() -> None:
    provider = Provider()
    auth = BearerTokenAuth(provider, clock=lambda: provider.now)
    async with httpx.AsyncClient(base_url=BASE, transport=_echo(), auth=auth) as client:
        await client.get("/iserver/accounts")
    token = await auth.token()
    assert "token-1" not in repr(auth)
    assert "token-1" not in repr(token) and "token-1" not in str(token)
    assert "secret-static" not in repr(StaticBearerAuth("secret-static"))


def test_token_expiry_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Token("x", dt.datetime(2024, 1, 1))  # naive: refused
    assert Token.expiring_in("x", 60, now=T0).expires_at == T0 + dt.timedelta(seconds=60)


async def test_provider_returning_garbage_is_a_configuration_error() -> None:
    async def bad() -> Token:
        return Token("")

    auth = BearerTokenAuth(bad)
    async with httpx.AsyncClient(base_url=BASE, transport=_echo(), auth=auth) as client:
        with pytest.raises(errors.ConfigurationError):
            await client.get("/iserver/accounts")


async def test_static_bearer_sets_header() -> None:
    async with httpx.AsyncClient(
        base_url=BASE, transport=_echo(), auth=StaticBearerAuth("abc")
    ) as client:
        assert (await client.get("/x")).json() == {"token": "abc"}
