"""The interface every budget store offers the pacer, and what an attempt to take budget returns.

A store keeps, per gateway: the next time each rate key may be granted again (a GCRA / virtual
scheduling "theoretical arrival time"), the concurrency slots in use, the penalty hold after a 429,
the order gate and when the last request was granted. Every operation is one short critical
section, so several pacers (in one process, in several processes, on several hosts) can share it.
"""

from __future__ import annotations

from typing import Protocol

from ._policy import Demand

__all__ = ["CAP", "GATE", "HOLD", "RATE", "Outcome", "Slot", "Store"]

HOLD = "hold"
GATE = "gate"
RATE = "rate"
CAP = "cap"


class Slot:
    """A concurrency slot taken by a grant; handed back to the store on release."""

    __slots__ = ("holder", "index", "key")

    def __init__(self, key: str, index: int, holder: str) -> None:
        self.key = key
        self.index = index
        self.holder = holder


class Outcome:
    """What an attempt to take budget gave.

    Granted: ``slots`` are the concurrency slots taken. Refused: ``reason`` (``hold``, ``gate``,
    ``rate`` or ``cap``), the rule ``key`` that refused and ``wait``, the seconds until it could
    go (``None`` when the store cannot know: a gate or a slot held by another process).
    """

    __slots__ = ("granted", "key", "reason", "slots", "wait")

    def __init__(
        self,
        granted: bool,
        *,
        wait: float | None = 0.0,
        reason: str = "",
        key: str = "",
        slots: tuple[Slot, ...] = (),
    ) -> None:
        self.granted = granted
        self.wait = wait
        self.reason = reason
        self.key = key
        self.slots = slots

    def __repr__(self) -> str:
        if self.granted:
            return f"Outcome(granted, slots={len(self.slots)})"
        return f"Outcome(wait={self.wait}, reason={self.reason!r}, key={self.key!r})"


GRANTED = Outcome(True)


class Store(Protocol):
    """Where the budget of one gateway lives. See :class:`MemoryStore`, :class:`HostStore`,
    :class:`RedisStore`."""

    shared: bool
    """Whether other processes may use the same state (then waits it cannot know are polled)."""
    poll_interval: float
    """How often a request blocked by another process's gate or slot looks again (seconds)."""
    max_cap: int
    """The largest ``max_in_flight`` the store can track."""

    def bind(self, gateway: str) -> None:
        """Use the state of ``gateway`` (a :func:`~ibkr_webapi._paths.gateway_key`)."""

    async def acquire(self, demand: Demand, gate: int) -> Outcome:
        """Grant ``demand`` now, or say why not. ``gate`` is the caller's gate token (0: none):
        while another token holds the gate nothing is granted."""

    async def release(self, slots: tuple[Slot, ...]) -> None:
        """Hand back the concurrency slots of a grant."""

    async def hold(self, seconds: float) -> tuple[float, bool]:
        """Stop every grant for ``seconds`` (never shortening a longer hold). Returns the seconds
        left and whether this started a new hold (none was in force)."""

    async def hold_remaining(self) -> float:
        """Seconds left in the current hold (0 when none)."""

    async def take_gate(self, token: int, margin: float, lease: float) -> float | None:
        """Take the order gate for ``token``: ``None`` when taken, else seconds to look again.
        ``margin``: the holder's first grant waits that long after the last grant to anyone, so
        every earlier request has reached the gateway. ``lease``: a holder that is gone (its
        process died, or it made no request for this long) loses the gate."""

    async def release_gate(self, token: int) -> None:
        """Give the gate back (only if ``token`` holds it)."""

    async def reset(self) -> None:
        """Forget every count, slot, hold and gate of this gateway."""

    async def aclose(self) -> None:
        """Release resources (files, connections)."""
