"""Spacing of IBKR's slowest endpoints across ``ibkr-webapi`` processes.

Every command runs in a new process with a new pacer, so two commands run back to back could call a
one-per-five-seconds endpoint (``/portfolio/accounts``, live orders, P&L) twice within its window:
IBKR answers 429 and keeps the IP in its penalty box for 10-15 minutes. :class:`SharedPacer`
remembers, in a small file in the user's cache directory, when each such endpoint was last called
through each gateway, and waits out the rest of its window before calling it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import IO, Any

from ..transports.pacing import Pacer, RateLimitPolicy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locking, the file is still read and written
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("ibkr_webapi")
_MARGIN = 0.1  # seconds added to each window, for clock jitter between us and the gateway
_FORGET_AFTER = 3600.0


_LOCK_RETRY = 0.02


def default_state_file() -> Path:
    """``$XDG_CACHE_HOME/ibkr-webapi/pacing.json`` (``~/.cache/...`` by default)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "ibkr-webapi" / "pacing.json"


def _lock(handle: IO[str]) -> None:
    # Never block the event loop: a held lock raises BlockingIOError and the caller retries.
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


class SharedPacer(Pacer):
    """A :class:`Pacer` that also spaces single-call windows ("1 per 5 seconds") across processes."""

    def __init__(
        self,
        gateway: str,
        policy: RateLimitPolicy | None = None,
        *,
        state_file: Path | None = None,
    ) -> None:
        super().__init__(policy)
        self._gateway = gateway.rstrip("/")
        self._state_file = state_file or default_state_file()

    async def acquire(self, method: str, path: str) -> Any:
        """Wait for the other processes' recent calls of slow endpoints, then for this process."""
        if self.policy.enabled:
            for rule in self.policy.matching(method, path):
                item = rule.limit_item
                if item is not None and item.amount == 1:
                    await self._space(f"{self._gateway} {rule.key}", float(item.get_expiry()))
        return await super().acquire(method, path)

    async def _space(self, name: str, interval: float) -> None:
        while True:
            wait = self._claim(name, interval)  # a tiny local file: no thread needed
            if wait <= 0:
                return
            logger.debug("pacing: %s was called %.1f s ago by another process", name, wait)
            await asyncio.sleep(wait)

    def _claim(self, name: str, interval: float) -> float:
        """Record a call of ``name`` now, or return how long to wait first (0 when recorded)."""
        try:
            self._state_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self._state_file, "a+", encoding="utf-8") as handle:
                try:
                    _lock(handle)
                except BlockingIOError:
                    return _LOCK_RETRY  # another process is writing: look again shortly
                handle.seek(0)
                try:
                    loaded = json.loads(handle.read() or "{}")
                except ValueError:
                    loaded = {}
                now = time.time()
                state = {
                    key: float(value)
                    for key, value in (loaded.items() if isinstance(loaded, dict) else [])
                    if isinstance(value, int | float) and 0 <= now - value < _FORGET_AFTER
                }
                last = state.get(name)
                if last is not None and now - last < interval + _MARGIN:
                    return last + interval + _MARGIN - now
                state[name] = now
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(state))
                return 0.0
        except OSError as exc:  # an unwritable cache must not stop the command
            logger.debug(
                "pacing: cannot use %s (%s); pacing within this process only", self._state_file, exc
            )
            return 0.0
