"""The client's plumbing: configuration, the httpx stack, lifecycle and error mapping."""

from __future__ import annotations

import contextvars
import logging
import os
import ssl
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs
import httpx

from ibkr_webapi_client import Client
from ibkr_webapi_client.types import Response

from . import errors
from .auth.keepalive import Keepalive
from .redact import redact_text
from .transports import TransportStack, build_transport_stack
from .transports.gate import Gate, GateTransport
from .transports.pacing import Pacer, RateLimitPolicy
from .transports.retry import RetryPolicy

if TYPE_CHECKING:
    from .streaming import StreamManager, StreamOptions

logger = logging.getLogger("ibkr_webapi")

DEFAULT_BASE_URL = "https://localhost:5000/v1/api"
_last_response: contextvars.ContextVar[httpx.Response | None] = contextvars.ContextVar(
    "ibkr_last_response", default=None
)
_warned_insecure = False
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class PreflightPolicy:
    """How long to keep asking when the gateway answers a first call without data.

    ``max_polls`` bounds the calls per batch; once a conid's data has started to arrive, fields
    still missing get at most ``late_field_polls`` more calls (the gateway sends slow fields a call
    or two later; some fields never come for some contracts).
    """

    max_polls: int = 6
    interval: float = 0.3
    late_field_polls: int = 2


def check_account(account_id: str) -> str:
    """An account id with surrounding blanks removed; a typed error when there is none."""
    if not isinstance(account_id, str) or not account_id.strip():
        raise errors.InvalidRequestError(
            "account_id must be an account code such as 'U1234567'; list them with accounts()"
        )
    return account_id.strip()


def _ssl_context(verify: bool | str | os.PathLike[str] | ssl.SSLContext) -> ssl.SSLContext | bool:
    global _warned_insecure
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        if not _warned_insecure:
            _warned_insecure = True
            logger.warning(
                "TLS verification is off: anyone on the path could read your session. "
                "Pass verify='/path/to/gateway-cert.pem' instead."
            )
        return False
    if verify is True:
        return True
    path = os.fspath(verify)
    if not os.path.exists(path):
        raise errors.ConfigurationError(
            f"verify={path!r}: no such certificate file; pass the gateway's CA/cert path, True or False"
        )
    return ssl.create_default_context(cafile=path)


async def _remember_response(response: httpx.Response) -> None:
    """httpx response hook: keep the raw response so failures can be mapped with its request."""
    _last_response.set(response)


class ClientCore:
    """Owns one ``httpx.AsyncClient`` (shared with the generated client) and the keepalive task."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        verify: bool | str | os.PathLike[str] | ssl.SSLContext = True,
        timeout: float | httpx.Timeout = 30.0,
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
        headers: dict[str, str] | None = None,
        streaming: StreamOptions | None = None,
    ) -> None:
        url = (base_url or os.environ.get("IBKR_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise errors.ConfigurationError(
                f"base_url {url!r} must start with https:// (e.g. {DEFAULT_BASE_URL})"
            )
        self.base_url = url
        # One SSLContext for HTTP and the websocket, so verify= means the same for both.
        self.ssl_context: ssl.SSLContext = httpx.create_ssl_context(verify=_ssl_context(verify))
        inner = transport or httpx.AsyncHTTPTransport(verify=self.ssl_context)
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
        )
        self._gate = Gate()
        self._http = httpx.AsyncClient(
            base_url=url,
            transport=GateTransport(self._stack.transport, self._gate),
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            auth=auth,
            headers=headers,
            event_hooks={"response": [_remember_response]},
        )
        self.raw: Client = Client(base_url=url).set_async_httpx_client(self._http)
        """The generated low-level client, wired to the same pacing, retries and session refresh."""
        self.preflight = preflight or PreflightPolicy()
        self._keepalive = Keepalive(self._keepalive_tick, keepalive) if keepalive else None
        self._closed = False
        self._stream_options = streaming
        self._stream: StreamManager | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
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

    async def _keepalive_tick(self) -> None:
        raise NotImplementedError  # provided by the session API

    async def _call(
        self, operation: Callable[..., Awaitable[Response[T]]], *args: Any, **kwargs: Any
    ) -> Response[T]:
        """Run one generated operation and turn failures into this package's errors."""
        if self._closed:
            raise errors.ConfigurationError("this IBKRClient is closed; create a new one")
        token = _last_response.set(None)
        try:
            try:
                response = await operation(*args, client=self.raw, **kwargs)
            except (ValueError, KeyError, TypeError) as exc:
                if _last_response.get() is None:
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
                f"the gateway at {self.base_url} did not answer in time; "
                "check it is running, or raise the timeout"
            ) from exc
        except httpx.TransportError as exc:
            raise errors.APIConnectionError(
                f"cannot reach the gateway at {self.base_url} ({type(exc).__name__}); "
                "start the Client Portal gateway (or `ibkr-webapi simulate`) and log in"
            ) from exc
        finally:
            _last_response.reset(token)

    @staticmethod
    def _unparsable(exc: Exception) -> errors.IBKRError:
        raw = _last_response.get()
        if raw is not None and raw.status_code >= 400:
            return errors.error_from_response(raw)
        status = f"HTTP {raw.status_code}" if raw is not None else "no response"
        return errors.UnexpectedResponseError(
            f"the gateway's answer ({status}) could not be read: {type(exc).__name__}: "
            f"{redact_text(str(exc))}"
        )

    @staticmethod
    def _parsed(response: Response[Any], kind: type[T], what: str) -> T:
        parsed = response.parsed
        if not isinstance(parsed, kind):
            raise errors.UnexpectedResponseError(
                f"{what}: the gateway's answer did not have the documented shape "
                f"(HTTP {int(response.status_code)}, "
                f"{redact_text(response.content[:200].decode('utf-8', 'replace'))!r})"
            )
        return parsed
