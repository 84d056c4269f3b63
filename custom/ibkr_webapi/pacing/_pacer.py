"""Pacer: the one budget every request to a gateway takes from, in a fair order.

Requests ask :meth:`Pacer.acquire`; a grant means "send now". Between asking and the grant a
request waits in a local queue ordered by priority (the order-gate holder first, then the session
layer's own calls, then everything else) and arrival. The queue is worked by one short-lived task
that tries the head requests against the store and sleeps exactly until the next one can go. A
request held back only by its own endpoint's limit does not hold up requests behind it that need
other endpoints; one held back by the global limit does (they all need it).
"""

from __future__ import annotations

import asyncio
import bisect
import contextvars
import itertools
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from .. import errors
from .._paths import gateway_key
from ._host import HostStore
from ._memory import MemoryStore
from ._policy import GLOBAL_KEY, Demand, RateLimitPolicy
from ._store import CAP, GATE, HOLD, Outcome, Slot, Store

__all__ = ["Pacer", "Permit"]

logger = logging.getLogger("ibkr_webapi")

_gate_owner: contextvars.ContextVar[int] = contextvars.ContextVar("ibkr_gate_owner", default=0)
_follow_up: contextvars.ContextVar[bool] = contextvars.ContextVar("ibkr_follow_up", default=False)

HOLDER, SESSION, NORMAL = 0, 1, 2
_NOTHING = Demand((), (), "")
_seq = itertools.count()


class Permit:
    """A grant: the request may go. Release it when the answer is read (frees concurrency slots)."""

    __slots__ = ("_pacer", "_slots")

    def __init__(self, pacer: Pacer | None, slots: tuple[Slot, ...]) -> None:
        self._pacer = pacer
        self._slots = slots

    async def release(self) -> None:
        pacer, self._pacer = self._pacer, None
        if pacer is not None and self._slots:
            await pacer._release(self._slots)


_FREE = Permit(None, ())


class _Waiter:
    __slots__ = (
        "cap_blocked",
        "deadline",
        "demand",
        "future",
        "gate",
        "key",
        "not_before",
        "priority",
        "session",
        "since",
    )

    def __init__(
        self,
        demand: Demand,
        priority: int,
        gate: int,
        session: bool,
        future: asyncio.Future[Permit],
        since: float,
        deadline: float,
    ) -> None:
        self.demand = demand
        self.priority = priority
        self.gate = gate
        self.session = session
        self.future = future
        self.since = since
        self.deadline = deadline
        self.not_before = 0.0
        self.cap_blocked = False
        self.key = (priority, next(_seq))


def _make_store(store: Store | str | None, policy: RateLimitPolicy) -> Store:
    if store is None:
        return HostStore() if policy.enabled else MemoryStore()
    if isinstance(store, str):
        if store == "host":
            return HostStore()
        if store == "memory":
            return MemoryStore()
        if store.startswith(("redis://", "rediss://", "unix://")):
            from ._redis import RedisStore

            return RedisStore(store)
        raise errors.ConfigurationError(
            f"pacer store {store!r}: use 'host' (every process on this machine, the default), "
            "'memory' (this process) or a Redis URL such as 'redis://localhost:6379/0'"
        )
    return store


class Pacer:
    """The shared budget of one gateway: rates, concurrency caps, the 429 hold and the order gate.

    ``store`` is where the budget lives:

    * ``None`` / ``"host"`` (default): every process of this user on this machine that talks to the
      same gateway shares it, with no set-up (a small file in the user's cache directory);
    * ``"memory"``: this process only;
    * ``"redis://host:6379/0"`` or a :class:`~ibkr_webapi.pacing.RedisStore`: every process on every
      host using that Redis.

    Clients given the same ``Pacer`` share it in any case. ``gate_lease``: another process waits at
    most this long for an order gate whose holder makes no request (a hung holder).
    """

    def __init__(
        self,
        policy: RateLimitPolicy | None = None,
        *,
        store: Store | str | None = None,
        gate_lease: float = 60.0,
    ) -> None:
        self._policy = policy or RateLimitPolicy()
        self._store = _make_store(store, self._policy)
        self._gate_lease = gate_lease
        self._gateway = ""
        self._waiters: list[_Waiter] = []
        self._dispatcher: asyncio.Task[None] | None = None
        self._wake: asyncio.Future[None] | None = None
        self._gate_lock = asyncio.Lock()
        self._gate_token = 0
        self._gate_free = asyncio.Event()
        self._gate_free.set()
        self._holder_waits = 0
        self._recovering = 0
        self._hold_seen_until = 0.0
        self._memory_fast = isinstance(self._store, MemoryStore)

    @property
    def policy(self) -> RateLimitPolicy:
        return self._policy

    @property
    def store(self) -> Store:
        return self._store

    @property
    def gateway(self) -> str:
        """The gateway this pacer is bound to (``""`` before its first client)."""
        return self._gateway

    def __repr__(self) -> str:
        return f"Pacer(store={self._store!r}, gateway={self._gateway!r}, policy={self._policy!r})"

    def bind(self, base_url: str) -> None:
        """Attach to the gateway at ``base_url`` (clients do this); one pacer serves one gateway."""
        key = gateway_key(base_url)
        if self._gateway and self._gateway != key:
            raise errors.ConfigurationError(
                f"this Pacer already paces {self._gateway}; give the client for {key} its own "
                "Pacer (every gateway has its own budget)"
            )
        if not self._gateway:
            for rule in self._policy.rules:
                if rule.max_in_flight is not None and rule.max_in_flight > self._store.max_cap:
                    raise errors.ConfigurationError(
                        f"{rule.key}: max_in_flight={rule.max_in_flight} is more than "
                        f"{type(self._store).__name__} tracks ({self._store.max_cap})"
                    )
            self._store.bind(key)
            self._gateway = key

    # -- taking budget --------------------------------------------------------------------------

    async def acquire(self, method: str, path: str, *, session: bool = False) -> Permit:
        """Wait until a request may go; ``path`` is relative to the API base. ``session`` marks
        the session layer's own calls (they go first). Release the permit when the answer is read.
        """
        if not self._gateway:
            self.bind("http://unbound")
        policy = self._policy
        demand = policy.demand(method, path) if policy.enabled else _NOTHING
        gate = _gate_owner.get()
        if gate and gate != self._gate_token:
            gate = 0  # a gate of another pacer
        priority = HOLDER if gate else (SESSION if session else NORMAL)
        if not self._waiters and (not self._recovering or session):
            ticket = gate or self._session_ticket(session)
            if self._memory_fast:
                outcome = self._store.try_acquire(demand, ticket)  # type: ignore[attr-defined]
            else:
                outcome = await self._store.acquire(demand, ticket)
            if outcome.granted:
                return Permit(self, outcome.slots) if outcome.slots else _FREE
            self._check_max_wait(demand, outcome, 0.0)
        loop = asyncio.get_running_loop()
        now = loop.time()
        max_wait = self._max_wait(demand)
        waiter = _Waiter(
            demand,
            priority,
            gate,
            session,
            loop.create_future(),
            now,
            now + max_wait if max_wait is not None else math.inf,
        )
        bisect.insort(self._waiters, waiter, key=lambda w: w.key)
        if priority == HOLDER:
            self._holder_waits += 1
        self._kick()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                await waiter.future.result().release()
            raise
        finally:
            if priority == HOLDER:
                self._holder_waits -= 1

    @asynccontextmanager
    async def slot(self, method: str, path: str) -> AsyncIterator[None]:
        """``async with pacer.slot("GET", "/iserver/accounts"):`` for calls made outside httpx."""
        permit = await self.acquire(method, path)
        try:
            yield
        finally:
            await permit.release()

    async def _release(self, slots: tuple[Slot, ...]) -> None:
        await self._store.release(slots)
        woke = False
        for waiter in self._waiters:
            if waiter.cap_blocked:
                waiter.cap_blocked = False
                waiter.not_before = 0.0
                woke = True
        if woke:
            self._kick()

    def _session_ticket(self, session: bool) -> int:
        """A session call may pass the gate while the holder itself waits (it needs the session)."""
        if session and self._gate_token and self._holder_waits > 0:
            return self._gate_token
        return 0

    # -- the queue ------------------------------------------------------------------------------

    def _kick(self) -> None:
        if not self._waiters:
            return
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(
                self._dispatch(), name="ibkr-webapi-pacer"
            )
        else:
            wake = self._wake
            if wake is not None and not wake.done():
                wake.set_result(None)

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiters:
            delay = await self._pass(loop)
            if not self._waiters:
                break
            wake = self._wake = loop.create_future()
            handle = None
            if delay is not None:
                handle = loop.call_later(max(0.0, delay), _settle, wake)
            try:
                await wake
            finally:
                self._wake = None
                if handle is not None:
                    handle.cancel()

    async def _pass(self, loop: asyncio.AbstractEventLoop) -> float | None:
        """Grant whatever can go now, in order; return the seconds until something may change."""
        waiters = self._waiters
        now = loop.time()
        delay = math.inf
        gate_blocked = False
        shared = self._store.shared
        poll = self._store.poll_interval
        i = 0
        while i < len(waiters):
            waiter = waiters[i]
            if waiter.future.done():
                waiters.pop(i)
                continue
            if waiter.deadline <= now:
                waiters.pop(i)
                self._fail_late(waiter, now)
                continue
            if self._recovering and not waiter.session:
                i += 1  # the session is being re-opened: only its own calls go
                continue
            if waiter.not_before > now:
                delay = min(delay, waiter.not_before - now)
                i += 1
                continue
            if gate_blocked and waiter.priority == NORMAL:
                i += 1
                continue
            ticket = waiter.gate or self._session_ticket(waiter.session)
            try:
                outcome = await self._store.acquire(waiter.demand, ticket)
            except Exception as exc:  # e.g. Redis unreachable: that request fails, closed
                waiters.remove(waiter)
                if not waiter.future.done():
                    waiter.future.set_exception(exc)
                continue
            now = loop.time()
            if outcome.granted:
                waiters.remove(waiter)
                permit = Permit(self, outcome.slots) if outcome.slots else _FREE
                if waiter.future.done():
                    await permit.release()  # cancelled while we asked
                else:
                    waiter.future.set_result(permit)
                continue
            wait = outcome.wait
            if outcome.reason == HOLD and wait is not None:
                self._note_hold(wait)
                for other in list(waiters):
                    if other.deadline < now + wait:
                        waiters.remove(other)
                        self._fail(other, outcome, now)
                delay = min(delay, wait)
                break
            if wait is not None and now + wait > waiter.deadline:
                waiters.remove(waiter)
                self._fail(waiter, outcome, now)
                continue
            if outcome.reason == GATE and wait is None:
                gate_blocked = True  # another holder: only its requests may go
                if shared:
                    delay = min(delay, poll)
                i += 1
                continue
            if outcome.reason == CAP:
                waiter.cap_blocked = True
                waiter.not_before = now + poll if shared else math.inf
                if shared:
                    delay = min(delay, poll)
                i += 1
                continue
            assert wait is not None
            if outcome.key == GLOBAL_KEY and outcome.reason != GATE:
                delay = min(delay, wait)
                break  # everyone behind needs the global budget too
            waiter.not_before = now + wait
            delay = min(delay, wait)
            i += 1
        for waiter in waiters:
            delay = min(delay, waiter.deadline - now)
        return None if delay == math.inf else delay

    # -- max_wait -------------------------------------------------------------------------------

    @staticmethod
    @contextmanager
    def follow_up() -> Iterator[None]:
        """Requests in this block are a call's own second look (a pre-flight poll, e.g. live
        orders, limited to 1 per 5 s): ``max_wait`` stretches to the endpoint's own spacing, so
        the call completes instead of failing half-way. A penalty hold still counts in full."""
        token = _follow_up.set(True)
        try:
            yield
        finally:
            _follow_up.reset(token)

    def _max_wait(self, demand: Demand) -> float | None:
        max_wait = self._policy.max_wait
        if max_wait is None or not _follow_up.get():
            return max_wait
        return max(max_wait, *(limit.interval for limit in demand.limits))

    def _check_max_wait(self, demand: Demand, outcome: Outcome, waited: float) -> None:
        max_wait = self._max_wait(demand)
        if max_wait is None or outcome.wait is None:
            return
        if outcome.reason == HOLD:
            self._note_hold(outcome.wait)
        if waited + outcome.wait > max_wait:
            raise self._error(demand, outcome)

    def _fail(self, waiter: _Waiter, outcome: Outcome, now: float) -> None:
        if not waiter.future.done():
            waiter.future.set_exception(self._error(waiter.demand, outcome))

    def _fail_late(self, waiter: _Waiter, now: float) -> None:
        ahead = sum(1 for w in self._waiters if w.key < waiter.key)
        interval = max((lim.interval for lim in waiter.demand.limits), default=0.0)
        estimate = max(self._store.poll_interval, (ahead + 1) * interval)
        outcome = Outcome(False, wait=estimate, reason="queue")
        if not waiter.future.done():
            waiter.future.set_exception(self._error(waiter.demand, outcome))

    def _error(self, demand: Demand, outcome: Outcome) -> errors.RateLimitError:
        wait = outcome.wait if outcome.wait is not None else self._store.poll_interval
        max_wait = self._policy.max_wait
        limit = f"max_wait={max_wait:g} s" if max_wait is not None else "max_wait"
        what = demand.label or "the request"
        if outcome.reason == HOLD:
            why = (
                f"every request to {self._gateway} is held for another {wait:.0f} s after IBKR "
                "answered 429 (its penalty box)"
            )
        elif outcome.reason == "queue":
            why = f"{len(self._waiters)} requests were queued ahead of it"
        else:
            label = next((lim.label for lim in demand.limits if lim.key == outcome.key), "")
            why = f"it would wait {wait:.1f} s for the limit of {label or outcome.key}"
        return errors.RateLimitError(
            f"pacing: {what} was not sent: {why}, more than {limit}; "
            "try again after retry_after seconds, or raise RateLimitPolicy.max_wait",
            retry_after=wait,
        )

    # -- the penalty hold -----------------------------------------------------------------------

    async def hold(self, seconds: float, *, reason: str = "IBKR answered 429") -> float:
        """Send nothing to this gateway for ``seconds`` (all processes sharing the store); a shorter
        hold never shortens a longer one. Returns the seconds left. Logs once per hold."""
        if not self._policy.enabled or seconds <= 0:
            return 0.0
        left, started = await self._store.hold(seconds)
        if started:
            self._hold_seen_until = time.monotonic() + left
            logger.warning(
                "%s: holding every request to %s for %.0f s (until %s) so the IP stays out of "
                "IBKR's penalty box",
                reason,
                self._gateway,
                left,
                time.strftime("%H:%M:%S", time.localtime(time.time() + left)),
            )
        return left

    async def penalize(self, seconds: float) -> None:
        """Alias of :meth:`hold` (the retry layer's hook)."""
        await self.hold(seconds)

    def _note_hold(self, left: float) -> None:
        until = time.monotonic() + left
        if until > self._hold_seen_until + 1.0:
            self._hold_seen_until = until
            logger.info(
                "pacing: requests to %s are held for %.0f s after a 429 (seen by another client "
                "or process sharing the budget)",
                self._gateway,
                left,
            )

    async def penalty_remaining(self) -> float:
        """Seconds left in the current hold (0 when none)."""
        if not self._policy.enabled:
            return 0.0
        return await self._store.hold_remaining()

    # -- the order gate -------------------------------------------------------------------------

    def holds_gate(self) -> bool:
        """Whether the calling task holds this pacer's order gate."""
        token = _gate_owner.get()
        return token != 0 and token == self._gate_token

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the order gate: until the block ends only requests made from this task (and the
        tasks it starts) are granted - in this process and in every process sharing the store."""
        if self.holds_gate():
            yield  # re-entrant
            return
        async with self._gate_lock:
            token = secrets.randbits(62) + 1
            while True:
                again = await self._store.take_gate(token, self._policy.margin, self._gate_lease)
                if again is None:
                    break
                await asyncio.sleep(again)  # another process holds it
            self._gate_token = token
            self._gate_free.clear()
            reset = _gate_owner.set(token)
            try:
                yield
            finally:
                _gate_owner.reset(reset)
                self._gate_token = 0
                self._gate_free.set()
                try:
                    await self._store.release_gate(token)
                finally:
                    self._kick()

    async def wait_gate(self) -> None:
        """Wait until no other task of this process holds the gate (its holder passes at once).
        Requests need not call this - the pacer holds them back anyway; it is for work that must
        not even start meanwhile (an OAuth login, say)."""
        while self._gate_token and not self.holds_gate():
            await self._gate_free.wait()

    @asynccontextmanager
    async def holder_waiting(self) -> AsyncIterator[None]:
        """Mark that the gate holder waits for the session layer (its calls may then pass)."""
        if not self.holds_gate():
            yield
            return
        self._holder_waits += 1
        self._kick()
        try:
            yield
        finally:
            self._holder_waits -= 1

    @asynccontextmanager
    async def recovering(self) -> AsyncIterator[None]:
        """While the session is re-opened, only session calls are granted (nothing else would
        reach a live session)."""
        self._recovering += 1
        try:
            yield
        finally:
            self._recovering -= 1
            self._kick()

    # -- housekeeping ---------------------------------------------------------------------------

    async def reset(self) -> None:
        """Forget every count, slot, hold and gate of this gateway (in the store too)."""
        self._hold_seen_until = 0.0
        await self._store.reset()

    async def aclose(self) -> None:
        """Close the store (files, Redis connections). Clients never close a pacer: it may be
        shared."""
        await self._store.aclose()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
