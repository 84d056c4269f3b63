"""PacingTransport and the 429 hold through the whole stack, with a mock gateway."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from ibkr_webapi import EndpointRule, Pacer, RateLimitPolicy, RetryPolicy, errors
from ibkr_webapi.transports import build_transport_stack
from ibkr_webapi.transports.pacing import PacingTransport

BASE = "https://localhost:5000/v1/api"


class Arrivals(httpx.AsyncBaseTransport):
    """Records when and what reached the network."""

    def __init__(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.seen: list[tuple[float, str]] = []
        self.status = status
        self.headers = headers or {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((time.monotonic(), request.url.path.removeprefix("/v1/api")))
        return httpx.Response(self.status, headers=self.headers, json={})

    @property
    def paths(self) -> list[str]:
        return [path for _, path in self.seen]


def _client(pacer: Pacer, inner: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    pacer.bind(BASE)
    return httpx.AsyncClient(base_url=BASE, transport=PacingTransport(inner, pacer))


async def test_rules_match_paths_relative_to_the_api_base() -> None:
    inner = Arrivals()
    policy = RateLimitPolicy(global_rate=None, margin=0.0).with_rule(
        EndpointRule("GET", "/iserver/account/orders", rate="1 per 0.2 seconds")
    )
    async with _client(Pacer(policy, store="memory"), inner) as client:
        await client.get("/iserver/account/orders")
        await client.get("/iserver/account/orders")
        await client.get("/iserver/accounts")
    (first, _), (second, _), _ = inner.seen
    assert second - first >= 0.2 - 0.002
    assert inner.paths == ["/iserver/account/orders"] * 2 + ["/iserver/accounts"]


async def test_history_concurrency_capped_at_five() -> None:
    release = asyncio.Event()
    in_flight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await release.wait()
        in_flight -= 1
        return httpx.Response(200, json={"data": []})

    pacer = Pacer(RateLimitPolicy(global_rate=None), store="memory")
    async with _client(pacer, httpx.MockTransport(handler)) as client:
        tasks = [
            asyncio.create_task(client.get("/iserver/marketdata/history", params={"conid": i}))
            for i in range(6)
        ]
        for _ in range(20):
            await asyncio.sleep(0)
        assert in_flight == 5
        release.set()
        responses = await asyncio.gather(*tasks)
    assert most == 5
    assert [r.status_code for r in responses] == [200] * 6


async def test_concurrency_slot_held_until_streamed_body_is_closed() -> None:
    class Streaming(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, stream=httpx.ByteStream(b"{}"))

    policy = RateLimitPolicy(
        global_rate=None, rules=(EndpointRule("GET", "/slow", max_in_flight=1),)
    )
    async with _client(Pacer(policy, store="memory"), Streaming()) as client:
        async with client.stream("GET", "/slow"):
            second = asyncio.create_task(client.get("/slow"))
            for _ in range(10):
                await asyncio.sleep(0)
            assert not second.done()
        assert (await second).status_code == 200


def _stack(inner: httpx.AsyncBaseTransport, pacer: Pacer, retry: RetryPolicy | None = None):  # type: ignore[no-untyped-def]
    return build_transport_stack(
        base_url=BASE,
        inner=inner,
        pacer=pacer,
        retry_policy=retry or RetryPolicy(),
        prerequisites=(),
    )


async def test_a_429_without_retry_after_holds_everything_for_the_default_hold() -> None:
    inner = Arrivals(status=429)
    pacer = Pacer(RateLimitPolicy(global_rate=None, max_wait=5), store="memory")
    stack = _stack(inner, pacer)
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport) as client:
        response = await client.get("/iserver/accounts")
        assert response.status_code == 429
        exc = errors.error_from_response(response)
        assert isinstance(exc, errors.RateLimitError)
        assert exc.retry_after == pytest.approx(900, abs=1)  # never None for a hold
        for _ in range(3):  # nothing more is sent into the box: callers get the error at once
            with pytest.raises(errors.RateLimitError) as caught:
                await client.get("/iserver/marketdata/snapshot")
            assert caught.value.retry_after == pytest.approx(900, abs=2)
    assert inner.paths == ["/iserver/accounts"]
    assert await pacer.penalty_remaining() == pytest.approx(900, abs=2)


async def test_a_429_with_a_short_retry_after_is_retried_when_the_hold_ends() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, json={})]
    seen: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        return answers.pop(0)

    pacer = Pacer(RateLimitPolicy(global_rate=None), store="memory")
    stack = _stack(httpx.MockTransport(handler), pacer)
    async with httpx.AsyncClient(base_url=BASE, transport=stack.transport) as client:
        response = await client.post("/iserver/account/U1/orders", json={"orders": []})
    assert response.status_code == 200  # the gateway did not act on the 429: safe to resend
    assert seen[1] - seen[0] >= 1.0 - 0.01  # nothing retried into the box


async def test_the_hold_is_shared_by_every_client_of_the_pacer() -> None:
    pacer = Pacer(RateLimitPolicy(max_wait=1), store="memory")
    first = _stack(Arrivals(status=429, headers={"Retry-After": "120"}), pacer)
    other_inner = Arrivals()
    second = _stack(other_inner, pacer)
    async with (
        httpx.AsyncClient(base_url=BASE, transport=first.transport) as one,
        httpx.AsyncClient(base_url=BASE, transport=second.transport) as two,
    ):
        assert (await one.get("/iserver/accounts")).status_code == 429
        with pytest.raises(errors.RateLimitError):
            await two.get("/iserver/accounts")
    assert other_inner.seen == []
