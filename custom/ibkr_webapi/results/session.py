"""Session results: the keepalive answer."""

from __future__ import annotations

import attrs

from ibkr_webapi_client.models import AuthStatus, TickleResponse
from ibkr_webapi_client.types import Unset

from ..seam import unset_to_none


@attrs.frozen
class TickleResult:
    """The keepalive answer, with the session token kept out of reprs and logs.

    ``session`` is the value the websocket wants as its ``api`` cookie: treat it as a secret.
    """

    session: str | None = attrs.field(repr=False)
    sso_expires_ms: int | None
    user_id: int | None
    auth_status: AuthStatus | None
    model: TickleResponse = attrs.field(repr=False)

    @property
    def authenticated(self) -> bool | None:
        """Whether the brokerage session is open, when the answer says."""
        if self.auth_status is None:
            return None
        value = unset_to_none(self.auth_status.authenticated)
        return value if isinstance(value, bool) else None

    @classmethod
    def from_model(cls, model: TickleResponse) -> TickleResult:
        session = unset_to_none(model.session)
        expires = unset_to_none(model.sso_expires)
        user = unset_to_none(model.user_id)
        iserver = model.iserver
        status = None if isinstance(iserver, Unset) else unset_to_none(iserver.auth_status)
        return cls(
            session=session if isinstance(session, str) else None,
            sso_expires_ms=expires if isinstance(expires, int) else None,
            user_id=user if isinstance(user, int) else None,
            auth_status=status if isinstance(status, AuthStatus) else None,
            model=model,
        )
