"""OAuth 1.0a, first party: the live session token exchange and HMAC-SHA256 request signing.

Usually made for you by ``IBKRClient.oauth1(...)``; usable on its own with any
``httpx.AsyncClient`` (pass ``base_url`` and, for the login requests, ``http=``).
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping

import attrs
import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ..errors import CredentialsError, OAuthError, UnexpectedResponseError
from ..redact import redact_text
from ._renewing import RenewingAuth, Sender
from .credentials import OAuth1Credentials
from .oauth1_signing import (
    HMAC_SHA256,
    RSA_SHA256,
    authorization_header,
    dh_challenge,
    hmac_sha256_signature,
    live_session_token,
    live_session_token_signature,
    signature_base_string,
)

__all__ = ["LiveSessionToken", "OAuth1Auth"]

logger = logging.getLogger("ibkr_webapi")

_CHALLENGE_EXTENSION = "ibkr_oauth1_dh_challenge"
_DEFAULT_LIFETIME = 86_400.0


def _redacted(_: object) -> str:
    return "'[redacted]'"


@attrs.frozen
class LiveSessionToken:
    """The raw live session token and when it expires (epoch seconds). Never shown in reprs."""

    token: bytes = attrs.field(repr=_redacted)
    expires_at: float

    @property
    def value(self) -> str:
        """The token as IBKR's tools show it: base64 (28 characters). A secret."""
        return base64.b64encode(self.token).decode("ascii")


def _default_nonce() -> str:
    return secrets.token_hex(16)


def _said(body: object) -> str:
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    if isinstance(body, str):
        return redact_text(body.strip())[:300]  # redacted before it is cut
    return ""


def _advice(status: int, text: str) -> str:
    lowered = text.lower()
    if "invalid consumer" in lowered:
        return (
            "IBKR does not know this consumer key or has not activated it yet (new consumer keys "
            "are usually enabled after IBKR's weekend restart); check IBKR_OAUTH1_CONSUMER_KEY"
        )
    if "access secret" in lowered or "access token" in lowered or "invalid token" in lowered:
        return (
            "IBKR does not accept this access token (regenerated or revoked?); generate a new "
            "access token and secret in the self-service portal and update the credentials"
        )
    if "timestamp" in lowered:
        return (
            "this machine's clock is off: IBKR accepts timestamps within a few minutes of its own"
        )
    if "nonce" in lowered:
        return "the nonce was used before; this is a client bug if it repeats"
    if "signature" in lowered:
        return (
            "IBKR could not verify the signature: the signature key must be the one whose public "
            "half you uploaded, and the encryption key the one the access token secret was "
            "encrypted for (a wrong encryption key decrypts the secret to the wrong bytes)"
        )
    if status == 410:
        return "IBKR ended this session: try again later, or another host such as 1.api.ibkr.com"
    if status == 429:
        return "rate limited: wait before logging in again"
    if status >= 500:
        return "IBKR's side failed; try again later"
    return "check the consumer key, access token and keys"


def _json(content: bytes) -> object:
    try:
        return json.loads(content) if content.strip() else None
    except ValueError:
        return content.decode("utf-8", errors="replace")


class OAuth1Auth(RenewingAuth[LiveSessionToken]):
    """Signs every request with IBKR's OAuth 1.0a (first party), renewing the live session token.

    On first use it decrypts nothing more (the credentials are already checked), runs the
    Diffie-Hellman exchange with ``POST /oauth/live_session_token`` (RSA-SHA256), derives and
    validates the live session token, then signs every request HMAC-SHA256. The token is renewed
    ``renew_margin`` seconds before it expires and after a 401; each login is followed by
    ``ssodh/init`` unless ``open_brokerage_session=False``.

    ``clock`` (epoch seconds) and ``nonce`` are for tests.
    """

    def __init__(
        self,
        credentials: OAuth1Credentials,
        *,
        base_url: str | None = None,
        renew_margin: float = 600.0,
        open_brokerage_session: bool = True,
        compete: bool = True,
        websocket_param: str = "oauth_token",
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = _default_nonce,
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
        if not isinstance(credentials, OAuth1Credentials):
            raise CredentialsError(
                "credentials must be OAuth1Credentials (see OAuth1Credentials.from_env)"
            )
        self.credentials = credentials
        self.websocket_param = websocket_param
        self._nonce = nonce

    def __repr__(self) -> str:
        state = self._state
        expires = f"{state.expires_at:.0f}" if state is not None else None
        return (
            f"{type(self).__name__}(consumer_key={self.credentials.consumer_key!r}, "
            f"base_url={self.base_url!r}, token='[redacted]', expires_at={expires})"
        )

    # -- signing --------------------------------------------------------------------------------

    def _params(self, method: str, **extra: str) -> dict[str, str]:
        return {
            **extra,
            "oauth_consumer_key": self.credentials.consumer_key,
            "oauth_nonce": self._nonce(),
            "oauth_signature_method": method,
            "oauth_timestamp": str(int(self._clock())),
            "oauth_token": self.credentials.access_token,
        }

    def _apply(self, request: httpx.Request, state: LiveSessionToken) -> None:
        params = self._params(HMAC_SHA256)
        base = signature_base_string(request.method, request.url, params)
        signature = hmac_sha256_signature(state.token, base)
        request.headers["Authorization"] = authorization_header(
            params, signature, realm=self.credentials.realm
        )

    def _apply_exchange(self, request: httpx.Request) -> None:
        challenge = request.extensions.get(_CHALLENGE_EXTENSION)
        if not isinstance(challenge, str):
            return
        creds = self.credentials
        params = self._params(RSA_SHA256, diffie_hellman_challenge=challenge)
        base = signature_base_string(request.method, request.url, params, prepend=creds.prepend)
        raw = creds.signature_key.sign(base.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        signature = base64.b64encode(raw).decode("ascii")
        request.headers["Authorization"] = authorization_header(
            params, signature, realm=creds.realm
        )

    # -- the live session token -----------------------------------------------------------------

    async def _login(self, send: Sender, stale: LiveSessionToken | None) -> LiveSessionToken:
        creds = self.credentials
        a = secrets.randbits(256) | 2  # never 0 or 1
        request = httpx.Request("POST", f"{self.base_url}/oauth/live_session_token")
        request.extensions[_CHALLENGE_EXTENSION] = dh_challenge(
            a, creds.dh_prime, creds.dh_generator
        )
        self._apply_exchange(request)
        logger.info(
            "OAuth 1.0a: requesting a live session token for consumer %s", creds.consumer_key
        )
        response, content = await self._exchange(request)
        body = _json(content)
        if response.status_code != 200:
            said = redact_text(_said(body))
            raise OAuthError(
                f"POST /oauth/live_session_token -> HTTP {response.status_code}"
                f"{': ' + said if said else ''}. {_advice(response.status_code, said)}",
                response=response,
                body=body,
            )
        if not isinstance(body, dict):
            raise UnexpectedResponseError(
                "the live session token answer is not a JSON object; is base_url IBKR's "
                "https://api.ibkr.com/v1/api?"
            )
        dh_response = body.get("diffie_hellman_response")
        proof = body.get("live_session_token_signature")
        if not isinstance(dh_response, str) or not isinstance(proof, str):
            raise UnexpectedResponseError(
                "the live session token answer lacks diffie_hellman_response or "
                "live_session_token_signature"
            )
        try:
            token = live_session_token(dh_response, a, creds.dh_prime, creds.secret)
        except ValueError:
            raise UnexpectedResponseError(
                "the live session token answer's diffie_hellman_response is not hex"
            ) from None
        expected = live_session_token_signature(token, creds.consumer_key)
        if not hmac.compare_digest(expected, proof.strip().lower()):
            raise OAuthError(
                "the live session token did not validate (IBKR's live_session_token_signature "
                "differs from ours): the Diffie-Hellman prime is not the one uploaded to IBKR, or "
                "the access token secret decrypted to other bytes than IBKR holds (wrong private "
                "encryption key)",
                response=response,
            )
        expiration = body.get("live_session_token_expiration")
        if isinstance(expiration, int | float) and not isinstance(expiration, bool):
            expires_at = float(expiration) / 1000.0
        else:
            expires_at = self._clock() + _DEFAULT_LIFETIME
        logger.info("OAuth 1.0a: live session token valid until %s", time.ctime(expires_at))
        return LiveSessionToken(token, expires_at)

    def _expires_at(self, state: LiveSessionToken) -> float | None:
        return state.expires_at

    def _refused_advice(self) -> str:
        return (
            "the live session token was renewed and IBKR still refused the request: check this "
            "machine's clock, and that the consumer key, access token and keys belong together"
        )

    # -- websocket ------------------------------------------------------------------------------

    async def websocket_params(self) -> Mapping[str, str]:
        """``{"oauth_token": <access token>}`` for the websocket URL (logging in first if needed).

        The websocket also wants the ``api`` cookie (the ``session`` of ``POST /tickle``).
        """
        await self.login()
        return {self.websocket_param: self.credentials.access_token}
