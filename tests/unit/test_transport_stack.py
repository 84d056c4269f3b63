"""build_transport_stack and LoggingTransport: the layers together, in the documented order."""

from __future__ import annotations

import logging

import httpx
import pytest

from ibkr_webapi.transports import TransportStack, build_transport_stack
from ibkr_webapi.transports.logging import LoggingTransport
from ibkr_webapi.transports.pacing import Pacer, RateLimitPolicy
from ibkr_webapi.transports.retry import RetryPolicy

BASE = "https://localhost:5000/v1/api"


class NoSleep:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


class ClosableMock(httpx.MockTransport):
    closed = False

    async def aclose(self) -> None:
        self.closed = True


def _stack(handler: httpx.MockTransport, pacer: Pacer | None = None) -> TransportStack:
    return build_transport_stack(
        base_url=BASE,
        inner=handler,
        pacer=pacer or Pacer(RateLimitPolicy(global_rate=None)),
        retry_policy=RetryPolicy(max_retries=2),
        sleep=NoSleep(),
    )


async def test_layers_are_in_documented_order() -> None:
    stack = _stack(httpx.MockTransport(lambda r: httpx.Response(200)))
    assert isinstance(stack.transport, LoggingTransport)
    assert stack.transport._inner is stack.session
    assert stack.session._inner is stack.retry
    assert stack.retry._inner is stack.pacing
    assert stack.pacing._inner is stack.size
    assert stack.size._inner is stack.inner
    assert stack.pacer is stack.pacing.pacer


async def test_session_recovery_calls_go_through_retry() -> None:
    state = {"authenticated": False, "init_failures": 1}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1/api")
        seen.append(f"{request.method} {path}")
        if path == "/iserver/auth/ssodh/init":
            state["authenticated"] = True
            return httpx.Response(200, json={"authenticated": True})
        if path == "/iserver/auth/status" and state["init_failures"]:
            state["init_failures"] -= 1
            return httpx.Response(503)
        if not state["authenticated"]:
            return httpx.Response(401, json={"error": "not authenticated"})
        return httpx.Response(200, json={"ok": True})

    stack = _stack(httpx.MockTransport(handler))
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport) as client:
        response = await client.get("/iserver/contract/1/info")
        status = await client.post("/iserver/auth/status")  # read-only POST: retried on 503
    assert response.status_code == 200
    assert status.status_code == 200
    assert seen == [
        "GET /iserver/contract/1/info",
        "POST /iserver/auth/ssodh/init",
        "GET /iserver/contract/1/info",
        "POST /iserver/auth/status",
        "POST /iserver/auth/status",
    ]


async def test_429_through_the_stack_penalizes_the_shared_pacer() -> None:
    pacer = Pacer(RateLimitPolicy(global_rate=None))
    stack = _stack(
        httpx.MockTransport(lambda r: httpx.Response(429, headers={"Retry-After": "600"})), pacer
    )
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport) as client:
        response = await client.get("/iserver/accounts")
    assert response.status_code == 429
    assert await pacer.penalty_remaining() == pytest.approx(600, abs=5)


async def test_closing_the_outer_transport_closes_the_inner_one() -> None:
    inner = ClosableMock(lambda r: httpx.Response(200))
    stack = _stack(inner)
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport):
        pass
    assert inner.closed


async def test_default_inner_transport_is_built() -> None:
    stack = build_transport_stack(base_url=BASE, verify=False)
    assert isinstance(stack.inner, httpx.AsyncHTTPTransport)
    await stack.aclose()


async def test_logging_one_debug_line_per_request_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(503 if calls["n"] == 1 else 200, json={"session": "SECRET-SESSION"})

    stack = _stack(httpx.MockTransport(handler))
    caplog.set_level(logging.DEBUG, logger="ibkr_webapi")
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport) as client:
        await client.get(
            "/iserver/accounts",
            params={"access_token": "SECRET-QUERY"},
            headers={"Authorization": "Bearer SECRET-BEARER", "Cookie": "api=SECRET-COOKIE"},
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "ibkr_webapi"]
    request_lines = [line for line in lines if " -> " in line]
    assert len(request_lines) == 1
    line = request_lines[0]
    assert line.startswith("GET https://localhost:5000/v1/api/iserver/accounts?access_token=")
    assert "-> 200 in " in line and " ms" in line and "attempts=2" in line
    for text in lines:
        for secret in ("SECRET-QUERY", "SECRET-BEARER", "SECRET-COOKIE", "SECRET-SESSION"):
            assert secret not in text


async def test_logging_transport_logs_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    caplog.set_level(logging.DEBUG, logger="ibkr_webapi")
    transport = LoggingTransport(httpx.MockTransport(handler))
    async with httpx.AsyncClient(base_url=BASE, transport=transport) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/tickle", params={"token": "SECRET"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "ibkr_webapi"]
    assert "-> ConnectError after" in line and "SECRET" not in line


async def test_logging_is_silent_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ibkr_webapi")
    transport = LoggingTransport(httpx.MockTransport(lambda r: httpx.Response(200)))
    async with httpx.AsyncClient(base_url=BASE, transport=transport) as client:
        await client.get("/tickle")
    assert [r for r in caplog.records if r.name == "ibkr_webapi"] == []
