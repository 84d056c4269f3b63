"""Client-side pacing within IBKR's documented rate limits.

IBKR answers 429 when a client goes too fast and then keeps the client IP in a "penalty box" for
10-15 minutes, so it is much cheaper to wait a little on our side. :class:`PacingTransport` asks a
:class:`Pacer` for permission before every request; the pacer holds:

* a global rate (10 requests/s through the gateway, 50/s for direct OAuth access),
* per-endpoint rates and concurrency caps (:class:`EndpointRule`), matched on the method and the
  path *relative to the API base* (``GET /iserver/marketdata/snapshot``),
* a penalty: after a 429 every request waits until the penalty has passed.

Rates are counted with the ``limits`` library (moving windows). The default storage,
``"async+memory://"``, is per process: pass the same :class:`Pacer` to several clients to give them
one budget. ``Pacer(storage="async+redis://localhost:6379")`` shares the budget (and penalties)
across processes too. Concurrency caps are always per process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, MovingWindowSupport, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from .. import errors
from ._util import EndpointPattern, relative_path

__all__ = [
    "GATEWAY_RULES",
    "EndpointRule",
    "Pacer",
    "PacingTransport",
    "RateLimitPolicy",
]

logger = logging.getLogger("ibkr_webapi")


def _parse_rate(value: str, name: str = "rate") -> RateLimitItem:
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(
            f"{name}={value!r} is not a rate; write it like '10/second', "
            "'1 per 5 seconds' or '1 per 15 minutes'"
        ) from exc


def _check_rate(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        _parse_rate(value, attribute.name)


def _check_in_flight(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")


def _method(value: str) -> str:
    return str(value).strip().upper() or "*"


def _path(value: str) -> str:
    path = str(value).strip().rstrip("/") or "/"
    if not path.startswith("/"):
        raise ValueError(f"rule paths start with '/' and are relative to the API base: {value!r}")
    return path


def _rules(values: Iterable[EndpointRule]) -> tuple[EndpointRule, ...]:
    rules = tuple(values)
    for rule in rules:
        if not isinstance(rule, EndpointRule):
            raise TypeError(f"rules must be EndpointRule objects, got {rule!r}")
    return rules


@attrs.frozen
class EndpointRule:
    """A limit for the requests matching ``method`` and ``path``.

    ``path`` is relative to the API base path, as IBKR documents it: ``/iserver/marketdata/snapshot``.
    ``{name}`` or ``*`` match one path segment, ``**`` any number (``/fyi/**``); ``method`` may be
    ``"*"``. ``rate`` uses the ``limits`` notation (``"10/second"``, ``"1 per 5 seconds"``);
    ``max_in_flight`` caps how many such requests may run at once. Every matching rule applies.
    """

    method: str = attrs.field(converter=_method)
    path: str = attrs.field(converter=_path)
    rate: str | None = attrs.field(default=None, validator=_check_rate)
    max_in_flight: int | None = attrs.field(default=None, validator=_check_in_flight)
    _pattern: EndpointPattern = attrs.field(init=False, repr=False, eq=False, hash=False)
    _item: RateLimitItem | None = attrs.field(init=False, repr=False, eq=False, hash=False)

    @_pattern.default
    def _make_pattern(self) -> EndpointPattern:
        return EndpointPattern(self.method, self.path)

    @_item.default
    def _make_item(self) -> RateLimitItem | None:
        return _parse_rate(self.rate) if self.rate is not None else None

    @property
    def key(self) -> str:
        """``"GET /iserver/marketdata/snapshot"``: identifies the rule (and its budget)."""
        return f"{self.method} {self.path}"

    @property
    def limit_item(self) -> RateLimitItem | None:
        return self._item

    def matches(self, method: str, path: str) -> bool:
        return self._pattern.matches(method, path)


# IBKR's published limits (see docs/reliability.md). The global 10/s is RateLimitPolicy.global_rate.
GATEWAY_RULES: tuple[EndpointRule, ...] = (
    EndpointRule("GET", "/iserver/marketdata/snapshot", rate="10/second"),
    EndpointRule("GET", "/iserver/marketdata/history", max_in_flight=5),
    EndpointRule("GET", "/iserver/account/orders", rate="1 per 5 seconds"),
    EndpointRule("GET", "/iserver/account/trades", rate="1 per 5 seconds"),
    EndpointRule("GET", "/iserver/account/pnl/partitioned", rate="1 per 5 seconds"),
    EndpointRule("GET", "/portfolio/accounts", rate="1 per 5 seconds"),
    EndpointRule("GET", "/portfolio/subaccounts", rate="1 per 5 seconds"),
    EndpointRule("*", "/tickle", rate="1/second"),
    EndpointRule("POST", "/iserver/scanner/run", rate="1/second"),
    EndpointRule("*", "/fyi/**", rate="1/second"),
    EndpointRule("GET", "/iserver/scanner/params", rate="1 per 15 minutes"),
    EndpointRule("*", "/pa/performance", rate="1 per 15 minutes"),
    EndpointRule("*", "/pa/summary", rate="1 per 15 minutes"),
    EndpointRule("*", "/pa/transactions", rate="1 per 15 minutes"),
    EndpointRule("GET", "/sso/validate", rate="1/minute"),
)


@attrs.frozen(kw_only=True)
class RateLimitPolicy:
    """What the pacer enforces. Immutable: derive variants with the ``with_``/``without_`` methods.

    ``global_rate`` applies to every request (``None``: no global limit). ``max_wait``: when a
    request would have to wait longer than this many seconds (a 1-per-15-minutes endpoint, a long
    penalty), raise :class:`~ibkr_webapi.errors.RateLimitError` instead of waiting; ``None`` waits.
    ``enabled=False`` turns pacing off entirely.
    """

    enabled: bool = True
    global_rate: str | None = attrs.field(default="10/second", validator=_check_rate)
    rules: tuple[EndpointRule, ...] = attrs.field(default=GATEWAY_RULES, converter=_rules)
    max_wait: float | None = None
    _global_item: RateLimitItem | None = attrs.field(init=False, repr=False, eq=False, hash=False)

    @_global_item.default
    def _make_global_item(self) -> RateLimitItem | None:
        return (
            _parse_rate(self.global_rate, "global_rate") if self.global_rate is not None else None
        )

    @classmethod
    def gateway(cls, **changes: Any) -> RateLimitPolicy:
        """IBKR's limits through the Client Portal gateway (the default): 10 requests/s overall."""
        return cls(**changes)

    @classmethod
    def oauth(cls, **changes: Any) -> RateLimitPolicy:
        """Direct access with OAuth (``api.ibkr.com``): 50 requests/s per username overall."""
        return cls(**{"global_rate": "50/second", **changes})

    @classmethod
    def off(cls) -> RateLimitPolicy:
        """No pacing at all (for tests against a simulator, or when something else paces)."""
        return cls(enabled=False)

    def disabled(self) -> RateLimitPolicy:
        return attrs.evolve(self, enabled=False)

    def with_global_rate(self, rate: str | None) -> RateLimitPolicy:
        return attrs.evolve(self, global_rate=rate)

    def with_rule(self, rule: EndpointRule) -> RateLimitPolicy:
        """This policy with ``rule`` added, replacing any rule with the same method and path."""
        kept = tuple(r for r in self.rules if r.key != rule.key)
        return attrs.evolve(self, rules=(*kept, rule))

    def without_rule(self, method: str, path: str) -> RateLimitPolicy:
        """This policy without the rule for ``method`` and ``path`` (as written in the rule)."""
        key = EndpointRule(method, path).key
        if not any(r.key == key for r in self.rules):
            raise KeyError(f"no rule for {key!r}; rules: {[r.key for r in self.rules]}")
        return attrs.evolve(self, rules=tuple(r for r in self.rules if r.key != key))

    @property
    def global_limit(self) -> RateLimitItem | None:
        return self._global_item

    def matching(self, method: str, path: str) -> list[EndpointRule]:
        """The rules that apply to a request (``path`` relative to the API base)."""
        return [rule for rule in self.rules if rule.matches(method, path)]


class _Permit:
    """Concurrency slots held by one request; released exactly once."""

    __slots__ = ("_semaphores",)

    def __init__(self, semaphores: list[asyncio.Semaphore]) -> None:
        self._semaphores = semaphores

    def release(self) -> None:
        semaphores, self._semaphores = self._semaphores, []
        for semaphore in reversed(semaphores):
            semaphore.release()


class Pacer:
    """The shared budget: a ``limits`` storage + moving-window limiter, concurrency caps, penalty.

    Pass one ``Pacer`` to several clients to make them share IBKR's limits (they all count against
    the same username / IP). ``storage`` is a ``limits`` async storage URI or instance: the default
    ``"async+memory://"`` lives in this process; ``"async+redis://host:6379"`` (needs the ``redis``
    or ``coredis`` package) shares the rates and 429 penalties across processes.

    429 penalties are written to the storage too when it is not in-process memory
    (``share_penalty=None``), so every process sharing it holds back; ``share_penalty`` forces that
    on or off. ``clock`` (seconds since the epoch, as the ``limits`` storages use) and ``sleep`` can
    be replaced in tests.
    """

    def __init__(
        self,
        policy: RateLimitPolicy | None = None,
        *,
        storage: str | Storage = "async+memory://",
        key_prefix: str = "ibkr_webapi",
        share_penalty: bool | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._policy = policy or RateLimitPolicy()
        if isinstance(storage, str):
            made = storage_from_string(storage)
            if not isinstance(made, Storage):
                raise errors.ConfigurationError(
                    f"pacer storage {storage!r} is not an async storage; use an 'async+...' URI "
                    "such as 'async+memory://' or 'async+redis://localhost:6379'"
                )
            storage = made
        if not isinstance(storage, MovingWindowSupport):
            raise errors.ConfigurationError(
                f"pacer storage {type(storage).__name__} has no moving-window support; use memory, "
                "redis or another storage that the 'limits' moving-window strategy supports"
            )
        self.storage: Storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._prefix = key_prefix
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._penalty_until = 0.0
        if share_penalty is None:
            share_penalty = not isinstance(storage, MemoryStorage)
        self._shared_penalty = share_penalty

    @property
    def policy(self) -> RateLimitPolicy:
        return self._policy

    def __repr__(self) -> str:
        return f"Pacer(storage={type(self.storage).__name__}, policy={self._policy!r})"

    # -- penalty --------------------------------------------------------------------------------

    @property
    def _penalty_key(self) -> str:
        return f"{self._prefix}/penalty"

    async def penalize(self, seconds: float) -> None:
        """Hold back every request for ``seconds`` (after a 429). A shorter penalty never shortens a
        longer one already in force."""
        if seconds <= 0:
            return
        until = self._clock() + seconds
        if until <= self._penalty_until:
            return
        self._penalty_until = until
        logger.warning("rate limited by IBKR: holding all requests for %.1f s", seconds)
        if self._shared_penalty:
            current = await self._shared_penalty_until()
            if until > current:
                await self.storage.clear(self._penalty_key)
                await self.storage.incr(self._penalty_key, math.ceil(seconds))

    async def _shared_penalty_until(self) -> float:
        if await self.storage.get(self._penalty_key) > 0:
            return float(await self.storage.get_expiry(self._penalty_key))
        return 0.0

    async def penalty_remaining(self) -> float:
        """Seconds left in the current penalty (0 when none)."""
        until = self._penalty_until
        if self._shared_penalty:
            until = max(until, await self._shared_penalty_until())
        return max(0.0, until - self._clock())

    # -- budget ---------------------------------------------------------------------------------

    def _semaphore(self, rule: EndpointRule) -> asyncio.Semaphore:
        semaphore = self._semaphores.get(rule.key)
        if semaphore is None:
            assert rule.max_in_flight is not None
            semaphore = self._semaphores[rule.key] = asyncio.Semaphore(rule.max_in_flight)
        return semaphore

    def _limits_for(self, rules: Iterable[EndpointRule]) -> list[tuple[RateLimitItem, str, str]]:
        """(limit, identifier, label) for every rate that applies; narrowest first."""
        found: list[tuple[RateLimitItem, str, str]] = []
        for rule in rules:
            if rule.limit_item is not None:
                found.append((rule.limit_item, rule.key, f"{rule.key} ({rule.rate})"))
        global_item = self._policy.global_limit
        if global_item is not None:
            found.append((global_item, "global", f"global ({self._policy.global_rate})"))
        return found

    async def _wait(self, seconds: float, why: str) -> None:
        max_wait = self._policy.max_wait
        if max_wait is not None and seconds > max_wait:
            raise errors.RateLimitError(
                f"pacing: {why} would need a wait of {seconds:.1f} s, more than max_wait="
                f"{max_wait:g} s; try again later or raise RateLimitPolicy.max_wait",
                retry_after=seconds,
            )
        if seconds >= 5:
            logger.info("pacing: waiting %.1f s for %s", seconds, why)
        else:
            logger.debug("pacing: waiting %.3f s for %s", seconds, why)
        await self._sleep(seconds)

    async def _take_budget(self, limits: list[tuple[RateLimitItem, str, str]]) -> None:
        while True:
            penalty = await self.penalty_remaining()
            if penalty > 0:
                await self._wait(penalty, "the penalty after a 429")
                continue
            if not limits:
                return
            async with self._lock:
                wait, why = await self._blocked_for(limits)
                if wait is None:
                    wait, why = await self._hit_all(limits)
                    if wait is None:
                        return
            await self._wait(max(wait, 0.001), why)

    async def _blocked_for(
        self, limits: list[tuple[RateLimitItem, str, str]]
    ) -> tuple[float | None, str]:
        longest: float | None = None
        why = ""
        for item, ident, label in limits:
            if not await self._limiter.test(item, self._prefix, ident):
                wait = await self._until_free(item, ident)
                if longest is None or wait > longest:
                    longest, why = wait, label
        return longest, why

    async def _hit_all(
        self, limits: list[tuple[RateLimitItem, str, str]]
    ) -> tuple[float | None, str]:
        # Another process sharing the storage may win a race after the test: then wait and retry.
        for item, ident, label in limits:
            if not await self._limiter.hit(item, self._prefix, ident):
                return await self._until_free(item, ident), label
        return None, ""

    async def _until_free(self, item: RateLimitItem, ident: str) -> float:
        stats = await self._limiter.get_window_stats(item, self._prefix, ident)
        return stats.reset_time - self._clock()

    async def acquire(self, method: str, path: str) -> _Permit:
        """Wait until a request may go; ``path`` is relative to the API base. Release the permit
        when the response is done (concurrency caps)."""
        if not self._policy.enabled:
            return _Permit([])
        rules = self._policy.matching(method, path)
        held: list[asyncio.Semaphore] = []
        try:
            for rule in rules:
                if rule.max_in_flight is not None:
                    semaphore = self._semaphore(rule)
                    await semaphore.acquire()
                    held.append(semaphore)
            await self._take_budget(self._limits_for(rules))
        except BaseException:
            _Permit(held).release()
            raise
        return _Permit(held)

    @asynccontextmanager
    async def slot(self, method: str, path: str) -> AsyncIterator[None]:
        """``async with pacer.slot("GET", "/iserver/accounts"):`` for calls made outside httpx."""
        permit = await self.acquire(method, path)
        try:
            yield
        finally:
            permit.release()

    async def reset(self) -> None:
        """Forget every count and penalty (the storage is cleared for this pacer's keys only when
        it is in-process memory)."""
        self._penalty_until = 0.0
        if isinstance(self.storage, MemoryStorage):
            await self.storage.reset()
        else:
            await self.storage.clear(self._penalty_key)


class _ReleasingStream(httpx.AsyncByteStream):
    """Wraps a response body so the pacing permit is released when the body is closed."""

    def __init__(self, inner: httpx.AsyncByteStream, permit: _Permit) -> None:
        self._inner = inner
        self._permit = permit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._permit.release()


class PacingTransport(httpx.AsyncBaseTransport):
    """Waits for the :class:`Pacer`'s permission before passing each request on.

    ``base_path`` (``/v1/api``) is stripped from request paths before the rules are matched, so rules
    read like IBKR's documentation. Concurrency slots are held until the response body is closed.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        pacer: Pacer,
        *,
        base_path: str = "/v1/api",
    ) -> None:
        self._inner = inner
        self.pacer = pacer
        self._base_path = base_path

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = relative_path(request.url, self._base_path)
        permit = await self.pacer.acquire(request.method, path)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            permit.release()
            raise
        if response.is_closed or not isinstance(response.stream, httpx.AsyncByteStream):
            permit.release()  # already read (mock transports) or not ours to wrap
            return response
        response.stream = _ReleasingStream(response.stream, permit)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
