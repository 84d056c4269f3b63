"""An httpx transport layer that lets one task talk to the gateway alone for a while.

The gateway cancels an order whose confirmation question is not answered by the very next request.
While an order flow holds the gate, requests from every other task (keepalive tickles, other user
calls, calls made straight through the generated client) wait until it is released.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

_owner: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "ibkr_gate_owner", default=None
)


class Gate:
    """Exclusive access to the gateway for the task (and its awaited calls) that holds it."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._token: object | None = None
        self._released = asyncio.Event()
        self._released.set()

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the gate: only requests made from this context pass until the block ends."""
        if self._token is not None and _owner.get() is self._token:
            yield  # re-entrant for the holder
            return
        async with self._lock:
            token = object()
            self._token = token
            self._released.clear()
            reset = _owner.set(token)
            try:
                yield
            finally:
                _owner.reset(reset)
                self._token = None
                self._released.set()

    async def wait_turn(self) -> None:
        """Wait until the gate is free, unless this context is the holder."""
        while self._token is not None and _owner.get() is not self._token:
            await self._released.wait()


class GateTransport(httpx.AsyncBaseTransport):
    """Holds back requests from other tasks while a :class:`Gate` is held."""

    def __init__(self, inner: httpx.AsyncBaseTransport, gate: Gate) -> None:
        self._inner = inner
        self.gate = gate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.gate.wait_turn()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
