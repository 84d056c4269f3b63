"""Session results: the brokerage session's state, the keepalive answer, the SSO session."""

from __future__ import annotations

from datetime import datetime

import attrs

from ibkr_webapi_client.models import AuthStatus as AuthStatusModel
from ibkr_webapi_client.models import ReauthenticateResponse, TickleResponse
from ibkr_webapi_client.models import SsoValidation as SsoValidationModel

from ..dates import parse_ibkr_time
from ..redact import REDACTED
from ..seam import bool_or_none, int_or_none, model_or_none, str_or_none

__all__ = ["AuthStatus", "Reauthentication", "SsoSession", "TickleResult"]


@attrs.frozen(kw_only=True)
class AuthStatus:
    """Whether the brokerage session is open (``authenticated``), and why not when it is not."""

    authenticated: bool
    """The brokerage session is open: ``/iserver`` calls (trading, market data) work."""
    connected: bool
    """The gateway is connected to IBKR's back end."""
    competing: bool
    """Another login (TWS, the mobile app, another gateway) holds the brokerage session."""
    established: bool | None = None
    message: str | None = None
    fail: str | None = None
    server_name: str | None = None
    server_version: str | None = None
    model: AuthStatusModel = attrs.field(repr=False, eq=False)
    """The answer as the generated layer read it."""

    @classmethod
    def from_model(cls, model: AuthStatusModel) -> AuthStatus:
        server = model_or_none(model.server_info)
        return cls(
            # A logged-out gateway omits flags it would send as false.
            authenticated=bool_or_none(model.authenticated, "authenticated") is True,
            connected=bool_or_none(model.connected, "connected") is True,
            competing=bool_or_none(model.competing, "competing") is True,
            established=bool_or_none(model.established, "established"),
            message=str_or_none(model.message, "message") or None,
            fail=str_or_none(model.fail, "fail") or None,
            server_name=str_or_none(server.server_name, "serverName") if server else None,
            server_version=str_or_none(server.server_version, "serverVersion") if server else None,
            model=model,
        )


@attrs.frozen(kw_only=True)
class TickleResult:
    """The keepalive answer, with the session token kept out of reprs and logs.

    ``session`` is the value the websocket wants as its ``api`` cookie: treat it as a secret.
    """

    session: str | None = attrs.field(repr=False)
    sso_expires_ms: int | None
    """Milliseconds until the SSO session expires, as the gateway counts them."""
    user_id: int | None
    auth_status: AuthStatus | None
    model: TickleResponse = attrs.field(repr=False, eq=False)

    @property
    def authenticated(self) -> bool | None:
        """Whether the brokerage session is open, when the answer says."""
        return None if self.auth_status is None else self.auth_status.authenticated

    @classmethod
    def from_model(cls, model: TickleResponse) -> TickleResult:
        iserver = model_or_none(model.iserver)
        status = model_or_none(iserver.auth_status) if iserver is not None else None
        session = str_or_none(model.session, "session")
        return cls(
            session=session,
            sso_expires_ms=int_or_none(model.sso_expires, "ssoExpires"),
            user_id=int_or_none(model.user_id, "userId"),
            auth_status=AuthStatus.from_model(status) if status is not None else None,
            # The kept answer must not carry the token either: its repr would show it.
            model=attrs.evolve(model, session=REDACTED) if session is not None else model,
        )


@attrs.frozen(kw_only=True)
class SsoSession:
    """The SSO session behind the gateway login (``/sso/validate``)."""

    valid: bool
    user_id: int | None
    user_name: str | None
    expires_in_ms: int | None
    """Milliseconds until the SSO session ends (the gateway's ``EXPIRES``)."""
    authenticated_at: datetime | None
    model: SsoValidationModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: SsoValidationModel) -> SsoSession:
        auth_time = int_or_none(model.auth_time, "AUTH_TIME")
        return cls(
            valid=bool_or_none(model.result, "RESULT") is True,
            user_id=int_or_none(model.user_id, "USER_ID"),
            user_name=str_or_none(model.user_name, "USER_NAME"),
            expires_in_ms=int_or_none(model.expires, "EXPIRES"),
            authenticated_at=parse_ibkr_time(auth_time, epoch_unit="ms") if auth_time else None,
            model=model,
        )


@attrs.frozen(kw_only=True)
class Reauthentication:
    """The answer to ``/iserver/reauthenticate``: the gateway started re-opening the session.

    ``triggered`` says it started, not that it finished: the session is open once
    ``ib.session.status(recover=False)`` says ``authenticated``.
    """

    message: str | None
    model: ReauthenticateResponse = attrs.field(repr=False, eq=False)

    @property
    def triggered(self) -> bool:
        return (self.message or "").strip().lower() == "triggered"

    @classmethod
    def from_model(cls, model: ReauthenticateResponse) -> Reauthentication:
        return cls(message=str_or_none(model.message, "message"), model=model)
