"""AiohttpTransport: the network layer on aiohttp (C HTTP parser), under the same httpx stack.

``IBKRClient(..., http_backend="aiohttp")`` (or ``IBKR_HTTP_BACKEND=aiohttp``) puts this transport
where ``httpx.AsyncHTTPTransport`` would be; every layer above it (logging, session, retry, pacing,
size) is unchanged. It needs the ``fast`` extra (``pip install 'ibkr-webapi-client[fast]'``) and
imports aiohttp only when built. Small calls cost about half the CPU (docs/benchmarks.md).

Failures keep the meaning the order engine relies on:

- before the request is written (DNS, refused, TLS handshake or certificate, connect timeout, no
  free connection in time): ``httpx.ConnectError`` / ``ConnectTimeout`` / ``PoolTimeout``, the
  ``ssl.SSLError`` kept in the ``__cause__`` chain: *nothing was sent*;
- after (the server disconnected, a broken body, a read timeout, anything unrecognised):
  ``httpx.RemoteProtocolError`` / ``ReadError`` / ``ReadTimeout``: *it may have reached the
  gateway*. aiohttp has no write timeout: its read timer starts before the request is written,
  so a stalled write ends as ``ReadTimeout`` (likewise "may have reached").

aiohttp's own resend of idempotent requests (GET, PUT, DELETE) on a broken keep-alive connection
is turned off: a cancel sent "once" is sent once; the retry layer above decides. Bodies arrive as
sent (no decompression here: httpx decodes, the size layer counts wire bytes); cookies and
redirects are left to httpx. Host names other than IP literals are resolved with the loop's
``getaddrinfo`` (in its executor) when a connection is opened, as httpx does; then cached 10 s.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx

from .. import errors

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AiohttpTransport", "aiohttp_available"]

_NOT_INSTALLED = (
    "http_backend='aiohttp' needs aiohttp: pip install 'ibkr-webapi-client[fast]' "
    "(or use the default http_backend='httpx')"
)
# httpx sends these itself; aiohttp must not add its own (or a second Transfer-Encoding).
_SKIP_AUTO = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
_DROP = frozenset({b"transfer-encoding"})
_HTTP11 = b"HTTP/1.1"


def aiohttp_available() -> bool:
    """Whether aiohttp can be imported (the ``fast`` extra is installed)."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return False
    return True


def _mapped(exc: BaseException, request: httpx.Request, *, in_body: bool) -> httpx.TransportError:
    """The httpx error for an aiohttp failure (``in_body``: while reading the answer's body).

    Only a failure to connect says "not sent"; anything else, including what is not recognised,
    says "may have reached the gateway" (fail closed)."""
    import aiohttp

    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(exc) or "connect timed out", request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = str(exc.os_error) or type(exc.os_error).__name__
        return httpx.ConnectError(reason, request=request)
    if isinstance(exc, TimeoutError):  # SocketTimeoutError and any other timer
        return httpx.ReadTimeout(str(exc) or "read timed out", request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        message = (
            "peer closed connection without sending complete message body"
            if in_body
            else "Server disconnected without sending a response."
        )
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)
    if isinstance(exc, OSError):
        return httpx.ReadError(str(exc) or type(exc).__name__, request=request)
    return httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request)


def _cause(exc: BaseException) -> BaseException:
    """What to chain the httpx error to: the ``OSError``/``ssl.SSLError`` under a connect failure
    (aiohttp's certificate error is itself an ``SSLError`` whose text names host and port; the
    client's TLS message must read the same as with httpx), else ``exc``."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return exc.certificate_error
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.os_error
    return exc


class _Body(httpx.AsyncByteStream):
    """An aiohttp response body as httpx reads it; closing it returns or drops the connection."""

    __slots__ = ("_done", "_release", "_request", "_response")

    def __init__(
        self, response: aiohttp.ClientResponse, request: httpx.Request, release: _Release
    ) -> None:
        self._response = response
        self._request = request
        self._release = release
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    break
                yield chunk
        except Exception as exc:
            raise _mapped(exc, self._request, in_body=True) from exc
        self._done = True

    async def aclose(self) -> None:
        if self._done:
            self._response.release()  # read to the end: the connection goes back to the pool
        else:
            self._response.close()  # abandoned mid-body: the connection cannot be reused
        self._release()


class _Release:
    """Gives a connection slot back once (the response closed, or the request failed)."""

    __slots__ = ("_semaphore",)

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore: asyncio.Semaphore | None = semaphore

    def __call__(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()
            self._semaphore = None


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` on an ``aiohttp.ClientSession`` (see the module docs).

    ``verify`` is the client's ``ssl_context`` (the same trust as the websocket); ``limits`` as
    httpx's. The session is created in the running loop on the first request.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
    ) -> None:
        if not aiohttp_available():
            raise errors.ConfigurationError(_NOT_INSTALLED)
        limits = limits or httpx.Limits()
        if isinstance(verify, bool):
            verify = httpx.create_ssl_context(verify=verify)
        self._ssl = verify
        self._max = limits.max_connections or 0
        self._keepalive = limits.keepalive_expiry if limits.keepalive_expiry is not None else 5.0
        self._slots = asyncio.Semaphore(self._max) if self._max else None
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._closed = False

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        if self._closed:
            raise errors.ConfigurationError("this transport is closed; create a new client")
        connector = aiohttp.TCPConnector(
            ssl=self._ssl, limit=self._max, limit_per_host=0, keepalive_timeout=self._keepalive
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
            skip_auto_headers=_SKIP_AUTO,
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        # Never resend on a broken keep-alive connection behind the retry layer's back.
        session._retry_connection = False
        self._session = session
        return session

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        import aiohttp

        given = request.extensions.get("timeout") or {}
        connect, read = given.get("connect"), given.get("read")
        key = (connect, read)
        found = self._timeouts.get(key)
        if found is None:
            if len(self._timeouts) >= 64:  # callers varying timeouts per request: stay bounded
                self._timeouts.clear()
            # connect bounds DNS + TCP + TLS as httpx's does; sock_connect each attempt.
            found = aiohttp.ClientTimeout(
                total=None, connect=connect, sock_connect=connect, sock_read=read
            )
            self._timeouts[key] = found
        return found

    async def _slot(self, request: httpx.Request) -> _Release | None:
        slots = self._slots
        if slots is None:
            return None
        if slots.locked():
            pool = (request.extensions.get("timeout") or {}).get("pool")
            try:
                async with asyncio.timeout(pool):
                    await slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout(
                    f"no free connection within {pool} s ({self._max} in use)", request=request
                ) from None
        else:
            await slots.acquire()
        return _Release(slots)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        from yarl import URL

        session = self._session or self._open()
        encoding = request.headers.encoding  # names keep their case, values their bytes
        headers = [
            (k.decode(encoding), v.decode(encoding))
            for k, v in request.headers.raw
            if k.lower() not in _DROP
        ]
        stream = request.stream
        data = (
            (request.content or None) if isinstance(stream, httpx.ByteStream) else _chunks(stream)
        )
        release = await self._slot(request)
        try:
            try:
                response = await session.request(
                    request.method,
                    URL(str(request.url), encoded=True),
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                    timeout=self._timeout(request),
                )
            except Exception as exc:  # not CancelledError: that stays what it is
                raise _mapped(exc, request, in_body=False) from _cause(exc)
        except BaseException:
            if release is not None:
                release()
            raise
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(response, request, release or _NO_SLOT),
            extensions={
                "http_version": _HTTP11 if response.version == (1, 1) else _version(response),
                "reason_phrase": (response.reason or "").encode("ascii", "replace"),
            },
        )

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _version(response: aiohttp.ClientResponse) -> bytes:
    version = response.version
    return b"HTTP/1.1" if version is None else f"HTTP/{version.major}.{version.minor}".encode()


async def _chunks(stream: httpx.AsyncByteStream | httpx.SyncByteStream) -> AsyncIterator[bytes]:
    if isinstance(stream, httpx.AsyncByteStream):
        async for chunk in stream:
            yield chunk
    else:
        for chunk in stream:
            yield chunk


class _NoSlot(_Release):
    def __init__(self) -> None:
        self._semaphore = None


_NO_SLOT = _NoSlot()
