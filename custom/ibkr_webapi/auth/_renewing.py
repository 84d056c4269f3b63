"""The machinery OAuth 1.0a and OAuth 2.0 share: log in once, renew once, authorize every attempt.

:class:`RenewingAuth` is an ``httpx.Auth``. Its flow makes sure a login exists and is not about to
expire, authorizes the request, and after a 401 renews the login and sends the request once more.
Concurrent requests share one renewal (and one failure: a renewal that failed while a request
waited for it is not repeated for that request).

Inside :class:`~ibkr_webapi.IBKRClient` two more hooks are used:

* :meth:`RenewingAuth.transport` wraps the network transport, so that every attempt that goes out
  (retries, the session layer's own ``ssodh/init`` and prerequisite calls, requests that waited in
  the pacer) is authorized afresh: an OAuth 1.0a signature carries a timestamp and a single-use
  nonce, so a signature made before a pacing wait or reused by a retry would be refused;
* :meth:`RenewingAuth.attach` gives it the client's stack below the order gate to send its own
  login requests through (paced and logged), a way to wait for the order gate before renewing
  (so a renewal never lands between an order and its confirmation), and callbacks to run after
  each renewal (the session layer forgets which prerequisite calls it made).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from typing import Generic, Protocol, TypeVar, runtime_checkable

import httpx

from ..errors import AUTH_ADVICE_EXTENSION, ConfigurationError, OAuthError
from ..redact import redact_text

__all__ = [
    "EXCHANGE_EXTENSION",
    "AuthorizingTransport",
    "RenewingAuth",
    "Sender",
    "WebsocketAuth",
]

logger = logging.getLogger("ibkr_webapi")

EXCHANGE_EXTENSION = "ibkr_oauth_exchange"
"""Set on the login requests themselves: they carry their own credentials."""

Sender = Callable[[httpx.Request], Awaitable[httpx.Response]]
USER_AGENT = f"ibkr-webapi-client python-httpx/{httpx.__version__}"
"""Sent with the login requests (IBKR wants a User-Agent on every request; any value will do)."""
S = TypeVar("S")
_renewing: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "ibkr_oauth_renewing", default=False
)


@runtime_checkable
class WebsocketAuth(Protocol):
    """What a websocket connection needs from an OAuth login to authenticate its upgrade."""

    async def websocket_params(self) -> Mapping[str, str]:
        """Query parameters to add to the websocket URL (logging in first when needed)."""
        ...


class AuthorizingTransport(httpx.AsyncBaseTransport):
    """Authorizes every request that passes, just above the network (see the module docs)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, auth: RenewingAuth[object]) -> None:
        self._inner = inner
        self._auth = auth

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._auth.settled()  # never sign with a login that is being replaced
        used = self._auth.authorize(request)
        response = await self._inner.handle_async_request(request)
        if response.status_code != 401 or used is None:
            return response
        await self._auth.settled()
        if self._auth.replaced(used):
            # Signed with a login that was replaced while the request was on its way: the server
            # may already refuse the old one. Sign with the new login and send it once more.
            try:
                request.read()
            except httpx.RequestNotRead:  # pragma: no cover - a streamed body cannot be resent
                return response
            await response.aclose()
            self._auth.authorize(request)
            response = await self._inner.handle_async_request(request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class RenewingAuth(httpx.Auth, ABC, Generic[S]):
    """Base of the OAuth flows: a login state of type ``S`` that expires and is renewed.

    ``renew_margin`` seconds before the login expires it is renewed before the next request;
    ``clock`` gives epoch seconds (tests pass the simulator's clock). ``http`` is used for the
    login requests when the object is not attached to an ``IBKRClient`` (default: a plain
    ``httpx.AsyncClient``, created on first use and closed by :meth:`aclose`).
    """

    requires_request_body = True  # so the request can be sent again after a 401

    def __init__(
        self,
        *,
        base_url: str | None,
        renew_margin: float,
        clock: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        open_brokerage_session: bool = True,
        compete: bool = True,
    ) -> None:
        if renew_margin < 0:
            raise ConfigurationError("renew_margin must be 0 or more seconds")
        self._base_url = base_url.rstrip("/") if base_url else None
        self.renew_margin = renew_margin
        self._clock = clock
        self._http = http
        self._timeout = httpx.Timeout(timeout)
        self.open_brokerage_session = open_brokerage_session
        self.compete = compete
        self._own_http: httpx.AsyncClient | None = None
        self._send: Sender | None = None
        self._wait_turn: Callable[[], Awaitable[None]] | None = None
        self._on_renewed: list[Callable[[], None]] = []
        self._state: S | None = None
        self._lock = asyncio.Lock()
        self._idle = asyncio.Event()
        self._idle.set()
        self._attempts = 0
        self._last_error: BaseException | None = None
        self.renewals = 0
        """How many logins (first one included) were completed."""

    # -- what subclasses provide ----------------------------------------------------------------

    @abstractmethod
    async def _login(self, send: Sender, stale: S | None) -> S:
        """Log in (or renew); ``stale`` is the state being replaced, if any."""

    @abstractmethod
    def _expires_at(self, state: S) -> float | None:
        """Epoch seconds when ``state`` stops working (``None``: unknown)."""

    @abstractmethod
    def _apply(self, request: httpx.Request, state: S) -> None:
        """Put the credentials of ``state`` on ``request``."""

    async def _after_login(self, state: S) -> None:
        """Open the brokerage session (``ssodh/init``) once the new login is in force.

        A failure is logged, not raised: ``/portfolio`` calls work without it, and the session
        layer tries ``ssodh/init`` again when an ``/iserver`` call says "no bridge".
        """
        if not self.open_brokerage_session:
            return
        request = httpx.Request(
            "POST",
            f"{self.base_url}/iserver/auth/ssodh/init",
            json={"publish": True, "compete": self.compete},
        )
        self._apply(request, state)
        try:
            response, content = await self._exchange(request, login=False)
        except httpx.HTTPError as exc:
            logger.warning("OAuth: ssodh/init after login failed: %s", type(exc).__name__)
            return
        if response.is_error:
            logger.warning(
                "OAuth: ssodh/init after login answered HTTP %d: %s; /iserver calls will try again",
                response.status_code,
                redact_text(content.decode("utf-8", errors="replace")[:300]),
            )

    def _apply_exchange(self, request: httpx.Request) -> None:
        """Re-sign a login request marked with :data:`EXCHANGE_EXTENSION` (default: leave it)."""

    def _refused_advice(self) -> str:
        return (
            "the OAuth login was renewed and the server still refused the request; check the "
            "credentials and this machine's clock"
        )

    # -- wiring ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API base URL the login requests go to."""
        return self._base_url or "https://api.ibkr.com/v1/api"

    def attach(
        self,
        send: Sender,
        *,
        base_url: str | None = None,
        wait_turn: Callable[[], Awaitable[None]] | None = None,
        on_renewed: Callable[[], None] | None = None,
    ) -> None:
        """Send login requests with ``send`` (an ``IBKRClient`` does this for you).

        ``base_url`` is used unless the object was given one; ``wait_turn`` is awaited before a
        renewal starts; ``on_renewed`` runs after every completed login.
        """
        self._send = send
        if base_url and not self._base_url:
            self._base_url = base_url.rstrip("/")
        self._wait_turn = wait_turn
        if on_renewed is not None:
            self._on_renewed.append(on_renewed)

    def transport(self, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """``inner`` wrapped so that every request is authorized just before it goes out."""
        return AuthorizingTransport(inner, self)  # type: ignore[arg-type]

    async def settled(self) -> None:
        """Wait while another task renews the login (its own requests pass)."""
        if not self._idle.is_set() and not _renewing.get():
            await self._idle.wait()

    def authorize(self, request: httpx.Request) -> object | None:
        """Put the current credentials on ``request``; returns the login used (``None``: none)."""
        if request.extensions.get(EXCHANGE_EXTENSION):
            self._apply_exchange(request)
            return None
        state = self._state
        if state is not None:
            self._apply(request, state)
        return state

    def replaced(self, state: object) -> bool:
        """Whether ``state`` is no longer the current login."""
        return self._state is not None and self._state is not state

    async def aclose(self) -> None:
        """Close the HTTP client this object made for itself, if any."""
        if self._own_http is not None:
            await self._own_http.aclose()
            self._own_http = None

    async def _send_own(self, request: httpx.Request) -> httpx.Response:
        client = self._http
        if client is None:
            if self._own_http is None:
                self._own_http = httpx.AsyncClient()
            client = self._own_http
        return await client.send(request, auth=None)

    async def _exchange(
        self, request: httpx.Request, *, login: bool = True
    ) -> tuple[httpx.Response, bytes]:
        """Send one of this object's own requests; returns the closed response and its body.

        ``login=True`` marks it as a login request (it carries its own credentials); otherwise it
        is authorized with the current state like any other request.
        """
        if login:
            request.extensions[EXCHANGE_EXTENSION] = True
        request.extensions.setdefault("timeout", self._timeout.as_dict())
        if "user-agent" not in request.headers:
            request.headers["User-Agent"] = USER_AGENT
        send = self._send or self._send_own
        response = await send(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        return response, content

    # -- the login's life -----------------------------------------------------------------------

    def _fresh(self, state: S | None) -> bool:
        if state is None:
            return False
        expires = self._expires_at(state)
        return expires is None or self._clock() + self.renew_margin < expires

    @property
    def logged_in(self) -> bool:
        """Whether a login exists that is not about to expire."""
        return self._fresh(self._state)

    async def login(self) -> None:
        """Log in now unless a fresh login exists (the first request does it otherwise)."""
        await self._current()

    async def _current(self) -> S:
        state = self._state
        if self._fresh(state):
            assert state is not None
            return state
        return await self._renew(state)

    async def renew(self) -> None:
        """Replace the current login now, whatever its expiry."""
        await self._renew(self._state)

    async def _renew(self, stale: S | None) -> S:
        if self._wait_turn is not None:
            await self._wait_turn()  # never between an order and the answer to its question
        attempts_seen = self._attempts
        async with self._lock:
            current = self._state
            if current is not None and current is not stale and self._fresh(current):
                return current  # renewed by another request while this one waited
            if self._attempts != attempts_seen and self._last_error is not None:
                raise self._last_error  # it failed while we waited: don't hammer the server
            self._attempts += 1
            self._idle.clear()
            marker = _renewing.set(True)
            try:
                state = await self._login(self._send or self._send_own, stale)
                self._last_error = None
                self._state = state
                self.renewals += 1
                await self._after_login(state)
                for callback in self._on_renewed:
                    callback()
            except BaseException as exc:
                self._last_error = exc if isinstance(exc, Exception) else None
                raise
            finally:
                _renewing.reset(marker)
                self._idle.set()
        return state

    # -- httpx ----------------------------------------------------------------------------------

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        state = await self._current()
        self._apply(request, state)
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        logger.info(
            "OAuth: %s %s answered 401; renewing the login", request.method, request.url.path
        )
        state = await self._renew(state)
        self._apply(request, state)
        response = yield request
        if response.status_code == 401:
            response.extensions[AUTH_ADVICE_EXTENSION] = self._refused_advice()

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise OAuthError(
            f"{type(self).__name__} needs httpx.AsyncClient (its login requests are async)"
        )
        yield request  # pragma: no cover - makes this a generator
