"""The server side of OAuth 2.0 ``private_key_jwt``: token endpoint, SSO sessions, bearer checks."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ._errors import GatewayError
from ._oauth_settings import OAuth2Client, OAuth2Settings
from ._session import USER_ID, Session

__all__ = ["JWT_BEARER", "OAuth2Client", "OAuth2Server", "OAuth2Settings"]

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/oauth2/api/v1/token"
SSO_SESSIONS_PATH = "/gw/api/v1/sso-sessions"


def _problem(status: int, detail: str | None = None, **extra: Any) -> GatewayError:
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}
    body: dict[str, Any] = {
        "type": "/simple",
        "title": titles.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return GatewayError(status, body, {"Content-Type": "application/problem+json"})


def _invalid_argument(name: str, description: str) -> GatewayError:
    return GatewayError(
        400,
        {
            "type": "/invalid-argument",
            "title": "Bad Request",
            "status": 400,
            "invalidArguments": [{"field": name, "description": description}],
        },
    )


@dataclass
class _Access:
    client_id: str
    scope: str
    expires_at: float


@dataclass
class _Bearer:
    client_id: str
    expires_at: float


class OAuth2Server:
    """Checks client assertions against registered keys and issues tokens that expire.

    Controls for tests: :meth:`expire_access_tokens`, :meth:`expire_bearers`. ``access_tokens``
    and ``sso_sessions`` count what was issued; ``refused`` counts refusals by endpoint.
    """

    def __init__(self, settings: OAuth2Settings, session: Session) -> None:
        self.settings = settings
        self._session = session
        self._keys: dict[tuple[str, str], rsa.RSAPublicKey] = {}
        self._clients: dict[str, OAuth2Client] = {}
        for client in settings.clients:
            key = serialization.load_pem_public_key(client.public_key.encode())
            if not isinstance(key, rsa.RSAPublicKey):
                raise ValueError(f"client {client.client_id}: the public key is not RSA")
            self._keys[(client.client_id, client.key_id)] = key
            self._clients[client.client_id] = client
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._sso_secret = secrets.token_bytes(32)
        self._access: dict[str, _Access] = {}
        self._bearers: dict[str, _Bearer] = {}
        self.access_tokens = 0
        self.sso_sessions = 0
        self.refused: dict[str, int] = {}

    # -- controls -------------------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        for access in self._access.values():
            access.expires_at = float("-inf")

    def expire_bearers(self) -> None:
        for bearer in self._bearers.values():
            bearer.expires_at = float("-inf")

    # -- the client's JWTs ----------------------------------------------------------------------

    def _verify(
        self, token: str, now: float, *, audience: str | None
    ) -> tuple[str, dict[str, Any]]:
        """``(client_id, claims)`` of a JWT signed by a registered client (raises ValueError)."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise ValueError(f"not a JWT ({type(exc).__name__})") from None
        client_id = unverified.get("iss")
        kid = header.get("kid")
        if header.get("alg") != "RS256":
            raise ValueError("alg must be RS256")
        key = self._keys.get((str(client_id), str(kid)))
        if key is None:
            raise ValueError(f"no key {kid!r} registered for client {client_id!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=audience,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": audience is not None,
                },
            )
        except jwt.PyJWTError as exc:
            raise ValueError(f"signature or claims refused ({type(exc).__name__})") from None
        skew = self.settings.clock_skew
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or exp + skew < now:
            raise ValueError("expired (exp)")
        if isinstance(iat, int | float) and iat - skew > now:
            raise ValueError("issued in the future (iat)")
        return str(client_id), claims

    def _refuse(self, where: str, error: GatewayError) -> GatewayError:
        self.refused[where] = self.refused.get(where, 0) + 1
        return error

    # -- endpoints ------------------------------------------------------------------------------

    def token(self, body: bytes, content_type: str, now: float) -> dict[str, Any]:
        """Answer ``POST /oauth2/api/v1/token`` (raises GatewayError on refusal)."""
        form = dict(parse_qsl(body.decode("utf-8", errors="replace")))
        if (
            "application/x-www-form-urlencoded" not in content_type
            or form.get("grant_type") != "client_credentials"
            or form.get("client_assertion_type") != JWT_BEARER
            or not form.get("client_assertion")
            or not form.get("scope")
        ):
            raise self._refuse("token", _problem(400))
        try:
            client_id, claims = self._verify(
                form["client_assertion"], now, audience=self.settings.audience
            )
            if claims.get("sub") != client_id:
                raise ValueError("sub must equal iss (the client id)")
            if "client_id" in form and form["client_id"] != client_id:
                raise ValueError("client_id differs from the assertion's iss")
            exp, iat = claims["exp"], claims.get("iat", now)  # _verify checked exp is a number
            if not isinstance(iat, int | float):
                raise ValueError("iat must be a number")
            if float(exp) - float(iat) > self.settings.max_assertion_lifetime:
                raise ValueError("the assertion lives too long")
        except ValueError as exc:
            raise self._refuse(
                "token",
                _problem(
                    self.settings.assertion_error_status, f"The client assertion is invalid: {exc}"
                ),
            ) from None
        client = self._clients[client_id]
        scopes = set(form["scope"].split())
        granted = " ".join(sorted(scopes & set(client.scope.split()))) or ""
        lifetime = self.settings.access_token_lifetime
        token = jwt.encode(
            {
                "iss": "/token",
                "sub": client_id,
                "iat": int(now),
                "exp": int(now + lifetime),
                "scope": granted,
                "csid": secrets.token_hex(8),
                "jti": secrets.token_hex(8),
            },
            self._signing_key,
            algorithm="RS256",
            headers={"kid": "sim"},
        )
        self._access[token] = _Access(client_id, granted, now + lifetime)
        self.access_tokens += 1
        return {
            "access_token": token,
            "token_type": "Bearer",
            "scope": granted,
            "expires_in": int(lifetime),
        }

    def sso_session(
        self, headers: Mapping[str, str], body: bytes, caller: str, now: float
    ) -> dict[str, Any]:
        """Answer ``POST /gw/api/v1/sso-sessions`` (raises GatewayError on refusal)."""
        header = headers.get("authorization", "")
        access = self._access.get(header[7:].strip()) if header[:7].lower() == "bearer " else None
        if access is None or access.expires_at <= now:
            raise self._refuse("sso", _problem(401, "The access token request is invalid"))
        if "sso-sessions.write" not in access.scope.split():
            raise self._refuse(
                "sso", _problem(403, "The access token fails to have sufficient scope")
            )
        try:
            client_id, claims = self._verify(
                body.decode("ascii", errors="replace"), now, audience=None
            )
        except ValueError as exc:
            raise self._refuse(
                "sso", _invalid_argument("body", f"Invalid signed JWT: {exc}")
            ) from None
        if client_id != access.client_id:
            raise self._refuse("sso", _invalid_argument("iss", "Not the access token's client"))
        for name in ("credential", "ip"):
            if not claims.get(name):
                raise self._refuse("sso", _invalid_argument(name, "Missing required parameter"))
        if claims["credential"] != self._clients[client_id].credential:
            raise self._refuse("sso", _invalid_argument("credential", "Unknown credential"))
        try:
            ipaddress.ip_address(str(claims["ip"]))
        except ValueError:
            raise self._refuse("sso", _invalid_argument("ip", "Not an IP address")) from None
        if self.settings.ip_must_match_caller and claims["ip"] != caller:
            raise self._refuse("sso", _invalid_argument("ip", "Does not match the caller"))
        expires_at = now + self.settings.sso_bearer_lifetime
        requested = claims.get("exp")
        if isinstance(requested, int | float):
            expires_at = min(expires_at, float(requested))
        bearer = jwt.encode(
            {
                "sub": "WEB_API",
                "aud": str(USER_ID),
                "iss": "com.ib.sso",
                "iat": int(now * 1000),
                "jti": secrets.token_hex(12),
                "ctp": "oauth2",
            },
            self._sso_secret,
            algorithm="HS256",
        )
        self._bearers[bearer] = _Bearer(client_id, expires_at)
        self.sso_sessions += 1
        self._session.login(now, open_brokerage=not self.settings.new_session_closes_brokerage)
        return {"active": True, "access_token": bearer, "token_type": "Bearer"}

    def check(self, headers: Mapping[str, str], now: float) -> None:
        """A ``/v1/api`` request must carry a live SSO bearer (raises GatewayError)."""
        header = headers.get("authorization", "")
        bearer = self._bearers.get(header[7:].strip()) if header[:7].lower() == "bearer " else None
        if bearer is None or bearer.expires_at <= now:
            raise self._refuse(
                "api", GatewayError(401, {"error": "not authenticated", "statusCode": 401})
            )

    def accepts_websocket(
        self, query: Mapping[str, str], now: float, param: str = "bearer_token"
    ) -> bool:
        """Whether a websocket upgrade's ``bearer_token`` (or ``param``) is a live SSO bearer."""
        bearer = self._bearers.get(query.get(param, ""))
        return bearer is not None and bearer.expires_at > now
