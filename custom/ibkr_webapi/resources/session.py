"""Session calls: status, keepalive, (re)opening the brokerage session, logout, SSO."""

from __future__ import annotations

import logging

from ibkr_webapi_client.api.sessions import (
    get_auth_status,
    init_brokerage_session,
    logout,
    reauthenticate,
    tickle,
    validate_sso,
)
from ibkr_webapi_client.models import (
    AuthStatus as AuthStatusModel,
)
from ibkr_webapi_client.models import (
    LogoutResponse,
    ReauthenticateResponse,
    SessionInitRequest,
    SsoValidation,
    TickleResponse,
)

from .. import errors
from ..ids import check_flag
from ..results.session import AuthStatus, Reauthentication, SsoSession, TickleResult
from ..seam import bool_or_none, expect_one
from ._base import Resource

logger = logging.getLogger("ibkr_webapi")


class SessionResource(Resource):
    """``ib.session``: the gateway session and the brokerage session behind ``/iserver``."""

    __slots__ = ()

    async def status(self, *, recover: bool = True) -> AuthStatus:
        """The brokerage session's state.

        With ``recover`` (the default), a session that reports ``authenticated: false`` is re-opened
        (``ssodh/init``) and the fresh status is returned.
        """
        status = await self._read_status()
        if recover and not status.authenticated and await self.reopen():
            status = await self._read_status()
        return status

    async def _read_status(self) -> AuthStatus:
        response = await self._core.call(lambda c: get_auth_status.asyncio_detailed(client=c))
        return AuthStatus.from_model(expect_one(response, AuthStatusModel, "auth status"))

    async def tickle(self) -> TickleResult:
        """Keep the session alive (the client does this itself every ``keepalive`` seconds)."""
        response = await self._core.call(lambda c: tickle.asyncio_detailed(client=c))
        return TickleResult.from_model(expect_one(response, TickleResponse, "tickle"))

    async def open_brokerage_session(self, *, compete: bool = True) -> AuthStatus:
        """Open (or re-open) the brokerage session with ``ssodh/init``."""
        body = SessionInitRequest(publish=True, compete=check_flag(compete, "compete"))
        response = await self._core.call(
            lambda c: init_brokerage_session.asyncio_detailed(client=c, body=body)
        )
        return AuthStatus.from_model(expect_one(response, AuthStatusModel, "ssodh/init"))

    async def reauthenticate(self) -> Reauthentication:
        """Ask the gateway to re-open the brokerage session (``/iserver/reauthenticate``).

        IBKR deprecates this call in favour of ``ssodh/init`` (``open_brokerage_session()``, or
        ``reopen()``, which also waits until the session is open); it is here for gateways and
        tools that still expect it. The answer only says that re-opening started.
        """
        # Like reopen(): no order's chain of questions may be split by the session starting over.
        async with self._core.gate.exclusive():
            response = await self._core.call(lambda c: reauthenticate.asyncio_detailed(client=c))
        return Reauthentication.from_model(
            expect_one(response, ReauthenticateResponse, "reauthenticate")
        )

    async def logout(self) -> bool:
        """End the gateway session. Logging in again needs the browser (or OAuth)."""
        response = await self._core.call(lambda c: logout.asyncio_detailed(client=c))
        answer = expect_one(response, LogoutResponse, "logout")
        return bool_or_none(answer.status, "status") is True

    async def validate_sso(self) -> SsoSession:
        """Details of the SSO session (user, expiry). Limited to one call a minute."""
        response = await self._core.call(lambda c: validate_sso.asyncio_detailed(client=c))
        return SsoSession.from_model(expect_one(response, SsoValidation, "sso/validate"))

    async def reopen(self) -> bool:
        """Re-open the brokerage session now, sharing a recovery already under way."""
        # The session layer sits below the gate: hold the gate so no order flow is split by ssodh/init.
        async with self._core.gate.exclusive():
            try:
                return await self._core.stack.session.ensure_authenticated()
            except RecursionError:  # an answer nested too deeply to read
                raise errors.UnexpectedResponseError(
                    "re-opening the session: the gateway's answer could not be read (nested too "
                    "deeply)"
                ) from None

    async def keepalive_tick(self) -> None:
        """One keepalive round: tickle, and re-open the brokerage session when it dropped."""
        answer = await self.tickle()
        if answer.authenticated is False:
            logger.info("keepalive: brokerage session is not authenticated; re-opening it")
            await self.reopen()
