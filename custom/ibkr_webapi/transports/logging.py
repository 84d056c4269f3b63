"""LoggingTransport: one DEBUG line per request on the ``ibkr_webapi`` logger, secrets redacted."""

from __future__ import annotations

import logging
import time

import httpx

from ..errors import RECOVERED_EXTENSION, RECOVERY_ERROR_EXTENSION
from ..redact import redact_url

__all__ = ["ATTEMPTS_EXTENSION", "RECOVERED_EXTENSION", "LoggingTransport"]

logger = logging.getLogger("ibkr_webapi")

# Set on responses by the layers below, so the request line can say what happened on the way.
ATTEMPTS_EXTENSION = "ibkr_attempts"


class LoggingTransport(httpx.AsyncBaseTransport):
    """Logs ``METHOD url -> status in N ms`` at DEBUG for every request that passes through.

    The URL has secret query parameters and passwords removed; headers and bodies are never logged.
    As the outermost layer it logs what the caller sees: one line per call, with the number of
    attempts the retry layer made and whether the session was re-opened on the way.
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, *, logger: logging.Logger | None = None
    ) -> None:
        self._inner = inner
        self._logger = logger or logging.getLogger("ibkr_webapi")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._logger.isEnabledFor(logging.DEBUG):
            return await self._inner.handle_async_request(request)
        started = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except Exception as exc:
            self._logger.debug(
                "%s %s -> %s after %.1f ms",
                request.method,
                redact_url(request.url),
                type(exc).__name__,
                (time.perf_counter() - started) * 1000.0,
            )
            raise
        notes: list[str] = []
        attempts = response.extensions.get(ATTEMPTS_EXTENSION)
        if isinstance(attempts, int) and attempts > 1:
            notes.append(f"attempts={attempts}")
        if response.extensions.get(RECOVERED_EXTENSION):
            notes.append("session re-opened")
        if response.extensions.get(RECOVERY_ERROR_EXTENSION):
            notes.append("session recovery failed")
        self._logger.debug(
            "%s %s -> %d in %.1f ms%s",
            request.method,
            redact_url(request.url),
            response.status_code,
            (time.perf_counter() - started) * 1000.0,
            f" ({', '.join(notes)})" if notes else "",
        )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
