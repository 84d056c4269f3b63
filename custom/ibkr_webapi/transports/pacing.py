"""PacingTransport: every attempt waits for the :class:`~ibkr_webapi.pacing.Pacer`'s grant.

It sits just above the network, so retries, the session layer's own calls and requests made
through the generated client are all paced, held during a 429 penalty and held back while
another task holds the order gate. The scheduler itself lives in :mod:`ibkr_webapi.pacing`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx

from ..pacing import GATEWAY_RULES, EndpointRule, Pacer, Permit, RateLimitPolicy
from ._util import relative_path

__all__ = [
    "GATEWAY_RULES",
    "ON_SEND_EXTENSION",
    "SESSION_CALL_EXTENSION",
    "EndpointRule",
    "Pacer",
    "PacingTransport",
    "RateLimitPolicy",
]

# Marks the session layer's own calls (ssodh/init, auth/status, prerequisites): they go first.
SESSION_CALL_EXTENSION = "ibkr_session_call"
# A callable run the moment a request is granted, just before it is sent (the session layer
# notes the session generation the attempt really went out under).
ON_SEND_EXTENSION = "ibkr_on_send"


class _ReleasingStream(httpx.AsyncByteStream):
    """Wraps a response body so the pacing permit is released when the body is closed."""

    def __init__(self, inner: httpx.AsyncByteStream, permit: Permit) -> None:
        self._inner = inner
        self._permit = permit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            await self._permit.release()


class PacingTransport(httpx.AsyncBaseTransport):
    """Waits for the pacer's grant before passing each request on.

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
        extensions = request.extensions
        permit = await self.pacer.acquire(
            request.method, path, session=bool(extensions.get(SESSION_CALL_EXTENSION))
        )
        on_send: Callable[[], None] | None = extensions.get(ON_SEND_EXTENSION)
        try:
            if on_send is not None:
                on_send()
            response = await self._inner.handle_async_request(request)
        except BaseException:
            await permit.release()
            raise
        if response.is_closed or not isinstance(response.stream, httpx.AsyncByteStream):
            await permit.release()  # already read (mock transports) or not ours to wrap
            return response
        response.stream = _ReleasingStream(response.stream, permit)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
