"""OAuth 2.0 with ``private_key_jwt``: access token, SSO session, bearer on every request.

IBKR has not published this flow; it follows IBKR's staff sample and two third-party clients that
work against it. Everything not proven by a source is a constructor argument, with the sources'
choice as default: the token and SSO-session URLs, the assertion's audience and lifetimes, the
``ip`` claim (never looked up over the network by this client), whether ``client_id`` is sent in
the token form, the SSO bearer's lifetime and the websocket query parameter's name.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs
import httpx
import jwt

from ..errors import CredentialsError, IBKRError, OAuthError, UnexpectedResponseError
from ..redact import redact_text
from ._renewing import RenewingAuth, Sender
from .credentials import OAuth2Credentials

__all__ = ["JWT_BEARER", "OAuth2Auth", "OAuth2Session", "client_assertion", "signed_jwt"]

logger = logging.getLogger("ibkr_webapi")

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/oauth2/api/v1/token"
SSO_SESSIONS_PATH = "/gw/api/v1/sso-sessions"
IpSource = str | Callable[[], str] | Callable[[], Awaitable[str]]


def _redacted(_: object) -> str:
    return "'[redacted]'"


@attrs.frozen
class OAuth2Session:
    """The access token and the SSO bearer, with their expiry (epoch seconds). Never in reprs."""

    access_token: str = attrs.field(repr=_redacted)
    access_expires_at: float
    bearer: str = attrs.field(repr=_redacted)
    bearer_expires_at: float | None


def signed_jwt(credentials: OAuth2Credentials, claims: Mapping[str, object]) -> str:
    """A compact RS256 JWT with header ``{"alg":"RS256","typ":"JWT","kid":<key id>}``."""
    return jwt.encode(
        dict(claims),
        credentials.private_key,
        algorithm="RS256",
        headers={"kid": credentials.key_id, "typ": "JWT"},
    )


def client_assertion(
    credentials: OAuth2Credentials,
    now: float,
    *,
    audience: str = "/token",
    lifetime: float = 60.0,
    backdate: float = 10.0,
) -> str:
    """The client assertion: ``iss = sub = client id``, ``aud``, ``iat = now - backdate``, ``exp``."""
    return signed_jwt(
        credentials,
        {
            "iss": credentials.client_id,
            "sub": credentials.client_id,
            "aud": audience,
            "iat": int(now - backdate),
            "exp": int(now + lifetime),
        },
    )


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


def _json(content: bytes) -> object:
    try:
        return json.loads(content) if content.strip() else None
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _problem(body: object) -> str:
    """The useful words of an RFC 9457 problem (or any JSON error)."""
    if not isinstance(body, dict):
        return redact_text(str(body or "")[:300])
    parts = [
        str(body[key]) for key in ("title", "detail", "error", "error_description") if body.get(key)
    ]
    invalid = body.get("invalidArguments")
    if isinstance(invalid, list):
        for item in invalid:
            if isinstance(item, dict):
                parts.append(f"{item.get('field')}: {item.get('description')}")
    return redact_text("; ".join(parts))


def _bearer_expiry(bearer: str, requested: float) -> float:
    """The SSO bearer's ``exp`` when it is a JWT that states one, else what was asked for."""
    try:
        claims = jwt.decode(bearer, options={"verify_signature": False})
    except jwt.PyJWTError:
        return requested
    exp = claims.get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        return float(exp) / 1000.0 if exp > 1e11 else float(exp)
    return requested


class _AccessTokenRefusedError(IBKRError):
    """The SSO-session request said 401: the access token is no longer accepted."""


class OAuth2Auth(RenewingAuth[OAuth2Session]):
    """Authenticates with OAuth 2.0 ``private_key_jwt`` and sends ``Authorization: Bearer``.

    Login: a client assertion (RS256 JWT) buys an access token at ``token_url``; the access token
    and a second signed JWT (``ip``, ``credential``) buy the SSO bearer at ``sso_sessions_url``;
    then ``ssodh/init``. The bearer is renewed ``renew_margin`` seconds before it expires and after
    a 401 (a new access token is fetched only when the old one is about to expire or is refused).

    ``ip``: the caller's public IP for the SSO request, a string or a (sync or async) callable;
    default ``credentials.ip``. Unverified defaults (see the module docs): ``token_url`` and
    ``sso_sessions_url`` default to the API host's ``/oauth2/api/v1/token`` and
    ``/gw/api/v1/sso-sessions``.
    """

    def __init__(
        self,
        credentials: OAuth2Credentials,
        *,
        base_url: str | None = None,
        ip: IpSource | None = None,
        token_url: str | None = None,
        sso_sessions_url: str | None = None,
        scope: str = "sso-sessions.write",
        assertion_audience: str = "/token",
        assertion_lifetime: float = 60.0,
        assertion_backdate: float = 10.0,
        send_client_id: bool = False,
        sso_session_lifetime: float = 86_400.0,
        sso_service: str | None = None,
        alternative_ips: Sequence[str] = (),
        websocket_param: str = "bearer_token",
        renew_margin: float = 300.0,
        open_brokerage_session: bool = True,
        compete: bool = True,
        clock: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            base_url=base_url,
            renew_margin=renew_margin,
            clock=clock,
            http=http,
            timeout=timeout,
            open_brokerage_session=open_brokerage_session,
            compete=compete,
        )
        if not isinstance(credentials, OAuth2Credentials):
            raise CredentialsError(
                "credentials must be OAuth2Credentials (see OAuth2Credentials.from_env)"
            )
        source = ip if ip is not None else credentials.ip
        if source is None or (isinstance(source, str) and not source.strip()):
            raise CredentialsError(
                "OAuth 2.0 needs the caller's public IP for the SSO session (the 'ip' claim): pass "
                "ip='203.0.113.7', or a callable that returns it, or set IBKR_OAUTH2_IP; this "
                "client never looks it up over the network by itself"
            )
        self.credentials = credentials
        self._ip = source
        self._token_url = token_url
        self._sso_url = sso_sessions_url
        self.scope = scope
        self.assertion_audience = assertion_audience
        self.assertion_lifetime = assertion_lifetime
        self.assertion_backdate = assertion_backdate
        self.send_client_id = send_client_id
        self.sso_session_lifetime = sso_session_lifetime
        self.sso_service = sso_service
        self.alternative_ips = tuple(alternative_ips)
        self.websocket_param = websocket_param
        self.access_tokens = 0
        """How many access tokens were fetched."""

    def __repr__(self) -> str:
        state = self._state
        expires = state.bearer_expires_at if state is not None else None
        return (
            f"{type(self).__name__}(client_id={self.credentials.client_id!r}, "
            f"base_url={self.base_url!r}, bearer='[redacted]', expires_at={expires})"
        )

    @property
    def token_url(self) -> str:
        return self._token_url or _origin(self.base_url) + TOKEN_PATH

    @property
    def sso_sessions_url(self) -> str:
        return self._sso_url or _origin(self.base_url) + SSO_SESSIONS_PATH

    # -- requests -------------------------------------------------------------------------------

    def _apply(self, request: httpx.Request, state: OAuth2Session) -> None:
        request.headers["Authorization"] = f"Bearer {state.bearer}"

    async def _caller_ip(self) -> str:
        source = self._ip
        if isinstance(source, str):
            return source.strip()
        value: Any = source()
        if inspect.isawaitable(value):
            value = await value
        if not isinstance(value, str) or not value.strip():
            raise CredentialsError("the ip callable must return the caller's public IP as text")
        return value.strip()

    async def _access_token(self) -> tuple[str, float]:
        now = self._clock()
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": client_assertion(
                self.credentials,
                now,
                audience=self.assertion_audience,
                lifetime=self.assertion_lifetime,
                backdate=self.assertion_backdate,
            ),
            "scope": self.scope,
        }
        if self.send_client_id:
            form["client_id"] = self.credentials.client_id
        logger.info(
            "OAuth 2.0: requesting an access token for client %s", self.credentials.client_id
        )
        response, content = await self._exchange(httpx.Request("POST", self.token_url, data=form))
        body = _json(content)
        if response.status_code != 200:
            said = _problem(body)
            raise OAuthError(
                f"POST {self.token_url} -> HTTP {response.status_code}{': ' + said if said else ''}. "
                "The client assertion was refused: check the client id, the key id (kid), that "
                "the private key matches the public key registered with IBKR, and this machine's "
                "clock",
                response=response,
                body=body,
            )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedResponseError("the token answer has no access_token")
        expires_in = body.get("expires_in") if isinstance(body, dict) else None
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 86_399.0
        self.access_tokens += 1
        return token, now + lifetime

    async def _sso_session(self, access_token: str) -> tuple[str, float]:
        now = self._clock()
        requested = now + self.sso_session_lifetime
        claims: dict[str, object] = {
            "ip": await self._caller_ip(),
            "credential": self.credentials.credential,
            "iss": self.credentials.client_id,
            "iat": int(now),
            "exp": int(requested),
        }
        if self.sso_service:
            claims["service"] = self.sso_service
        if self.alternative_ips:
            claims["alternativeIps"] = list(self.alternative_ips)
        request = httpx.Request(
            "POST",
            self.sso_sessions_url,
            content=signed_jwt(self.credentials, claims).encode("ascii"),
            headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/jwt"},
        )
        response, content = await self._exchange(request)
        body = _json(content)
        if response.status_code == 401:
            raise _AccessTokenRefusedError("the access token was refused")
        if response.status_code != 200:
            said = _problem(body)
            advice = (
                "the access token lacks the sso-sessions.write scope"
                if response.status_code == 403
                else "check the credential (IBKR username) and the ip claim"
            )
            raise OAuthError(
                f"POST {self.sso_sessions_url} -> HTTP {response.status_code}"
                f"{': ' + said if said else ''}. {advice}",
                response=response,
                body=body,
            )
        bearer = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(bearer, str) or not bearer:
            raise UnexpectedResponseError("the SSO session answer has no access_token")
        return bearer, _bearer_expiry(bearer, requested)

    async def _login(self, send: Sender, stale: OAuth2Session | None) -> OAuth2Session:
        now = self._clock()
        if stale is not None and now + self.renew_margin < stale.access_expires_at:
            access, access_expires = stale.access_token, stale.access_expires_at
        else:
            access, access_expires = await self._access_token()
        try:
            bearer, bearer_expires = await self._sso_session(access)
        except _AccessTokenRefusedError:
            logger.info("OAuth 2.0: the access token was refused; fetching a new one")
            access, access_expires = await self._access_token()
            try:
                bearer, bearer_expires = await self._sso_session(access)
            except _AccessTokenRefusedError:
                raise OAuthError(
                    f"POST {self.sso_sessions_url} -> HTTP 401 with a new access token: check "
                    "that this client may open SSO sessions for the credential (IBKR username)",
                    status_code=401,
                ) from None
        logger.info("OAuth 2.0: SSO session opened")
        return OAuth2Session(access, access_expires, bearer, bearer_expires)

    def _expires_at(self, state: OAuth2Session) -> float | None:
        return state.bearer_expires_at

    def _refused_advice(self) -> str:
        return (
            "the SSO session was renewed and IBKR still refused the bearer token: check the "
            "credential (IBKR username), the ip claim and this machine's clock"
        )

    async def websocket_params(self) -> Mapping[str, str]:
        """``{"bearer_token": <SSO bearer>}`` for the websocket URL (logging in first if needed).

        The parameter's name is ``websocket_param`` (IBKR's changelog also mentions
        ``sessionToken``; unverified which one the server wants today).
        """
        await self.login()
        state = self._state
        assert state is not None
        return {self.websocket_param: state.bearer}
