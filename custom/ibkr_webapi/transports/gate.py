"""The order gate: one task talks to the gateway alone while an order question is open.

The gateway drops an order whose confirmation question is not answered by the very next request.
The gate lives in the :class:`~ibkr_webapi.pacing.Pacer`, which grants every attempt just above
the network: while a task holds it, nothing else is granted - not requests already queued, not
retries waking from their backoff, not the session layer's keepalive or recovery calls, and not
other processes sharing the budget. The holder's own requests go first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..pacing import Pacer, RateLimitPolicy

__all__ = ["Gate"]


class Gate:
    """Exclusive access to the gateway for the task (and the tasks it starts) that holds it."""

    def __init__(self, pacer: Pacer | None = None) -> None:
        self.pacer = pacer if pacer is not None else Pacer(RateLimitPolicy.off())

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the gate until the block ends (re-entrant for the holder)."""
        async with self.pacer.exclusive():
            yield

    async def wait_turn(self) -> None:
        """Wait until the gate is free, unless the calling task holds it."""
        await self.pacer.wait_gate()

    def held(self) -> bool:
        """Whether the calling task holds the gate."""
        return self.pacer.holds_gate()
