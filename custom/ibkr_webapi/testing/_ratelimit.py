"""Rate limits with sliding windows on the simulator clock, and the penalty box."""

from __future__ import annotations

from collections import deque

from ._config import RateLimit, SimulatorConfig


class RateLimiter:
    """Counts requests per client IP; answers how long a refused client must wait.

    A refusal puts the IP in the penalty box: every request from it is refused until the box
    opens, whatever it asks for.
    """

    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._penalty_until: dict[str, float] = {}

    def check(self, client: str, endpoint: str, now: float) -> float | None:
        """Count one request to `endpoint` ("GET /path/template"); None if allowed, else seconds to wait."""
        config = self._config
        if not config.rate_limits:
            return None
        waiting = self.penalty_remaining(client, now)
        if waiting is not None:
            return waiting
        limits = [("*", config.global_rate_limit)]
        specific = config.endpoint_rate_limits.get(endpoint)
        if specific is not None:
            limits.append((endpoint, specific))
        if any(self._full(client, key, limit, now) for key, limit in limits):
            return self.punish(client, now)
        for key, _ in limits:
            self._windows.setdefault((client, key), deque()).append(now)
        return None

    def _full(self, client: str, key: str, limit: RateLimit, now: float) -> bool:
        window = self._windows.setdefault((client, key), deque())
        horizon = now - limit.per * (1.0 - self._config.rate_limit_tolerance)
        while window and window[0] <= horizon:
            window.popleft()
        return len(window) >= limit.count

    def punish(self, client: str, now: float) -> float:
        """Put `client` in the penalty box; returns how long it stays there."""
        self._penalty_until[client] = now + self._config.penalty_box
        return self._config.penalty_box

    def penalty_remaining(self, client: str, now: float) -> float | None:
        until = self._penalty_until.get(client)
        if until is None:
            return None
        if now >= until:
            del self._penalty_until[client]
            return None
        return until - now

    def release(self) -> None:
        """Forget every window and open the penalty box."""
        self._windows.clear()
        self._penalty_until.clear()
