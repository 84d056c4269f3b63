"""The gate: while an order flow talks to the gateway, other tasks wait."""

from __future__ import annotations

import asyncio

import httpx

from ibkr_webapi.transports.gate import Gate, GateTransport


async def test_requests_from_other_tasks_wait_until_the_gate_is_released() -> None:
    order: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        order.append(request.url.path)
        return httpx.Response(200, json={})

    gate = Gate()
    client = httpx.AsyncClient(
        transport=GateTransport(httpx.MockTransport(handler), gate), base_url="http://g"
    )
    holding = asyncio.Event()
    release = asyncio.Event()

    async def order_flow() -> None:
        async with gate.exclusive():
            await client.post("/orders")
            holding.set()
            await release.wait()
            await client.post("/reply")

    async def tickle() -> None:
        await holding.wait()
        await client.post("/tickle")

    flow = asyncio.create_task(order_flow())
    other = asyncio.create_task(tickle())
    await holding.wait()
    await asyncio.sleep(0.01)
    assert order == ["/orders"]  # the tickle is held back
    release.set()
    await asyncio.gather(flow, other)
    assert order == ["/orders", "/reply", "/tickle"]
    await client.aclose()


async def test_gate_is_reentrant_for_its_holder() -> None:
    gate = Gate()
    async with gate.exclusive(), gate.exclusive():
        await asyncio.wait_for(gate.wait_turn(), 0.5)


async def test_free_gate_lets_everyone_through() -> None:
    await asyncio.wait_for(Gate().wait_turn(), 0.5)
