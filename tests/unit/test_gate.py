"""The order gate, tested at the transport boundary: what reaches the network, in which order.

The gate is enforced by the pacer just above the network, so it holds back requests already
queued, retries waking from their backoff and the session layer's own calls alike.
"""

from __future__ import annotations

import asyncio
import json
import random

import httpx

from ibkr_webapi import Pacer, RateLimitPolicy, RetryPolicy
from ibkr_webapi.transports import build_transport_stack
from ibkr_webapi.transports.gate import Gate

BASE = "https://localhost:5000/v1/api"


class Gateway(httpx.AsyncBaseTransport):
    """A gateway stand-in that logs requests in arrival order (after up to ``jitter`` seconds on
    the way), asks a question about every order, fails some reads once with 503 and drops the
    session once."""

    def __init__(self, *, jitter: float, seed: int = 7) -> None:
        self.log: list[str] = []
        self.jitter = jitter
        self.rng = random.Random(seed)
        self.flaky: set[str] = set()
        self.expired = False
        self.questions: list[int] = []  # log indices of orders answered with a question

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.rng.uniform(0, self.jitter))  # arrival jitter
        path = request.url.path.removeprefix("/v1/api")
        tag = request.headers.get("x-tag", "")
        self.log.append(f"{request.method} {path} {tag}".strip())
        if path == "/iserver/auth/ssodh/init":
            self.expired = False
            return httpx.Response(200, json={"authenticated": True})
        if path.startswith(("/iserver/auth", "/tickle")):
            return httpx.Response(200, json={"authenticated": not self.expired})
        if self.expired:
            return httpx.Response(401, json={"error": "not authenticated"})
        if path.endswith("/orders") and request.method == "POST":
            self.questions.append(len(self.log) - 1)
            return httpx.Response(200, json=[{"id": f"reply-{tag}", "message": ["Sure?"]}])
        if path.startswith("/iserver/reply/"):
            return httpx.Response(200, json=[{"order_id": "1", "order_status": "Submitted"}])
        if tag in self.flaky:
            self.flaky.discard(tag)
            return httpx.Response(503)
        return httpx.Response(200, json={})


async def test_no_foreign_request_between_a_question_and_its_reply_under_load() -> None:
    gateway = Gateway(jitter=0.004)
    pacer = Pacer(RateLimitPolicy(global_rate="400/second", rules=(), margin=0.005), store="memory")
    stack = build_transport_stack(
        base_url=BASE,
        inner=gateway,
        pacer=pacer,
        retry_policy=RetryPolicy(max_retries=2, initial_delay=0.005, max_delay=0.02),
        prerequisites=(),
        poll_interval=0.001,
    )
    gate = Gate(pacer)
    client = httpx.AsyncClient(base_url=BASE, transport=stack.transport)
    gateway.flaky = {f"read{i}" for i in range(0, 300, 7)}  # retried after a backoff sleep

    async def read(i: int) -> None:
        response = await client.get(f"/iserver/contract/{i}/info", headers={"x-tag": f"read{i}"})
        assert response.status_code == 200

    async def order(i: int) -> None:
        tag = f"order{i}"
        async with gate.exclusive():
            answer = await client.post(
                "/iserver/account/U1/orders", json={"orders": []}, headers={"x-tag": tag}
            )
            reply_id = answer.json()[0]["id"]
            await asyncio.sleep(0.003)  # the caller decides
            await client.post(f"/iserver/reply/{reply_id}", json={"confirmed": True})

    async def keepalive() -> None:
        for _ in range(20):
            await client.post("/tickle", headers={"x-tag": "tickle"})
            await asyncio.sleep(0.01)

    async def expire_once() -> None:
        await asyncio.sleep(0.2)
        gateway.expired = True  # a 401 mid-load: the session layer's own calls join in

    jobs = [read(i) for i in range(300)] + [order(i) for i in range(30)]
    await asyncio.gather(*jobs, keepalive(), expire_once())
    await client.aclose()

    assert len(gateway.questions) == 30
    for index in gateway.questions:
        tag = gateway.log[index].split()[-1]
        follower = gateway.log[index + 1]
        assert follower.startswith(f"POST /iserver/reply/reply-{tag}"), gateway.log[
            index - 2 : index + 3
        ]
    assert any("ssodh/init" in line for line in gateway.log)
    assert sum("read" in line for line in gateway.log) >= 300 + len(range(0, 300, 7))


async def test_requests_from_other_tasks_wait_until_the_gate_is_released() -> None:
    order: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        order.append(request.url.path.removeprefix("/v1/api"))
        return httpx.Response(200, json={})

    pacer = Pacer(RateLimitPolicy.off(), store="memory")
    stack = build_transport_stack(
        base_url=BASE, inner=httpx.MockTransport(handler), pacer=pacer, prerequisites=()
    )
    gate = Gate(pacer)
    client = httpx.AsyncClient(base_url=BASE, transport=stack.transport)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def order_flow() -> None:
        async with gate.exclusive():
            await client.post("/iserver/account/U1/orders", json={})
            holding.set()
            await release.wait()
            await client.post("/iserver/reply/x", json={})

    async def tickle() -> None:
        await holding.wait()
        await client.post("/tickle")

    flow = asyncio.create_task(order_flow())
    other = asyncio.create_task(tickle())
    await holding.wait()
    await asyncio.sleep(0.05)
    assert order == ["/iserver/account/U1/orders"]  # the tickle is held back
    release.set()
    await asyncio.gather(flow, other)
    assert order == ["/iserver/account/U1/orders", "/iserver/reply/x", "/tickle"]
    await client.aclose()


async def test_gate_is_reentrant_for_its_holder() -> None:
    gate = Gate()
    async with gate.exclusive(), gate.exclusive():
        assert gate.held()
        await asyncio.wait_for(gate.wait_turn(), 0.5)  # the holder never waits for itself
    assert not gate.held()


async def test_wait_turn_waits_for_another_holder() -> None:
    gate = Gate()
    go = asyncio.Event()

    async def other() -> None:
        await go.wait()
        await gate.wait_turn()

    waiting = asyncio.create_task(other())
    async with gate.exclusive():
        go.set()
        await asyncio.sleep(0.05)
        assert not waiting.done()
    await asyncio.wait_for(waiting, 1)


def _body(request: httpx.Request) -> object:
    return json.loads(request.content or b"null")
