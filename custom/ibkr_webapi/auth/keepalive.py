"""The background task that keeps the gateway session alive."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..errors import ConfigurationError

logger = logging.getLogger("ibkr_webapi")


class Keepalive:
    """Calls ``tickle`` every ``interval`` seconds until stopped; failures are logged, never raised."""

    def __init__(self, tickle: Callable[[], Awaitable[None]], interval: float) -> None:
        if interval <= 0:
            raise ConfigurationError(
                "keepalive interval must be positive; pass keepalive=None to turn it off"
            )
        self._tickle = tickle
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._run(), name="ibkr-webapi-keepalive")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # our caller is being cancelled too: let that through

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self._tickle()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop must outlive one bad tickle
                logger.warning("keepalive tickle failed: %s", exc)
