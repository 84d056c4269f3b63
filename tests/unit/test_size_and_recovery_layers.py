"""The response-size cap, and session recovery judged by the generation an attempt went out under."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from ibkr_webapi import Pacer, RateLimitPolicy, RetryPolicy, errors
from ibkr_webapi.transports import build_transport_stack
from ibkr_webapi.transports.retry import RetryTransport
from ibkr_webapi.transports.size import SizeLimitTransport

BASE = "https://localhost:5000/v1/api"


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    inner = httpx.MockTransport(lambda r: httpx.Response(200, content=b"x" * 2000))
    async with httpx.AsyncClient(
        base_url=BASE, transport=SizeLimitTransport(inner, 1000)
    ) as client:
        with pytest.raises(errors.ResponseTooLargeError, match="max_response_bytes=1000") as caught:
            await client.get("/iserver/accounts")
    assert caught.value.limit == 1000
    assert isinstance(caught.value, errors.IBKRError)


class Endless(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            yield b"y" * 4096


async def test_a_streamed_body_stops_at_the_cap() -> None:
    inner = httpx.MockTransport(lambda r: httpx.Response(200, stream=Endless()))
    async with httpx.AsyncClient(
        base_url=BASE, transport=SizeLimitTransport(inner, 64 * 1024)
    ) as client:
        with pytest.raises(errors.ResponseTooLargeError, match="read so far"):
            await client.get("/iserver/marketdata/history")
    small = httpx.MockTransport(lambda r: httpx.Response(200, json={"ok": True}))
    async with httpx.AsyncClient(base_url=BASE, transport=SizeLimitTransport(small)) as client:
        assert (await client.get("/x")).json() == {"ok": True}


async def test_the_429_hook_of_a_pacer_replaces_the_retry_sleep() -> None:
    answers = [httpx.Response(429), httpx.Response(200)]
    holds: list[float] = []
    sleeps: list[float] = []

    async def hold(seconds: float) -> float:
        holds.append(seconds)
        return seconds - 0.5  # what the pacer says is left

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = RetryTransport(
        httpx.MockTransport(lambda r: answers.pop(0)),
        RetryPolicy(max_rate_limit_wait=60),
        on_rate_limited=hold,
        default_hold=20.0,
        sleep=sleep,
    )
    async with httpx.AsyncClient(base_url=BASE, transport=transport) as client:
        assert (await client.get("/iserver/accounts")).status_code == 200
    assert holds == [20.0] and sleeps == []  # the pacer holds the retry back, not this layer


class DyingGateway(httpx.AsyncBaseTransport):
    """Answers 401 to anything sent under an expired session until ssodh/init re-opens it."""

    def __init__(self) -> None:
        self.alive = True
        self.inits = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1/api")
        await asyncio.sleep(0.001)
        if path == "/iserver/auth/ssodh/init":
            self.inits += 1
            self.alive = True
            return httpx.Response(200, json={"authenticated": True})
        if path == "/iserver/auth/status":
            return httpx.Response(200, json={"authenticated": self.alive})
        if not self.alive:
            return httpx.Response(401, json={"error": "not authenticated"})
        return httpx.Response(200, json={})


async def test_queued_requests_that_meet_a_dead_session_share_one_recovery() -> None:
    gateway = DyingGateway()
    pacer = Pacer(RateLimitPolicy(global_rate="500/second", rules=(), margin=0.0), store="memory")
    stack = build_transport_stack(
        base_url=BASE, inner=gateway, pacer=pacer, prerequisites=(), poll_interval=0.001
    )
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport) as client:
        calls = [asyncio.create_task(client.get(f"/iserver/contract/{i}/info")) for i in range(60)]
        await asyncio.sleep(0.03)
        gateway.alive = False  # the session drops while most calls still wait in the pacer
        answers = await asyncio.gather(*calls)
    assert [a.status_code for a in answers] == [200] * 60
    assert gateway.inits == 1
    assert stack.session.recoveries == 1


async def test_a_failed_recovery_says_what_happened_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "0123456789abcdef0123456789abcdef"

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1/api")
        if path == "/iserver/auth/ssodh/init":
            return httpx.Response(500, json={"error": f"internal: session={token} " + "z" * 400})
        return httpx.Response(401, json={"error": "not authenticated"})

    caplog.set_level(logging.DEBUG, logger="ibkr_webapi")
    stack = build_transport_stack(
        base_url=BASE,
        inner=httpx.MockTransport(handler),
        pacer=Pacer(RateLimitPolicy.off(), store="memory"),
        retry_policy=RetryPolicy.none(),
        prerequisites=(),
    )
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport) as client:
        response = await client.get("/iserver/accounts")
        await response.aread()
    error = errors.error_from_response(response)
    assert "Session recovery failed: ssodh/init answered HTTP 500" in error.message
    assert "tried to re-open the session once" not in error.message
    for text in [error.message, *(r.getMessage() for r in caplog.records)]:
        assert token not in text and token[:16] not in text
