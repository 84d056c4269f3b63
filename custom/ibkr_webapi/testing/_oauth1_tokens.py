"""OAuth 1.0a token exchange for third-party consumers: request token, the user's approval, access token.

First-party consumers get their access token from IBKR's self-service portal and never call these
routes; a third party's app obtains one per user here (RFC 5849's three steps, signed RSA-SHA256
as IBKR's other OAuth requests):

1. ``POST /oauth/request_token`` (``oauth_callback``, no ``oauth_token``) -> ``{"oauth_token": ...}``;
2. the user approves it in IBKR's web page, which hands the app a verifier
   (here: :meth:`TokenDesk.authorize`, what the browser step would do);
3. ``POST /oauth/access_token`` (``oauth_token`` = the request token, ``oauth_verifier``) ->
   ``{"is_true": true, "oauth_token": <access token>, "oauth_token_secret": <secret, encrypted>}``.

The simulator knows one access token per consumer (its registration): step 3 hands out that token
with its secret encrypted PKCS#1 v1.5 for the consumer's encryption key, so the live session token
exchange that follows works with it. These routes exist only on ``api.ibkr.com`` (OAuth mode): a
Client Portal gateway does not serve them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ._errors import GatewayError
from ._oauth1 import base_string, parse_oauth_header
from ._oauth_settings import OAuth1Consumer, OAuth1Settings

__all__ = ["REQUEST_TOKEN_LIFETIME", "TokenDesk"]

REQUEST_TOKEN_LIFETIME = 300.0  # seconds to approve and exchange a request token (unverified)
_SIGNED = (
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
)


@dataclass
class _RequestToken:
    consumer_key: str
    issued_at: float
    verifier: str | None = None
    used: bool = False


def _public_key(pem: str, what: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{what} is not an RSA key")
    return key


class TokenDesk:
    """Issues request tokens and exchanges approved ones for the consumer's access token."""

    def __init__(self, settings: OAuth1Settings) -> None:
        self._settings = settings
        self._consumers: dict[str, OAuth1Consumer] = {c.consumer_key: c for c in settings.consumers}
        self._requests: dict[str, _RequestToken] = {}
        self._nonces: set[tuple[str, str]] = set()
        self.issued_request_tokens = 0
        self.issued_access_tokens = 0

    def _refuse(self, reason: str, status: int = 401) -> GatewayError:
        return GatewayError(status, {"error": reason, "statusCode": status})

    def _checked(
        self, method: str, url: str, headers: Mapping[str, str], now: float, extra: tuple[str, ...]
    ) -> tuple[OAuth1Consumer, dict[str, str]]:
        header = headers.get("authorization")
        params = parse_oauth_header(header) if header else None
        if params is None:
            raise self._refuse("missing or malformed OAuth Authorization header")
        missing = [name for name in (*_SIGNED, *extra) if not params.get(name)]
        if missing:
            raise self._refuse(f"missing OAuth parameter(s): {', '.join(missing)}")
        consumer = self._consumers.get(params["oauth_consumer_key"])
        if consumer is None:
            raise self._refuse("invalid consumer")
        if params["oauth_signature_method"] != "RSA-SHA256":
            raise self._refuse("invalid signature method: RSA-SHA256 expected")
        try:
            stamp = int(params["oauth_timestamp"])
        except ValueError:
            raise self._refuse("invalid timestamp") from None
        if abs(now - stamp) > self._settings.timestamp_window:
            raise self._refuse("invalid timestamp: outside the allowed window")
        nonce = (consumer.consumer_key, params["oauth_nonce"])
        if self._settings.check_nonces and nonce in self._nonces:
            raise self._refuse("nonce already used")
        self._nonces.add(nonce)
        signed = {k: v for k, v in params.items() if k not in ("realm", "oauth_signature")}
        message = base_string(method, url, signed).encode()
        key = _public_key(consumer.signature_public_key, "the signature key")
        try:
            raw = base64.b64decode(unquote(params["oauth_signature"]), validate=True)
            key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            raise self._refuse("invalid signature") from None
        return consumer, params

    def request_token(
        self, method: str, url: str, headers: Mapping[str, str], now: float
    ) -> dict[str, Any]:
        """Answer ``POST /oauth/request_token``."""
        consumer, _ = self._checked(method, url, headers, now, ("oauth_callback",))
        token = secrets.token_hex(10)
        self._requests[token] = _RequestToken(consumer.consumer_key, now)
        self.issued_request_tokens += 1
        return {"oauth_token": token}

    def authorize(self, request_token: str) -> str:
        """The user's approval in IBKR's web page: returns the verifier the app receives."""
        found = self._requests.get(request_token)
        if found is None:
            raise KeyError(f"unknown request token {request_token!r}")
        found.verifier = secrets.token_hex(8)
        return found.verifier

    def access_token(
        self, method: str, url: str, headers: Mapping[str, str], now: float
    ) -> dict[str, Any]:
        """Answer ``POST /oauth/access_token``."""
        consumer, params = self._checked(
            method, url, headers, now, ("oauth_token", "oauth_verifier")
        )
        pending = self._requests.get(params["oauth_token"])
        if pending is None or pending.consumer_key != consumer.consumer_key or pending.used:
            raise self._refuse("invalid request token")
        if now - pending.issued_at > REQUEST_TOKEN_LIFETIME:
            raise self._refuse("request token expired; ask for a new one")
        if pending.verifier is None or not secrets.compare_digest(
            pending.verifier, params["oauth_verifier"]
        ):
            raise self._refuse("invalid verifier: the user has not approved this request token")
        if consumer.encryption_public_key is None:
            raise self._refuse("no encryption key is registered for this consumer", 400)
        pending.used = True
        key = _public_key(consumer.encryption_public_key, "the encryption key")
        secret = base64.b64encode(key.encrypt(consumer.secret, padding.PKCS1v15())).decode()
        self.issued_access_tokens += 1
        return {"is_true": True, "oauth_token": consumer.access_token, "oauth_token_secret": secret}
