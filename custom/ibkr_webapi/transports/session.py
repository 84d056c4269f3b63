"""SessionTransport: keeps the brokerage session usable for every request that passes through.

Three jobs, all invisible to the caller:

* **Recovery.** A 401, or a 400 whose body says ``no bridge``, means the brokerage session is gone.
  The layer re-opens it (``POST /iserver/auth/ssodh/init``), polls ``POST /iserver/auth/status``
  until it reports ``authenticated: true``, and sends the failed request again. Its own calls go
  first in the pacer's queue, and while they run the pacer grants nothing else (it would only
  reach a dead session). Each attempt notes the session *generation* it was really sent under
  (when the pacer granted it, not when it was queued): a failure under an older generation just
  waits for the recovery in flight and is sent again; only a failure under the current one starts
  a recovery. When the session cannot be re-opened the original failing response is returned, with
  the reason in ``last_recovery_error`` (and on the response, so the error message can say it).
* **Prerequisite calls.** The gateway refuses snapshots and order calls until ``GET
  /iserver/accounts`` has been called in the session, and ``/portfolio`` calls until ``GET
  /portfolio/accounts`` has. The layer makes those calls once per session (again after every
  recovery); concurrent first calls share one. A ``400 Please query /accounts first`` makes it call
  again and retry once.
* **Body-less POSTs** get ``{}`` as their body (the gateway answers 411 otherwise).

Its own calls go through the inner transport (so they are retried, paced and logged like the rest)
and carry the headers of the request that triggered them (a bearer token keeps working).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any

import attrs
import httpx

from .. import errors
from ..pacing import Pacer
from ..redact import redact_text, redact_url
from ._util import EndpointPattern, base_path_of, buffer_response, json_body, relative_path
from .pacing import ON_SEND_EXTENSION, SESSION_CALL_EXTENSION

__all__ = [
    "DEFAULT_PREREQUISITES",
    "ISERVER_ACCOUNTS",
    "PORTFOLIO_ACCOUNTS",
    "Prerequisite",
    "SessionTransport",
]

logger = logging.getLogger("ibkr_webapi")

_SESSION_ENDPOINTS = tuple(
    EndpointPattern.parse(spec)
    for spec in (
        "/iserver/auth/**",
        "/iserver/reauthenticate",
        "/tickle",
        "/logout",
        "/sso/**",
        "/oauth/**",
        "/oauth2/**",
    )
)
_DROPPED_HEADERS = frozenset({"host", "content-length", "content-type", "transfer-encoding"})
_DEFAULT_TIMEOUT = httpx.Timeout(30.0).as_dict()


def _patterns(specs: Sequence[str]) -> tuple[EndpointPattern, ...]:
    return tuple(EndpointPattern.parse(spec) for spec in specs)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


@attrs.frozen
class Prerequisite:
    """``GET call`` must have answered successfully in this session before requests matching
    ``before``; requests matching ``satisfied_by`` count as having made it (and never wait for it).

    Patterns are ``"METHOD /path"`` or ``"/path"`` relative to the API base, with ``{name}``/``*``
    for one segment and ``**`` for several.
    """

    call: str
    before: tuple[str, ...] = attrs.field(converter=_strings)
    satisfied_by: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    _before: tuple[EndpointPattern, ...] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _satisfied: tuple[EndpointPattern, ...] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    @_before.default
    def _make_before(self) -> tuple[EndpointPattern, ...]:
        return _patterns(self.before)

    @_satisfied.default
    def _make_satisfied(self) -> tuple[EndpointPattern, ...]:
        return _patterns((f"GET {self.call}", *self.satisfied_by))

    def needed_by(self, method: str, path: str) -> bool:
        return any(p.matches(method, path) for p in self._before) and not self.made_by(method, path)

    def made_by(self, method: str, path: str) -> bool:
        return any(p.matches(method, path) for p in self._satisfied)


ISERVER_ACCOUNTS = Prerequisite(
    "/iserver/accounts",
    before=(
        "GET /iserver/marketdata/snapshot",
        "/iserver/account/orders",
        "/iserver/account/orders/**",
        "/iserver/account/{accountId}/orders",
        "/iserver/account/{accountId}/orders/**",
        "/iserver/account/{accountId}/order/**",
        "/iserver/account/order/**",
    ),
)
PORTFOLIO_ACCOUNTS = Prerequisite(
    "/portfolio/accounts",
    before=("/portfolio/**",),
    satisfied_by=("GET /portfolio/subaccounts",),
)
DEFAULT_PREREQUISITES: tuple[Prerequisite, ...] = (ISERVER_ACCOUNTS, PORTFOLIO_ACCOUNTS)

_AUTH = "auth"
_PREREQUISITE = "prerequisite"
# A request is sent again at most this often after a dead session (each time under a newer one).
_MAX_RESENDS = 3
_TEXT_LIMIT = 200


def _short(text: str) -> str:
    """Gateway text for a log line or message: secrets removed first, then cut to length."""
    clean = redact_text(" ".join(text.split()))
    return clean if len(clean) <= _TEXT_LIMIT else clean[:_TEXT_LIMIT] + "..."


async def with_json_body(request: httpx.Request) -> httpx.Request:
    """``request``, or a copy with ``{}`` as its body when it is a POST without one."""
    if request.method != "POST":
        return request
    if await request.aread():
        return request
    headers = httpx.Headers(
        [
            (k, v)
            for k, v in request.headers.multi_items()
            if k.lower() not in {"content-length", "content-type", "transfer-encoding"}
        ]
    )
    headers["Content-Type"] = "application/json"
    return httpx.Request(
        "POST", request.url, headers=headers, content=b"{}", extensions=request.extensions
    )


class SessionTransport(httpx.AsyncBaseTransport):
    """Session recovery, prerequisite calls and ``{}`` bodies for POSTs; see the module docs.

    ``base_url`` is the API base (``https://localhost:5000/v1/api``). ``compete`` is sent to
    ``ssodh/init`` (``True`` takes the brokerage session over from another login). ``reauth_timeout``
    bounds the wait for ``authenticated: true`` after ``ssodh/init``, polling every
    ``poll_interval`` seconds. ``enabled=False`` turns automatic recovery off (prerequisites and
    ``{}`` bodies stay; pass ``prerequisites=()`` to drop those calls too). ``pacer``: the pacer
    below, told when a recovery runs (it then grants only the session calls).
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        base_url: str,
        compete: bool = True,
        reauth_timeout: float = 20.0,
        poll_interval: float = 1.0,
        enabled: bool = True,
        prerequisites: Sequence[Prerequisite] = DEFAULT_PREREQUISITES,
        competing_polls: int = 3,
        pacer: Pacer | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self.base_url = str(base_url).rstrip("/")
        self._base_path = base_path_of(self.base_url)
        self.compete = compete
        self.reauth_timeout = reauth_timeout
        self.poll_interval = poll_interval
        self.enabled = enabled
        self.prerequisites: tuple[Prerequisite, ...] = tuple(prerequisites)
        self._competing_polls = max(1, competing_polls)
        self._pacer = pacer
        self._sleep = sleep
        self._clock = clock

        self._generation = 0
        self._recovery_lock = asyncio.Lock()
        self._last_recovery_ok = True
        self.last_recovery_error: str | None = None
        """Why the last recovery failed (``None`` after a success or before any)."""
        self.recoveries = 0
        """How many times ``ssodh/init`` was attempted."""
        self.last_recovery_seconds: float | None = None
        """How long the last recovery took, from its start to ``authenticated: true``."""
        self._done: dict[str, int] = {}
        self._prerequisite_locks: dict[str, asyncio.Lock] = {}
        # The last request's headers and timeout: the layer's own calls are sent with them.
        self._last_headers = httpx.Headers()
        self._template_extensions: dict[str, Any] = {"timeout": _DEFAULT_TIMEOUT}

    @property
    def generation(self) -> int:
        """Incremented by every recovery attempt; prerequisites are made once per generation."""
        return self._generation

    def reset(self) -> None:
        """Forget which prerequisite calls were made (after a logout or a change of user)."""
        self._done.clear()

    # -- the layer ------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request = await with_json_body(request)
        path = relative_path(request.url, self._base_path)
        self._remember(request)
        if any(p.matches(request.method, path) for p in _SESSION_ENDPOINTS):
            return await self._inner.handle_async_request(request)
        await request.aread()  # the body must be sendable again

        retried_prerequisite = reopened = False
        resends = 0
        while True:
            await self._wait_for_recovery()
            await self._ensure_prerequisites(request, path)
            sent = [self._generation]

            def note_generation(sent: list[int] = sent) -> None:
                sent[0] = self._generation

            request.extensions[ON_SEND_EXTENSION] = note_generation
            response = await self._inner.handle_async_request(request)
            response, problem = await self._inspect(response)
            generation = sent[0]
            if problem is None:
                self._note_made(request.method, path, response, generation)
            elif problem == _PREREQUISITE and not retried_prerequisite and self.prerequisites:
                retried_prerequisite = True
                logger.info(
                    "%s %s: the gateway wants /accounts first; calling it", request.method, path
                )
                await response.aclose()
                await self._redo_prerequisites(request.method, path)
                continue
            elif problem == _AUTH and self.enabled and resends < _MAX_RESENDS:
                resends += 1
                if await self._recover(generation, request):
                    reopened = True
                    await response.aclose()
                    continue
                response.extensions[errors.RECOVERY_ERROR_EXTENSION] = self.last_recovery_error
            if reopened:
                response.extensions[errors.RECOVERED_EXTENSION] = True
            return response

    async def _wait_for_recovery(self) -> None:
        """Don't send into a session being re-opened: wait for the recovery in flight."""
        if self._recovery_lock.locked():
            async with self._holder_waiting(), self._recovery_lock:
                pass

    @contextlib.asynccontextmanager
    async def _holder_waiting(self) -> AsyncIterator[None]:
        if self._pacer is None:
            yield
            return
        async with self._pacer.holder_waiting():
            yield

    @contextlib.asynccontextmanager
    async def _recovering(self) -> AsyncIterator[None]:
        if self._pacer is None:
            yield
            return
        async with self._pacer.recovering():
            yield

    async def _inspect(self, response: httpx.Response) -> tuple[httpx.Response, str | None]:
        if response.status_code == 401:
            return response, _AUTH
        if response.status_code != 400:
            return response, None
        response, content = await buffer_response(response)
        text = content.decode("utf-8", errors="replace").lower()
        if "no bridge" in text:
            return response, _AUTH
        # "Please query /accounts first", "Please query /portfolio/accounts or ... first"
        if "please query /" in text and "first" in text:
            return response, _PREREQUISITE
        return response, None

    async def aclose(self) -> None:
        await self._inner.aclose()

    # -- own calls ------------------------------------------------------------------------------

    def _remember(self, request: httpx.Request) -> None:
        self._last_headers = request.headers  # copied only when an own call needs them
        timeout = request.extensions.get("timeout")
        if timeout is not None:
            self._template_extensions = {"timeout": timeout}

    async def _call(
        self, method: str, path: str, *, body: dict[str, Any] | None = None
    ) -> tuple[httpx.Response, object]:
        """Send one of the layer's own requests; returns the read response and its JSON."""
        template = [
            (k, v) for k, v in self._last_headers.multi_items() if k.lower() not in _DROPPED_HEADERS
        ]
        request = httpx.Request(
            method,
            self.base_url + path,
            headers=template,
            json=body,
            extensions={**self._template_extensions, SESSION_CALL_EXTENSION: True},
        )
        response = await self._inner.handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        return response, json_body(content)

    # -- prerequisites --------------------------------------------------------------------------

    async def _ensure_prerequisites(self, request: httpx.Request, path: str) -> None:
        for prerequisite in self.prerequisites:
            if prerequisite.needed_by(request.method, path):
                await self._ensure(prerequisite)

    async def _ensure(self, prerequisite: Prerequisite) -> None:
        call = prerequisite.call
        if self._done.get(call) == self._generation:
            return
        lock = self._prerequisite_locks.setdefault(call, asyncio.Lock())
        async with lock:
            generation = self._generation
            if self._done.get(call) == generation:
                return  # made by whoever held the lock before us
            logger.debug("session: prerequisite call GET %s", call)
            response, _ = await self._call("GET", call)
            if response.is_success:
                self._done[call] = generation
            else:
                logger.info(
                    "session: prerequisite GET %s answered HTTP %d", call, response.status_code
                )

    def _note_made(self, method: str, path: str, response: httpx.Response, generation: int) -> None:
        if response.is_success:
            for prerequisite in self.prerequisites:
                if prerequisite.made_by(method, path):
                    self._done[prerequisite.call] = generation

    async def _redo_prerequisites(self, method: str, path: str) -> None:
        """Make the prerequisite calls for this request again (or the first one, if none applies)."""
        wanted = [p for p in self.prerequisites if p.needed_by(method, path)]
        for prerequisite in wanted or self.prerequisites[:1]:
            self._done.pop(prerequisite.call, None)
            await self._ensure(prerequisite)

    # -- recovery -------------------------------------------------------------------------------

    async def ensure_authenticated(self) -> bool:
        """Re-open the brokerage session now (``ssodh/init``, then wait for ``authenticated``).

        Shares a recovery already under way. Returns whether the session is authenticated;
        on ``False`` see :attr:`last_recovery_error`.
        """
        return await self._recover(self._generation, None)

    async def _recover(self, failed_generation: int, request: httpx.Request | None) -> bool:
        async with self._holder_waiting(), self._recovery_lock:
            if self._generation != failed_generation:
                return self._last_recovery_ok  # re-opened since that attempt was sent
            self.recoveries += 1
            where = (
                f" after {request.method} {redact_url(request.url)}" if request is not None else ""
            )
            logger.info("session: re-opening the brokerage session%s", where)
            started = time.monotonic()
            try:
                async with self._recovering():
                    error = await self._reopen()
            except (httpx.HTTPError, errors.IBKRError) as exc:
                error = f"{type(exc).__name__} while re-opening the session: {exc}"
            self._generation += 1
            self._last_recovery_ok = error is None
            self.last_recovery_error = None if error is None else _short(error)
            self.last_recovery_seconds = time.monotonic() - started
            if error is None:
                logger.info(
                    "session: brokerage session re-opened in %.2f s", self.last_recovery_seconds
                )
            else:
                logger.warning(
                    "session: could not re-open the brokerage session: %s",
                    self.last_recovery_error,
                )
            return error is None

    def _login_hint(self) -> str:
        url = httpx.URL(self.base_url)
        port = f":{url.port}" if url.port else ""
        return f"log in to the gateway at {url.scheme}://{url.host}{port} in a browser"

    async def _reopen(self) -> str | None:
        """``None`` when the session is authenticated again, else why not."""
        deadline = self._clock() + self.reauth_timeout
        response, status = await self._call(
            "POST", "/iserver/auth/ssodh/init", body={"publish": True, "compete": self.compete}
        )
        if response.status_code == 401:
            return f"ssodh/init answered 401: the gateway is logged out; {self._login_hint()}"
        if response.is_error:
            return f"ssodh/init answered HTTP {response.status_code}{_said(status)}"
        competing = 0
        while True:
            if isinstance(status, dict):
                if status.get("authenticated") is True:
                    return None
                competing = competing + 1 if status.get("competing") is True else 0
                if competing >= self._competing_polls:
                    advice = (
                        "log out there or wait for it to end"
                        if self.compete
                        else "pass compete=True to take the session over"
                    )
                    return (
                        "another login (TWS, the mobile app or another Client Portal session) holds "
                        f"the brokerage session (competing: true); {advice}"
                    )
            if self._clock() + self.poll_interval > deadline:
                return (
                    f"the brokerage session was not authenticated within {self.reauth_timeout:g} s "
                    f"of ssodh/init (last status: {_summary(status)}); {self._login_hint()}, "
                    "or raise reauth_timeout"
                )
            await self._sleep(self.poll_interval)
            response, status = await self._call("POST", "/iserver/auth/status", body={})
            if response.status_code == 401:
                return f"auth/status answered 401: the gateway is logged out; {self._login_hint()}"


def _said(body: object) -> str:
    if isinstance(body, dict):
        for key in ("error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return f": {_short(value)}"
    return ""


def _summary(status: object) -> str:
    if not isinstance(status, dict):
        return "no status"
    keys = ("authenticated", "connected", "competing", "message", "fail")
    return _short(", ".join(f"{k}={status[k]!r}" for k in keys if k in status)) or "empty"
