"""RetryTransport: retries what is safe to retry, with exponential backoff and full jitter.

* Idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) are retried on connection failures, broken
  connections, timeouts and on 502 / 503 / 504.
* POST is never retried on those, because an order may have been placed even though the answer was
  lost - except the POSTs that IBKR uses for reads (``RetryPolicy.read_only_posts``). Order
  placement, modification and question replies can never be added to that list.
* 429 starts a penalty hold: ``on_rate_limited(seconds)`` (the pacer's ``hold``) stops every
  request to the gateway for ``Retry-After`` (seconds or an HTTP date) or else ``default_hold``.
  The request is retried for every method (the gateway did not act) - through the pacer, which
  lets it go only when the hold is over, so nothing is retried into the penalty box. If the hold
  is longer than ``max_rate_limit_wait`` the 429 is returned at once, with the seconds left in
  ``response.extensions["ibkr_hold_seconds"]``, and the caller raises ``RateLimitError``.
* ``request.extensions["ibkr_retry"] = True`` makes one request retryable like an idempotent one;
  ``False`` turns every retry off for it.

After the last attempt a transport exception propagates unchanged; the client wraps it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import attrs
import httpx

from .._validators import at_least
from ..errors import HOLD_EXTENSION, ConfigurationError, retry_after_seconds
from ._util import EndpointPattern, relative_path
from .logging import ATTEMPTS_EXTENSION

__all__ = [
    "DEFAULT_READ_ONLY_POSTS",
    "RETRY_EXTENSION",
    "RetryPolicy",
    "RetryTransport",
]

logger = logging.getLogger("ibkr_webapi")

RETRY_EXTENSION = "ibkr_retry"

# POST endpoints that only read (or are idempotent) on IBKR's side.
DEFAULT_READ_ONLY_POSTS: tuple[str, ...] = (
    "/iserver/auth/status",
    "/tickle",
    "/iserver/secdef/search",
    "/iserver/marketdata/unsubscribe",
    "/iserver/scanner/run",
    "/iserver/account/{accountId}/orders/whatif",
    # Setting a state, not adding one: sending it twice leaves the same state.
    "/iserver/watchlist",  # the caller's id: a second copy replaces the first
    "/iserver/account/{accountId}/alert/activate",
    "/fyi/settings/{typecode}",
    "/fyi/deliveryoptions/device",
)

# Paths that place, change or confirm orders. No read-only pattern may match them.
_ORDER_WRITES: tuple[str, ...] = (
    "/iserver/account/U1234567/orders",
    "/iserver/account/U1234567/order/1234567890",
    "/iserver/reply/07a13a5a-4a48-44a5-bb25-5ab37b79186c",
    "/iserver/account/orders/U1234567",
)

RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.NetworkError,  # ConnectError, ReadError, WriteError, CloseError
    httpx.RemoteProtocolError,
    httpx.TimeoutException,
)


def _check_read_only_posts(_: object, __: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for spec in value:
        pattern = EndpointPattern("POST", spec)
        for path in _ORDER_WRITES:
            if pattern.matches("POST", path):
                raise ConfigurationError(
                    f"read_only_posts pattern {spec!r} matches an order write ({path}); "
                    "order placement, modification and replies must never be retried"
                )


def _upper_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(str(v).upper() for v in values)


def _int_set(values: Iterable[int]) -> frozenset[int]:
    return frozenset(int(v) for v in values)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How :class:`RetryTransport` retries. Delays are in seconds.

    The n-th retry waits a random time between 0 and
    ``min(max_delay, initial_delay * multiplier ** (n - 1))`` (full jitter). A 429 is retried
    after the penalty hold it starts (see :class:`RetryTransport`), unless that is longer than
    ``max_rate_limit_wait`` seconds. ``max_retries=0`` turns retries off (a 429 still starts the
    hold).
    """

    max_retries: int = attrs.field(default=2, validator=at_least(0))
    initial_delay: float = attrs.field(default=0.5, validator=at_least(0))
    max_delay: float = attrs.field(default=8.0, validator=at_least(0))
    multiplier: float = attrs.field(default=2.0, validator=at_least(1))
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({502, 503, 504}), converter=_int_set
    )
    idempotent_methods: frozenset[str] = attrs.field(
        default=frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}), converter=_upper_set
    )
    read_only_posts: tuple[str, ...] = attrs.field(
        default=DEFAULT_READ_ONLY_POSTS, converter=_strings, validator=_check_read_only_posts
    )
    retry_rate_limited: bool = True
    max_rate_limit_wait: float = 30.0
    _post_patterns: tuple[EndpointPattern, ...] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    @_post_patterns.default
    def _make_post_patterns(self) -> tuple[EndpointPattern, ...]:
        return tuple(EndpointPattern("POST", spec) for spec in self.read_only_posts)

    @classmethod
    def none(cls) -> RetryPolicy:
        """No retries at all (429s are returned at once, still penalizing the pacer)."""
        return cls(max_retries=0, retry_rate_limited=False)

    def is_retryable(self, method: str, path: str) -> bool:
        """Whether a failed ``method path`` (relative to the API base) may be sent again."""
        method = method.upper()
        if method in self.idempotent_methods:
            return True
        return method == "POST" and any(p.matches(method, path) for p in self._post_patterns)

    def backoff_cap(self, retry: int) -> float:
        """Upper bound of the delay before the ``retry``-th retry (1-based)."""
        return min(self.max_delay, self.initial_delay * self.multiplier ** max(0, retry - 1))


class RetryTransport(httpx.AsyncBaseTransport):
    """Retries requests on the ``inner`` transport according to a :class:`RetryPolicy`.

    ``on_rate_limited(seconds)`` is awaited on every 429 (wire it to ``Pacer.hold``); when it
    returns the seconds left in the hold, the retry relies on the pacer to wait them out; when it
    returns ``None`` (no pacer) this layer sleeps them itself. ``default_hold``: the hold after a
    429 without ``Retry-After`` (``None``: the backoff delay). ``sleep``, ``rng`` and ``clock`` can
    be replaced in tests; ``rng=random.Random(seed)`` makes the jitter reproducible.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        *,
        base_path: str = "/v1/api",
        on_rate_limited: Callable[[float], Awaitable[float | None]] | None = None,
        default_hold: float | Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self.policy = policy or RetryPolicy()
        self._base_path = base_path
        self._on_rate_limited = on_rate_limited
        self._default_hold = default_hold
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock

    def _delay(self, retry: int) -> float:
        return self._rng.uniform(0.0, self.policy.backoff_cap(retry))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        policy = self.policy
        opt_in = request.extensions.get(RETRY_EXTENSION)
        path = relative_path(request.url, self._base_path)
        if isinstance(opt_in, bool):
            retry_failures = opt_in
        else:
            retry_failures = policy.is_retryable(request.method, path)
        retry_429 = opt_in is not False and policy.retry_rate_limited
        if (retry_failures or retry_429) and policy.max_retries > 0:
            await request.aread()  # the body must be sendable again

        attempt = 0
        while True:
            attempt += 1
            can_retry = attempt <= policy.max_retries
            try:
                response = await self._inner.handle_async_request(request)
            except RETRYABLE_ERRORS as exc:
                if not (retry_failures and can_retry):
                    raise
                delay = self._delay(attempt)
                self._log(request, type(exc).__name__, attempt, delay)
                await self._sleep(delay)
                continue
            response.extensions[ATTEMPTS_EXTENSION] = attempt
            status = response.status_code

            if status == 429:
                wait = retry_after_seconds(response, now=self._clock())
                if wait is None:
                    wait = self._hold_without_hint(attempt)
                left = None
                if self._on_rate_limited is not None:
                    left = await self._on_rate_limited(wait)
                response.extensions[HOLD_EXTENSION] = left if left else wait
                if not (retry_429 and can_retry) or (left or wait) > policy.max_rate_limit_wait:
                    return response
                await response.aclose()
                if left is None:  # no pacer to hold the retry back: wait here
                    self._log(request, "HTTP 429", attempt, wait)
                    await self._sleep(wait)
                else:
                    self._log(request, "HTTP 429 (retried when the hold ends)", attempt, left)
                continue

            if status in policy.retry_statuses and retry_failures and can_retry:
                delay = self._delay(attempt)
                hinted = retry_after_seconds(response, now=self._clock())
                if hinted is not None and hinted <= policy.max_delay:
                    delay = max(delay, hinted)
                await response.aclose()
                self._log(request, f"HTTP {status}", attempt, delay)
                await self._sleep(delay)
                continue
            return response

    def _hold_without_hint(self, attempt: int) -> float:
        hold = self._default_hold
        if callable(hold):
            return hold()
        return hold if hold is not None else self.policy.backoff_cap(attempt)

    def _log(self, request: httpx.Request, what: str, attempt: int, delay: float) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s: %s; retry %d of %d in %.2f s",
                request.method,
                request.url.path,
                what,
                attempt,
                self.policy.max_retries,
                delay,
            )

    async def aclose(self) -> None:
        await self._inner.aclose()
