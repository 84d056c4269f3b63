"""Bearer-token authentication as an ``httpx.Auth`` flow (direct OAuth 2.0 access).

Being an auth flow, it applies to every request of the ``httpx.AsyncClient``, including calls made
straight through the generated low-level client.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator

import attrs
import httpx

from ..errors import ConfigurationError

__all__ = ["BearerTokenAuth", "StaticBearerAuth", "Token"]

logger = logging.getLogger("ibkr_webapi")


def _aware(
    _: object, attribute: attrs.Attribute[dt.datetime | None], value: dt.datetime | None
) -> None:
    if value is not None and value.utcoffset() is None:
        raise ConfigurationError(
            f"{attribute.name} must be timezone-aware, e.g. datetime.now(timezone.utc) + "
            "timedelta(seconds=expires_in)"
        )


@attrs.frozen
class Token:
    """An access token and when it expires (``None``: unknown, refreshed only on a 401).

    Its repr never shows the token.
    """

    access_token: str = attrs.field(repr=False)
    expires_at: dt.datetime | None = attrs.field(default=None, validator=_aware)

    @classmethod
    def expiring_in(
        cls, access_token: str, seconds: float, *, now: dt.datetime | None = None
    ) -> Token:
        """A token from an OAuth ``expires_in`` answer."""
        start = now or dt.datetime.now(dt.UTC)
        return cls(access_token, start + dt.timedelta(seconds=seconds))

    def __repr__(self) -> str:
        return f"Token(access_token='[redacted]', expires_at={self.expires_at!r})"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BearerTokenAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <token>``, getting tokens from an async ``provider``.

    The token is fetched on first use, fetched again ``refresh_margin`` before it expires, and once
    more when the server answers 401 (the request is then sent again, once). Concurrent requests
    share one fetch.
    """

    requires_request_body = True  # so the request can be sent a second time after a 401

    def __init__(
        self,
        provider: Callable[[], Awaitable[Token]],
        *,
        refresh_margin: dt.timedelta | float = 60.0,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._provider = provider
        self.refresh_margin = (
            refresh_margin
            if isinstance(refresh_margin, dt.timedelta)
            else dt.timedelta(seconds=refresh_margin)
        )
        self._clock = clock
        self._token: Token | None = None
        self._lock = asyncio.Lock()
        self.refreshes = 0
        """How many times the provider was called."""

    def __repr__(self) -> str:
        expires = self._token.expires_at if self._token is not None else None
        return f"{type(self).__name__}(token='[redacted]', expires_at={expires!r})"

    def _fresh(self, token: Token | None) -> bool:
        if token is None:
            return False
        if token.expires_at is None:
            return True
        return self._clock() + self.refresh_margin < token.expires_at

    async def _refresh(self, stale: Token | None) -> Token:
        async with self._lock:
            current = self._token
            if current is not None and current is not stale and self._fresh(current):
                return current  # another request refreshed it while we waited
            self.refreshes += 1
            token = await self._provider()
            if not isinstance(token, Token) or not token.access_token:
                raise ConfigurationError(
                    "the token provider must return a Token with a non-empty access_token"
                )
            self._token = token
            logger.debug("bearer token refreshed (expires %s)", token.expires_at)
            return token

    async def token(self) -> Token:
        """The current token, fetched first when missing or about to expire."""
        current = self._token
        if self._fresh(current):
            assert current is not None
            return current
        return await self._refresh(current)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401:
            await response.aread()
            token = await self._refresh(token)
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            yield request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("BearerTokenAuth needs httpx.AsyncClient (its token provider is async)")
        yield request  # pragma: no cover - makes this a generator


class StaticBearerAuth(httpx.Auth):
    """A fixed bearer token (no refresh). Its repr never shows the token."""

    def __init__(self, access_token: str) -> None:
        if not access_token:
            raise ConfigurationError("StaticBearerAuth needs a non-empty access token")
        self._header = f"Bearer {access_token}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token='[redacted]')"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request
