"""RetryTransport: what is retried, how long it waits, and what is never sent twice."""

from __future__ import annotations

import random

import httpx
import pytest

from ibkr_webapi.transports.retry import RetryPolicy, RetryTransport

BASE = "https://localhost:5000/v1/api"
Outcome = httpx.Response | Exception


class Scripted(httpx.AsyncBaseTransport):
    """Answers with the scripted outcomes in order and records every request it sees."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class MaxJitter(random.Random):
    """Full jitter that always picks the upper bound, so delays are predictable."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.penalties: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def penalize(self, seconds: float) -> None:
        self.penalties.append(seconds)


def _client(inner: Scripted, rec: Recorder, policy: RetryPolicy | None = None) -> httpx.AsyncClient:
    transport = RetryTransport(
        inner,
        policy or RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0),
        on_rate_limited=rec.penalize,
        sleep=rec.sleep,
        rng=MaxJitter(),
        clock=lambda: 1_000_000.0,
    )
    return httpx.AsyncClient(base_url=BASE, transport=transport)


def _connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("connection refused")


async def test_get_retried_on_connect_error_with_exponential_backoff() -> None:
    inner = Scripted(
        _connect_error(), _connect_error(), _connect_error(), httpx.Response(200, json={})
    )
    rec = Recorder()
    async with _client(inner, rec) as client:
        response = await client.get("/iserver/accounts")
    assert response.status_code == 200
    assert len(inner.requests) == 4
    assert rec.sleeps == [0.5, 1.0, 2.0]
    assert response.extensions["ibkr_attempts"] == 4


async def test_get_retried_on_503_then_succeeds() -> None:
    inner = Scripted(httpx.Response(503), httpx.Response(503), httpx.Response(200, json={"ok": 1}))
    rec = Recorder()
    async with _client(inner, rec) as client:
        response = await client.get("/portfolio/U1/summary")
    assert response.json() == {"ok": 1}
    assert rec.sleeps == [0.5, 1.0]


async def test_backoff_is_capped_by_max_delay() -> None:
    inner = Scripted(*([httpx.Response(502)] * 5), httpx.Response(200))
    rec = Recorder()
    policy = RetryPolicy(max_retries=5, initial_delay=1.0, max_delay=3.0)
    async with _client(inner, rec, policy) as client:
        await client.get("/iserver/accounts")
    assert rec.sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]


async def test_full_jitter_stays_within_bounds_and_is_seedable() -> None:
    policy = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0)
    sleeps: list[list[float]] = []
    for _ in range(2):
        inner = Scripted(*([httpx.Response(503)] * 3), httpx.Response(200))
        rec = Recorder()
        transport = RetryTransport(inner, policy, sleep=rec.sleep, rng=random.Random(7))
        async with httpx.AsyncClient(base_url=BASE, transport=transport) as client:
            await client.get("/iserver/accounts")
        sleeps.append(rec.sleeps)
    assert sleeps[0] == sleeps[1]
    for delay, cap in zip(sleeps[0], [0.5, 1.0, 2.0], strict=True):
        assert 0.0 <= delay <= cap


async def test_connect_error_after_last_attempt_propagates_unchanged() -> None:
    error = _connect_error()
    inner = Scripted(_connect_error(), _connect_error(), error)
    rec = Recorder()
    async with _client(inner, rec, RetryPolicy(max_retries=2)) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get("/iserver/accounts")
    assert caught.value is error
    assert len(inner.requests) == 3


async def test_503_after_last_attempt_is_returned() -> None:
    inner = Scripted(httpx.Response(503), httpx.Response(503), httpx.Response(503))
    rec = Recorder()
    async with _client(inner, rec, RetryPolicy(max_retries=2)) as client:
        response = await client.get("/iserver/accounts")
    assert response.status_code == 503 and len(inner.requests) == 3


async def test_post_order_never_retried_on_503() -> None:
    inner = Scripted(httpx.Response(503), httpx.Response(200))
    rec = Recorder()
    async with _client(inner, rec) as client:
        response = await client.post("/iserver/account/U1234567/orders", json={"orders": []})
    assert response.status_code == 503
    assert len(inner.requests) == 1 and rec.sleeps == []


async def test_post_order_never_retried_on_connect_error() -> None:
    inner = Scripted(_connect_error(), httpx.Response(200))
    rec = Recorder()
    async with _client(inner, rec) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post("/iserver/account/U1234567/orders", json={"orders": []})
    assert len(inner.requests) == 1


async def test_post_reply_and_modify_never_retried_on_read_timeout() -> None:
    for path in ("/iserver/reply/abc", "/iserver/account/U1234567/order/42"):
        inner = Scripted(httpx.ReadTimeout("slow"), httpx.Response(200))
        async with _client(inner, Recorder()) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(path, json={"confirmed": True})
        assert len(inner.requests) == 1


async def test_read_only_post_is_retried() -> None:
    inner = Scripted(httpx.ReadError("reset"), httpx.Response(200, json=[]))
    rec = Recorder()
    async with _client(inner, rec) as client:
        response = await client.post("/iserver/secdef/search", json={"symbol": "IBM"})
    assert response.status_code == 200 and len(inner.requests) == 2
    assert inner.requests[1].content == b'{"symbol":"IBM"}'


async def test_read_only_post_list_is_configurable() -> None:
    policy = RetryPolicy(read_only_posts=("/iserver/watchlist",))
    assert policy.is_retryable("POST", "/iserver/watchlist")
    assert not policy.is_retryable("POST", "/iserver/secdef/search")


def test_read_only_post_list_refuses_order_writes() -> None:
    for pattern in ("/iserver/account/{accountId}/orders", "/iserver/**", "/iserver/reply/*"):
        with pytest.raises(ValueError, match="never be retried"):
            RetryPolicy(read_only_posts=(pattern,))


async def test_request_extension_opts_out_of_retries() -> None:
    inner = Scripted(httpx.Response(503), httpx.Response(200))
    async with _client(inner, Recorder()) as client:
        response = await client.get("/iserver/accounts", extensions={"ibkr_retry": False})
    assert response.status_code == 503 and len(inner.requests) == 1


async def test_request_extension_opts_a_post_in() -> None:
    inner = Scripted(httpx.Response(503), httpx.Response(200))
    async with _client(inner, Recorder()) as client:
        response = await client.post("/iserver/watchlist", json={}, extensions={"ibkr_retry": True})
    assert response.status_code == 200 and len(inner.requests) == 2


async def test_429_with_retry_after_is_honoured_even_for_post_orders() -> None:
    inner = Scripted(
        httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json=[])
    )
    rec = Recorder()
    async with _client(inner, rec) as client:
        response = await client.post("/iserver/account/U1234567/orders", json={"orders": []})
    assert response.status_code == 200 and len(inner.requests) == 2
    assert rec.sleeps == [3.0]
    assert rec.penalties == [3.0]


async def test_429_retry_after_as_http_date() -> None:
    date = "Mon, 12 Jan 1970 13:46:45 GMT"  # 1_000_005 seconds after the epoch
    inner = Scripted(httpx.Response(429, headers={"Retry-After": date}), httpx.Response(200))
    rec = Recorder()
    async with _client(inner, rec) as client:
        await client.get("/iserver/accounts")
    assert rec.sleeps == [pytest.approx(5.0)]


async def test_429_without_retry_after_uses_backoff() -> None:
    inner = Scripted(httpx.Response(429), httpx.Response(429), httpx.Response(200))
    rec = Recorder()
    async with _client(inner, rec) as client:
        await client.get("/iserver/accounts")
    assert rec.sleeps == [0.5, 1.0]
    assert rec.penalties == [0.5, 1.0]


async def test_429_with_too_long_wait_is_returned_and_penalizes() -> None:
    inner = Scripted(httpx.Response(429, headers={"Retry-After": "600"}), httpx.Response(200))
    rec = Recorder()
    async with _client(inner, rec) as client:
        response = await client.get("/iserver/accounts")
    assert response.status_code == 429
    assert len(inner.requests) == 1 and rec.sleeps == []
    assert rec.penalties == [600.0]


async def test_no_retries_policy_returns_first_answer() -> None:
    inner = Scripted(httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200))
    rec = Recorder()
    async with _client(inner, rec, RetryPolicy.none()) as client:
        response = await client.get("/iserver/accounts")
    assert response.status_code == 429 and rec.penalties == [1.0]


async def test_500_is_not_retried() -> None:
    inner = Scripted(httpx.Response(500), httpx.Response(200))
    async with _client(inner, Recorder()) as client:
        response = await client.get("/iserver/accounts")
    assert response.status_code == 500 and len(inner.requests) == 1


async def test_delete_cancel_is_retried_on_connect_error() -> None:
    inner = Scripted(_connect_error(), httpx.Response(200, json={"msg": "Request was submitted"}))
    async with _client(inner, Recorder()) as client:
        response = await client.delete("/iserver/account/U1234567/order/42")
    assert response.status_code == 200 and len(inner.requests) == 2
