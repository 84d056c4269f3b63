"""The server side of IBKR's OAuth 1.0a: the live session token exchange and signature checks.

Written independently of the client's signing code (``ibkr_webapi.auth``), so that a mistake in
one is not mirrored in the other; both are pinned to IBKR's worked example by the tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ._errors import GatewayError
from ._oauth_settings import OAuth1Consumer, OAuth1Settings
from ._session import Session

__all__ = ["OAuth1Consumer", "OAuth1Server", "OAuth1Settings", "parse_oauth_header"]

_SIGNED_ALWAYS = (
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_token",
)
_PAIR = re.compile(r'([A-Za-z0-9_\-]+)\s*=\s*(?:"([^"]*)"|([^,\s"]*))')


def parse_oauth_header(value: str) -> dict[str, str] | None:
    """The ``k="v"`` pairs of an ``OAuth ...`` header, leniently (quotes optional, any order)."""
    if value[:5].lower() != "oauth" or (len(value) > 5 and not value[5].isspace()):
        return None
    return {
        match[1]: match[2] if match[2] is not None else match[3]
        for match in _PAIR.finditer(value[5:])
    }


def _pct(text: str) -> str:
    return quote(text, safe="")


def base_string(method: str, url: str, params: Mapping[str, str]) -> str:
    """IBKR's base string (without the prepend): raw sorted pairs, percent-encoded once."""
    listed = "&".join(f"{name}={params[name]}" for name in sorted(params))
    return "&".join((method.upper(), _pct(url), _pct(listed)))


def java_bytes(k: int) -> bytes:
    """``BigInteger.toByteArray()`` of a non-negative number (sign byte when the top bit is set)."""
    size = 1 + k.bit_length() // 8
    return k.to_bytes(size, "big")


def derive_live_session_token(a_public: int, b: int, prime: int, secret: bytes) -> bytes:
    """The server's half of the exchange: ``HMAC-SHA1(bytes(A^b mod p), secret)``."""
    shared = pow(a_public, b, prime)
    return hmac.new(java_bytes(shared), secret, hashlib.sha1).digest()


@dataclass
class _Live:
    token: bytes
    expires_at: float


@dataclass
class _ConsumerState:
    consumer: OAuth1Consumer
    public_key: rsa.RSAPublicKey
    active: bool = True
    revoked: bool = False
    tokens: list[_Live] = field(default_factory=list)


class OAuth1Server:
    """Issues live session tokens and checks every signature, as ``api.ibkr.com`` does.

    Controls for tests: :meth:`expire_live_session_tokens`, :meth:`revoke_access_token`,
    :meth:`set_active`. ``issued`` counts live session tokens handed out; ``refused`` counts
    refusals by reason.
    """

    def __init__(self, settings: OAuth1Settings, session: Session) -> None:
        self.settings = settings
        self._session = session
        self._consumers: dict[str, _ConsumerState] = {}
        for consumer in settings.consumers:
            key = serialization.load_pem_public_key(consumer.signature_public_key.encode())
            if not isinstance(key, rsa.RSAPublicKey):
                raise ValueError(f"consumer {consumer.consumer_key}: the signature key is not RSA")
            self._consumers[consumer.consumer_key] = _ConsumerState(consumer, key)
        self._nonces: dict[tuple[str, str], float] = {}
        self._error_id = 39_687
        self.issued = 0
        self.refused: dict[str, int] = {}

    # -- controls -------------------------------------------------------------------------------

    def expire_live_session_tokens(self) -> None:
        """Every live session token stops working now (as after its 24 hours)."""
        for state in self._consumers.values():
            for live in state.tokens:
                live.expires_at = float("-inf")

    def revoke_access_token(self, access_token: str) -> None:
        """As if the access token was regenerated in the portal: the old one stops working."""
        for state in self._consumers.values():
            if state.consumer.access_token == access_token:
                state.revoked = True
                state.tokens.clear()

    def set_active(self, consumer_key: str, active: bool = True) -> None:
        """Activate or deactivate a consumer key (inactive: "invalid consumer")."""
        self._consumers[consumer_key].active = active

    def live_session_token(self, access_token: str) -> bytes | None:
        """The newest unexpired live session token of an access token, for tests."""
        for state in self._consumers.values():
            if state.consumer.access_token == access_token and state.tokens:
                return state.tokens[-1].token
        return None

    # -- checks ---------------------------------------------------------------------------------

    def _refuse(self, reason: str, status: int = 401) -> GatewayError:
        self._error_id += 1
        key = reason.split(" for ", 1)[0]
        self.refused[key] = self.refused.get(key, 0) + 1
        return GatewayError(
            status, {"error": f"id: {self._error_id}, error: {reason}", "statusCode": status}
        )

    def _params(self, headers: Mapping[str, str], lst_request: bool) -> dict[str, str]:
        header = headers.get("authorization")
        if header is None:
            raise self._refuse("missing Authorization header")
        params = parse_oauth_header(header)
        if params is None:
            raise self._refuse("the Authorization header is not an OAuth header")
        required = (*_SIGNED_ALWAYS, "diffie_hellman_challenge") if lst_request else _SIGNED_ALWAYS
        missing = [name for name in required if not params.get(name)]
        if missing:
            raise self._refuse(f"missing OAuth parameter(s): {', '.join(missing)}")
        if self.settings.require_user_agent and not headers.get("user-agent"):
            raise GatewayError(
                400, {"error": "Bad Request: a User-Agent header is required", "statusCode": 400}
            )
        return params

    def _consumer(self, params: Mapping[str, str]) -> _ConsumerState:
        state = self._consumers.get(params["oauth_consumer_key"])
        if state is None or not state.active:
            raise self._refuse("invalid consumer")
        if self.settings.check_realm:
            realm = params.get("realm")
            expected = "test_realm" if state.consumer.consumer_key == "TESTCONS" else "limited_poa"
            if realm is not None and realm not in (expected, state.consumer.realm):
                raise self._refuse(f"invalid realm {realm!r}")
        return state

    def _fresh(self, params: Mapping[str, str], now: float) -> None:
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError:
            raise self._refuse("invalid timestamp") from None
        window = self.settings.timestamp_window
        if abs(now - timestamp) > window:
            raise self._refuse("invalid timestamp: outside the allowed window")
        if not self.settings.check_nonces:
            return
        if len(self._nonces) > 10_000:
            self._nonces = {k: t for k, t in self._nonces.items() if abs(now - t) <= window}
        key = (params["oauth_consumer_key"], params["oauth_nonce"])
        seen = self._nonces.get(key)
        if seen is not None and abs(now - seen) <= window:
            raise self._refuse("nonce already used")
        self._nonces[key] = now

    def _signatures(self, params: Mapping[str, str]) -> list[str]:
        first = unquote(params["oauth_signature"])
        found = [first]
        if self.settings.accept_double_encoded_signature and "%" in first:
            found.append(unquote(first))
        return found

    @staticmethod
    def _signed(params: Mapping[str, str]) -> dict[str, str]:
        return {k: v for k, v in params.items() if k not in ("realm", "oauth_signature")}

    # -- the live session token -----------------------------------------------------------------

    def issue(
        self, method: str, url: str, headers: Mapping[str, str], now: float
    ) -> dict[str, Any]:
        """Answer ``POST /oauth/live_session_token`` (raises GatewayError on refusal)."""
        params = self._params(headers, lst_request=True)
        state = self._consumer(params)
        consumer = state.consumer
        if state.revoked or params["oauth_token"] != consumer.access_token:
            raise self._refuse(
                f"LST failed, error: No access secret key found for {params['oauth_token']}"
            )
        if params["oauth_signature_method"] != "RSA-SHA256":
            raise self._refuse("invalid signature method: RSA-SHA256 expected")
        self._fresh(params, now)
        message = (consumer.secret.hex() + base_string(method, url, self._signed(params))).encode()
        if not any(self._rsa_ok(state, sig, message) for sig in self._signatures(params)):
            raise self._refuse("invalid signature")
        try:
            a_public = int(params["diffie_hellman_challenge"], 16)
        except ValueError:
            raise self._refuse("invalid diffie_hellman_challenge") from None
        prime = consumer.dh_prime
        if not 1 < a_public < prime - 1:
            raise self._refuse("invalid diffie_hellman_challenge")
        b = secrets.randbits(256) | 2
        token = derive_live_session_token(a_public, b, prime, consumer.secret)
        expires_at = now + self.settings.live_session_token_lifetime
        live = _Live(token, expires_at)
        if self.settings.revoke_previous_token:
            state.tokens = [live]
        else:
            state.tokens = [t for t in state.tokens if t.expires_at > now] + [live]
        self.issued += 1
        self._session.login(now, open_brokerage=not self.settings.new_token_closes_brokerage)
        return {
            "diffie_hellman_response": format(pow(consumer.dh_generator, b, prime), "x"),
            "live_session_token_signature": hmac.new(
                token, consumer.consumer_key.encode(), hashlib.sha1
            ).hexdigest(),
            "live_session_token_expiration": int(expires_at * 1000),
        }

    @staticmethod
    def _rsa_ok(state: _ConsumerState, signature: str, message: bytes) -> bool:
        try:
            raw = base64.b64decode(signature, validate=True)
            state.public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    # -- every other request --------------------------------------------------------------------

    def check(
        self, method: str, url: str, query: str, headers: Mapping[str, str], now: float
    ) -> None:
        """Verify an HMAC-SHA256 signed request (raises GatewayError on refusal)."""
        params = self._params(headers, lst_request=False)
        state = self._consumer(params)
        if state.revoked or params["oauth_token"] != state.consumer.access_token:
            raise self._refuse("invalid token")
        if params["oauth_signature_method"] != "HMAC-SHA256":
            raise self._refuse("invalid signature method: HMAC-SHA256 expected")
        self._fresh(params, now)
        live = [t for t in state.tokens if t.expires_at > now]
        if not live:
            raise self._refuse("live session token expired or missing; request a new one")
        signed = self._signed(params)
        bases = [base_string(method, url, signed)]
        if self.settings.accept_query_in_signature and query:
            bases.append(base_string(method, url, {**signed, **dict(parse_qsl(query))}))
        for signature in self._signatures(params):
            for token in live:
                for base in bases:
                    digest = hmac.new(token.token, base.encode(), hashlib.sha256).digest()
                    if hmac.compare_digest(base64.b64encode(digest).decode(), signature):
                        return
        raise self._refuse("invalid signature")

    def accepts_websocket(self, query: Mapping[str, str], now: float) -> bool:
        """Whether a websocket upgrade's ``oauth_token`` names an access token with a live LST."""
        token = query.get("oauth_token")
        return any(
            state.consumer.access_token == token
            and not state.revoked
            and any(t.expires_at > now for t in state.tokens)
            for state in self._consumers.values()
        )
