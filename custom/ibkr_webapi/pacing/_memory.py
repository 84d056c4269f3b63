"""MemoryStore: the budget in this process's memory (several clients in one process share it)."""

from __future__ import annotations

import time
from collections.abc import Callable

from ._policy import Demand
from ._rates import TIMER_SLACK
from ._store import CAP, GATE, GRANTED, HOLD, RATE, Outcome, Slot

__all__ = ["MemoryStore"]


class MemoryStore:
    """Exact in-memory state: per-key grant times, slot counts, hold and gate.

    ``clock`` is monotonic seconds (replaceable in tests). Cheap: a grant is a few dictionary
    operations, no await point.
    """

    shared = False
    poll_interval = 0.05
    max_cap = 1_000_000

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}
        self._in_flight: dict[str, int] = {}
        self._hold_until = 0.0
        self._gate = 0
        self._gate_clear_at = 0.0
        self._last_grant = float("-inf")

    def __repr__(self) -> str:
        return "MemoryStore()"

    def bind(self, gateway: str) -> None:
        return None

    def try_acquire(self, demand: Demand, gate: int) -> Outcome:
        """:meth:`acquire` without the coroutine (the pacer's fast path uses it)."""
        now = self._clock()
        if self._hold_until > now:
            return Outcome(False, wait=self._hold_until - now, reason=HOLD)
        if self._gate:
            if self._gate != gate:
                return Outcome(False, wait=None, reason=GATE)
            if self._gate_clear_at > now:
                return Outcome(False, wait=self._gate_clear_at - now, reason=GATE)
        tat = self._tat
        worst = 0.0
        why = ""
        for limit in demand.limits:
            ahead = tat.get(limit.key, 0.0) - now
            if ahead > worst:
                worst, why = ahead, limit.key
        if worst > 0.0:
            return Outcome(False, wait=worst, reason=RATE, key=why)
        in_flight = self._in_flight
        for cap in demand.caps:
            if in_flight.get(cap.key, 0) >= cap.limit:
                return Outcome(False, wait=None, reason=CAP, key=cap.key)
        due = now - TIMER_SLACK
        for limit in demand.limits:
            tat[limit.key] = max(tat.get(limit.key, 0.0), due) + limit.interval
        self._last_grant = now
        if not demand.caps:
            return GRANTED
        slots = []
        for cap in demand.caps:
            in_flight[cap.key] = in_flight.get(cap.key, 0) + 1
            slots.append(Slot(cap.key, 0, ""))
        return Outcome(True, slots=tuple(slots))

    async def acquire(self, demand: Demand, gate: int) -> Outcome:
        return self.try_acquire(demand, gate)

    def release_now(self, slots: tuple[Slot, ...]) -> None:
        for slot in slots:
            count = self._in_flight.get(slot.key, 0)
            if count > 0:
                self._in_flight[slot.key] = count - 1

    async def release(self, slots: tuple[Slot, ...]) -> None:
        self.release_now(slots)

    async def hold(self, seconds: float) -> tuple[float, bool]:
        now = self._clock()
        started = self._hold_until <= now
        self._hold_until = max(self._hold_until, now + seconds)
        return self._hold_until - now, started

    async def hold_remaining(self) -> float:
        return max(0.0, self._hold_until - self._clock())

    async def take_gate(self, token: int, margin: float, lease: float) -> float | None:
        if self._gate and self._gate != token:
            return self.poll_interval
        self._gate = token
        self._gate_clear_at = self._last_grant + margin
        return None

    async def release_gate(self, token: int) -> None:
        if self._gate == token:
            self._gate = 0

    async def reset(self) -> None:
        self._tat.clear()
        self._in_flight.clear()
        self._hold_until = 0.0
        self._gate = 0
        self._last_grant = float("-inf")

    async def aclose(self) -> None:
        return None
