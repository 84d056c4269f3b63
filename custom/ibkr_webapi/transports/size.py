"""SizeLimitTransport: stops reading an answer once it passes ``max_bytes``.

A gateway (or anything pretending to be one) can answer with a body of any size. This layer,
just above the network, refuses a ``Content-Length`` above the cap before reading anything and
counts the bytes of every other body as they arrive, raising
:class:`~ibkr_webapi.errors.ResponseTooLargeError` the moment the cap is passed, so memory use stays
bounded. The cap counts bytes as sent (compressed, when the answer is).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from .. import errors
from ..redact import redact_url

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "SizeLimitTransport"]

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


def _too_large(request: httpx.Request, limit: int, seen: str) -> errors.ResponseTooLargeError:
    return errors.ResponseTooLargeError(
        f"{request.method} {redact_url(request.url)}: the answer is larger than "
        f"max_response_bytes={limit} ({seen}); reading stopped. Ask for less (fewer conids, a "
        "shorter period, paging) or raise max_response_bytes",
        limit=limit,
    )


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request, limit: int) -> None:
        self._inner = inner
        self._request = request
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self._inner:
            total += len(chunk)
            if total > self._limit:
                raise _too_large(self._request, self._limit, f"{total} bytes read so far")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class SizeLimitTransport(httpx.AsyncBaseTransport):
    """Caps the size of every answer (see the module docs); ``max_bytes=None`` turns it off."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, max_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES
    ) -> None:
        if max_bytes is not None and max_bytes < 1:
            raise errors.ConfigurationError(
                f"max_response_bytes must be a positive number of bytes or None, got {max_bytes}"
            )
        self._inner = inner
        self.max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        limit = self.max_bytes
        if limit is None:
            return response
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await response.aclose()
            raise _too_large(request, limit, f"Content-Length {declared}")
        if isinstance(response.stream, httpx.AsyncByteStream) and not response.is_closed:
            response.stream = _CappedStream(response.stream, request, limit)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
