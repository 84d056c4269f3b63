"""The client's plumbing: configuration, the httpx stack, lifecycle and typed calls into the
generated layer with their failures mapped to this package's errors."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import os
import ssl
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypedDict, TypeVar

import attrs
import httpx

from ibkr_webapi_client import Client
from ibkr_webapi_client.types import Response

from . import errors
from ._http import JoiningClient
from ._validators import at_least
from .auth._renewing import RenewingAuth
from .auth.keepalive import Keepalive
from .ids import check_account
from .redact import redact_text, redact_url
from .settings import DEFAULT_BASE_URL, HttpBackend, Settings, Verify, check_backend
from .transports import TransportStack, build_transport_stack
from .transports.gate import Gate
from .transports.logging import LoggingTransport
from .transports.pacing import Pacer, RateLimitPolicy
from .transports.retry import RETRY_EXTENSION, RetryPolicy
from .transports.size import DEFAULT_MAX_RESPONSE_BYTES

if TYPE_CHECKING:
    from .streaming import StreamManager, StreamOptions

logger = logging.getLogger("ibkr_webapi")

_last_response: contextvars.ContextVar[httpx.Response | None] = contextvars.ContextVar(
    "ibkr_last_response", default=None
)
# Set inside ClientCore.sending_once(): requests made there are never retried by the retry layer.
_send_once: contextvars.ContextVar[bool] = contextvars.ContextVar("ibkr_send_once", default=False)
T = TypeVar("T")
# What the generated parsers raise on a body they cannot read (a 429 without JSON, deep nesting).
_PARSE_FAILURES = (ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError)


class ClientOptions(TypedDict, total=False):
    """The keyword options of :class:`~ibkr_webapi.IBKRClient` besides ``base_url`` and ``auth``
    (for constructors that pass them on, such as ``IBKRClient.oauth1(...)``)."""

    verify: Verify | None
    account_id: str | None
    timeout: float | httpx.Timeout | None
    keepalive: float | None
    compete: bool
    recover_session: bool
    reauth_timeout: float
    reauth_poll_interval: float
    pacer: Pacer | None
    rate_limits: RateLimitPolicy | None
    retry: RetryPolicy | None
    preflight: PreflightPolicy | None
    transport: httpx.AsyncBaseTransport | None
    http_backend: HttpBackend | None
    headers: dict[str, str] | None
    settings: Settings | None
    streaming: StreamOptions | None


@attrs.frozen(kw_only=True)
class PreflightPolicy:
    """How long to keep asking when the gateway answers a first call without data.

    ``max_polls`` bounds the calls per batch; once a conid's data has started to arrive, fields
    still missing get at most ``late_field_polls`` more calls (the gateway sends slow fields a call
    or two later; some fields never come for some contracts).
    """

    max_polls: int = attrs.field(default=6, validator=at_least(1))
    interval: float = attrs.field(default=0.3, validator=at_least(0))
    late_field_polls: int = attrs.field(default=2, validator=at_least(0))


def _checked_verify(verify: Verify) -> ssl.SSLContext | bool | str:
    """``verify`` as given, a certificate path checked to exist (the context is built later)."""
    if isinstance(verify, ssl.SSLContext | bool):
        return verify
    path = os.fspath(verify)
    if not os.path.exists(path):
        raise errors.ConfigurationError(
            f"verify={path!r}: no such certificate file; pass the gateway's CA/cert path, True or "
            "False (or set IBKR_VERIFY)"
        )
    return path


def _build_ssl_context(verify: ssl.SSLContext | bool | str) -> ssl.SSLContext:
    """Build the TLS context (15-40 ms: loading CA certificates), once per client, when needed."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return httpx.create_ssl_context(verify=verify)


async def _remember_response(response: httpx.Response) -> None:
    """httpx response hook: keep the raw response so failures can be mapped with its request."""
    _last_response.set(response)


async def _mark_request(request: httpx.Request) -> None:
    """httpx request hook: a request made inside ``sending_once()`` opts out of every retry."""
    if _send_once.get():
        request.extensions[RETRY_EXTENSION] = False


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
    return None


class ClientCore:
    """Owns one ``httpx.AsyncClient`` (shared with the generated client) and the keepalive task.

    Unset arguments come from the environment (:class:`~ibkr_webapi.settings.Settings`).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        verify: Verify | None = None,
        account_id: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        keepalive: float | None = 60.0,
        compete: bool = True,
        recover_session: bool = True,
        reauth_timeout: float = 20.0,
        reauth_poll_interval: float = 1.0,
        pacer: Pacer | None = None,
        rate_limits: RateLimitPolicy | None = None,
        retry: RetryPolicy | None = None,
        auth: httpx.Auth | None = None,
        preflight: PreflightPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_backend: HttpBackend | None = None,
        headers: dict[str, str] | None = None,
        settings: Settings | None = None,
        streaming: StreamOptions | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        env = settings if settings is not None else Settings.from_env()
        url = (base_url or env.base_url).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise errors.ConfigurationError(
                f"base_url {redact_url(url)!r} must start with https:// (e.g. {DEFAULT_BASE_URL})"
            )
        self.base_url = url
        default_account = account_id or env.account_id
        self.account_id = check_account(default_account) if default_account else None
        """The account calls use when none is given (``account_id=`` or ``IBKR_ACCOUNT_ID``)."""
        verify = env.verify if verify is None else verify
        if verify is False:
            logger.warning(
                "TLS verification is off for %s: anyone on the path could read your session. "
                "Pass verify='/path/to/gateway-cert.pem' instead.",
                redact_url(url),
            )
        self._verify = _checked_verify(verify)
        backend = check_backend(http_backend or env.http_backend)
        self.http_backend: HttpBackend = backend
        """The network layer under the stack: ``"httpx"`` or ``"aiohttp"`` (``http_backend=``
        or ``IBKR_HTTP_BACKEND``; ignored when ``transport=`` is given)."""
        inner = transport or self._network(backend)
        self._oauth = auth if isinstance(auth, RenewingAuth) else None
        if self._oauth is not None:  # OAuth signs every attempt just above the network
            inner = self._oauth.transport(inner)
        self.pacer = pacer or Pacer(rate_limits or RateLimitPolicy())
        self._stack: TransportStack = build_transport_stack(
            base_url=url,
            inner=inner,
            pacer=self.pacer,
            retry_policy=retry or RetryPolicy(),
            compete=compete,
            recover_session=recover_session,
            reauth_timeout=reauth_timeout,
            poll_interval=reauth_poll_interval,
            max_response_bytes=max_response_bytes,
        )
        # The gate is enforced by the pacer, just above the network (see transports/gate.py).
        self._gate = Gate(self.pacer)
        if timeout is None:
            timeout = env.timeout
        self._http = JoiningClient(
            base_url=url,
            transport=self._stack.transport,
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            auth=auth,
            headers=headers,
            event_hooks={"request": [_mark_request], "response": [_remember_response]},
        )
        if self._oauth is not None:
            # Its own login requests go below the session layer and the order gate (paced, logged).
            self._oauth.attach(
                LoggingTransport(self._stack.retry).handle_async_request,
                base_url=url,
                wait_turn=self._gate.wait_turn,
                on_renewed=self._stack.session.reset,
            )
        self.raw: Client = Client(base_url=url).set_async_httpx_client(self._http)
        """The generated low-level client, wired to the same pacing, retries and session refresh."""
        self.preflight = preflight or PreflightPolicy()
        self._keepalive = Keepalive(self._keepalive_tick, keepalive) if keepalive else None
        self._closed = False
        self._accounts_cache: tuple[str, ...] | None = None
        self._stream_options = streaming
        self._stream: StreamManager | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={redact_url(self.base_url)!r})"

    async def __aenter__(self) -> Self:
        if self._oauth is not None:
            try:
                await self._oauth.login()  # bad credentials fail here, not at the first call
            except BaseException:
                await self.aclose()
                raise
        if self._keepalive is not None:
            self._keepalive.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the keepalive task and close the connection pool. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._stream is not None:
                await self._stream.aclose()
            if self._keepalive is not None:
                await self._keepalive.stop()
        finally:
            await self._http.aclose()
            if self._oauth is not None:
                await self._oauth.aclose()

    async def _keepalive_tick(self) -> None:
        raise NotImplementedError  # provided by the client

    @staticmethod
    @contextlib.contextmanager
    def sending_once() -> Iterator[None]:
        """Requests made in this block (through :meth:`call` or ``raw``) are sent at most once:
        the retry layer leaves them alone (``extensions={"ibkr_retry": False}``). For requests
        that move money, such as cancelling an order, whose lost answer is settled by a look-up."""
        token = _send_once.set(True)
        try:
            yield
        finally:
            _send_once.reset(token)

    def _network(self, backend: HttpBackend) -> httpx.AsyncBaseTransport:
        if backend == "aiohttp":
            from .transports.aiohttp import AiohttpTransport  # imports aiohttp only when chosen

            return AiohttpTransport(verify=self.ssl_context)
        return httpx.AsyncHTTPTransport(verify=self.ssl_context)

    @functools.cached_property
    def ssl_context(self) -> ssl.SSLContext:
        """One TLS context for HTTP and the websocket, so ``verify=`` means the same for both;
        built on first use (a client given its own transport never pays for it)."""
        return _build_ssl_context(self._verify)

    @property
    def gate(self) -> Gate:
        """Exclusive access to the gateway for an order flow (see :mod:`.transports.gate`)."""
        return self._gate

    @property
    def stack(self) -> TransportStack:
        return self._stack

    def remember_accounts(self, accounts: tuple[str, ...]) -> None:
        """The accounts this login can trade, as last read (for the default account)."""
        self._accounts_cache = accounts

    async def resolve_account(self, account_id: str | None) -> str:
        """``account_id``, else the client's default, else the login's only account."""
        if account_id is not None:
            return check_account(account_id)
        if self.account_id is not None:
            return self.account_id
        accounts = self._accounts_cache
        if accounts is None:
            raise errors.InvalidRequestError(
                "no account given: pass account_id=..., set IBKR_ACCOUNT_ID, or call accounts() "
                "first (a login with a single account then uses it)"
            )
        if len(accounts) != 1:
            raise errors.InvalidRequestError(
                f"this login has {len(accounts)} accounts ({', '.join(accounts) or 'none'}); "
                "pass account_id=... or set IBKR_ACCOUNT_ID"
            )
        return accounts[0]

    async def call(self, send: Callable[[Client], Awaitable[Response[T]]]) -> Response[T]:
        """Run one generated operation (``lambda c: op.asyncio_detailed(..., client=c)``) and turn
        failures into this package's errors. A 4xx/5xx answer raises; the rest is returned."""
        if self._closed:
            raise errors.ConfigurationError("this IBKRClient is closed; create a new one")
        token = _last_response.set(None)
        try:
            try:
                response = await send(self.raw)
            except _PARSE_FAILURES as exc:
                if _last_response.get() is None and not isinstance(exc, RecursionError):
                    raise  # no answer came back: a bug in the call itself, not the gateway
                # The generated parser choked on the body (e.g. an empty 429 or an HTML 503).
                raise self._unparsable(exc) from exc
            if response.status_code >= 400:
                raw = _last_response.get()
                if raw is None:  # pragma: no cover - the hook always runs
                    raise errors.IBKRError(f"gateway answered HTTP {int(response.status_code)}")
                raise errors.error_from_response(raw)
            return response
        except httpx.TimeoutException as exc:
            raise errors.APITimeoutError(
                f"the gateway at {redact_url(self.base_url)} did not answer in time; "
                "check it is running, or raise the timeout",
                may_have_reached_gateway=not isinstance(
                    exc, httpx.ConnectTimeout | httpx.PoolTimeout
                ),
            ) from exc
        except httpx.TransportError as exc:
            raise self._connection_error(exc) from exc
        finally:
            _last_response.reset(token)

    def _connection_error(self, exc: httpx.TransportError) -> errors.APIConnectionError:
        where = redact_url(self.base_url)
        tls = _ssl_cause(exc)
        if tls is not None:
            reason = (
                getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or str(tls)
            )
            if isinstance(tls, ssl.SSLCertVerificationError):
                return errors.TLSError(
                    f"the gateway at {where} presented a certificate this client does not trust "
                    f"({reason}); pass verify='/path/to/gateway-cert.pem' (or set IBKR_VERIFY) with "
                    "the certificate the gateway serves"
                )
            return errors.TLSError(
                f"TLS with {where} failed ({reason}); if the server speaks plain HTTP on that port, "
                "use an http:// base_url, else check the port"
            )
        if self.base_url.startswith("http://") and isinstance(
            exc, httpx.RemoteProtocolError | httpx.ReadError
        ):
            return errors.APIConnectionError(
                f"the server at {where} closed the connection without an HTTP answer: the gateway "
                "speaks HTTPS; use an https:// base_url (e.g. https://localhost:5000/v1/api)",
                may_have_reached_gateway=False,
            )
        if isinstance(exc, httpx.ConnectError):
            return errors.APIConnectionError(
                f"cannot connect to the gateway at {where} ({redact_text(str(exc)) or 'refused'}); "
                "nothing was sent. Start the Client Portal gateway (or `ibkr-webapi simulate`) "
                "and log in",
                may_have_reached_gateway=False,
            )
        return errors.APIConnectionError(
            f"the connection to the gateway at {where} broke before an answer arrived "
            f"({type(exc).__name__}); the request may have reached it",
        )

    @staticmethod
    def _unparsable(exc: Exception) -> errors.IBKRError:
        raw = _last_response.get()
        if raw is not None and raw.status_code >= 400:
            return errors.error_from_response(raw)
        status = f"HTTP {raw.status_code}" if raw is not None else "no response"
        detail = "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
        return errors.UnexpectedResponseError(
            f"the gateway's answer ({status}) could not be read: {detail}: "
            f"{redact_text(str(exc))[:200]}"
        )
