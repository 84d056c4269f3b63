"""Clocks the simulator reads: wall time with an offset, or a manual clock for tests."""

from __future__ import annotations

import time

# 2024-04-08 16:00:00 UTC, a Monday at noon in New York.
DEFAULT_START = 1_712_592_000.0


class Clock:
    """Epoch seconds from the wall clock, which `advance` can push forward."""

    def __init__(self) -> None:
        self._offset = 0.0

    def time(self) -> float:
        """Current simulated time in epoch seconds."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (session expiry, quotes, order fills, rate windows)."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        self._offset += seconds


class ManualClock(Clock):
    """A clock that stands still until advanced: makes quotes, expiry and limits deterministic."""

    def __init__(self, start: float = DEFAULT_START) -> None:
        super().__init__()
        self._now = start

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        self._now += seconds
