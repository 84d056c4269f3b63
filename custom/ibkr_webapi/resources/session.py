"""Session calls: status, keepalive, (re)opening the brokerage session, logout."""

from __future__ import annotations

import logging

from ibkr_webapi_client.api.sessions import (
    get_auth_status,
    init_brokerage_session,
    logout,
    tickle,
    validate_sso,
)
from ibkr_webapi_client.models import (
    AuthStatus,
    LogoutResponse,
    SessionInitRequest,
    SsoValidation,
    TickleResponse,
)
from ibkr_webapi_client.types import Unset

from .._core import ClientCore
from ..results import TickleResult

logger = logging.getLogger("ibkr_webapi")


def _authenticated(status: AuthStatus | Unset | None) -> bool | None:
    if not isinstance(status, AuthStatus) or isinstance(status.authenticated, Unset):
        return None
    return bool(status.authenticated)


class SessionAPI(ClientCore):
    """Session endpoints."""

    async def auth_status(self, *, recover: bool = True) -> AuthStatus:
        """The brokerage session's state.

        With ``recover`` (the default), a session that reports ``authenticated: false`` is re-opened
        (``ssodh/init``) and the fresh status is returned.
        """
        response = await self._call(get_auth_status.asyncio_detailed)
        status = self._parsed(response, AuthStatus, "auth status")
        if recover and _authenticated(status) is False and await self._reopen_session():
            response = await self._call(get_auth_status.asyncio_detailed)
            status = self._parsed(response, AuthStatus, "auth status")
        return status

    async def tickle(self) -> TickleResult:
        """Keep the session alive (the client does this itself every ``keepalive`` seconds)."""
        response = await self._call(tickle.asyncio_detailed)
        return TickleResult.from_model(self._parsed(response, TickleResponse, "tickle"))

    async def open_brokerage_session(self, *, compete: bool = True) -> AuthStatus:
        """Open (or re-open) the brokerage session with ``ssodh/init``."""
        response = await self._call(
            init_brokerage_session.asyncio_detailed,
            body=SessionInitRequest(publish=True, compete=compete),
        )
        return self._parsed(response, AuthStatus, "ssodh/init")

    async def logout(self) -> bool:
        """End the gateway session. Logging in again needs the browser."""
        response = await self._call(logout.asyncio_detailed)
        answer = self._parsed(response, LogoutResponse, "logout")
        return answer.status is True

    async def validate_sso(self) -> SsoValidation:
        """Details of the SSO session (user, expiry). Limited to one call a minute."""
        response = await self._call(validate_sso.asyncio_detailed)
        return self._parsed(response, SsoValidation, "sso/validate")

    async def _keepalive_tick(self) -> None:
        answer = await self.tickle()
        if answer.authenticated is False:
            logger.info("keepalive: brokerage session is not authenticated; re-opening it")
            await self._reopen_session()

    async def _reopen_session(self) -> bool:
        # The session layer sits below the gate: hold the gate so no order flow is split by ssodh/init.
        async with self._gate.exclusive():
            return await self._stack.session.ensure_authenticated()
