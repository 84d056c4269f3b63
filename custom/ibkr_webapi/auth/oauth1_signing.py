"""IBKR's OAuth 1.0a signing steps, byte for byte (pure functions, no I/O).

IBKR's first-party OAuth differs from RFC 5849 in ways that matter to every byte:

* the parameter list is ``name=value`` pairs sorted by name and joined with ``&``, values raw
  (no per-value encoding); the whole list is then form-encoded once;
* the URL in the base string has no query string, and query or JSON body parameters are not signed;
* the live-session-token request's base string starts with the *prepend* (the lower-case hex of
  the decrypted access token secret), and is signed RSA-SHA256 (PKCS#1 v1.5);
* the Diffie-Hellman shared secret ``K`` enters the HMAC as Java's ``BigInteger.toByteArray()``
  does it: big-endian with a leading ``0x00`` byte whenever its bit length is a multiple of 8;
* every later request is signed HMAC-SHA256 with the base64-decoded live session token.

The unit tests pin these functions to the worked example in IBKR's reference material.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote_plus

import httpx

__all__ = [
    "HMAC_SHA256",
    "RSA_SHA256",
    "authorization_header",
    "dh_challenge",
    "hmac_sha256_signature",
    "k_bytes",
    "live_session_token",
    "live_session_token_signature",
    "percent_encode",
    "prepend_of",
    "signature_base_string",
    "signed_url",
]

RSA_SHA256 = "RSA-SHA256"
HMAC_SHA256 = "HMAC-SHA256"


def percent_encode(text: str) -> str:
    """Form-style percent-encoding: all but ``A-Z a-z 0-9 _ . - ~`` become ``%XX``, space ``+``."""
    return quote_plus(text, safe="")


def signed_url(url: httpx.URL | str) -> str:
    """The URL as it enters the base string: scheme, host, port (when given) and path, no query."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    path = parsed.raw_path.split(b"?", 1)[0].decode("ascii")
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}{path}"


def signature_base_string(
    method: str, url: httpx.URL | str, params: Mapping[str, str], *, prepend: str = ""
) -> str:
    """``prepend + METHOD & pct(url) & pct(sorted name=value pairs)``.

    ``params`` are the OAuth parameters that are signed: never ``realm`` or ``oauth_signature``.
    """
    pairs = "&".join(f"{name}={params[name]}" for name in sorted(params))
    return f"{prepend}{method.upper()}&{percent_encode(signed_url(url))}&{percent_encode(pairs)}"


def authorization_header(
    params: Mapping[str, str], signature: str, *, realm: str = "limited_poa"
) -> str:
    """``OAuth realm="...", name="value", ...`` with ``oauth_signature`` percent-encoded once.

    ``signature`` is the plain base64 signature; parameters are listed in sorted order.
    """
    items = {**params, "oauth_signature": percent_encode(signature)}
    listed = ", ".join(f'{name}="{items[name]}"' for name in sorted(items))
    return f'OAuth realm="{realm}", {listed}'


def prepend_of(secret: bytes) -> str:
    """The prepend: lower-case hex of the decrypted access token secret."""
    return secret.hex()


def dh_challenge(a: int, prime: int, generator: int = 2) -> str:
    """``hex(g^a mod p)``: lower case, no ``0x``, no padding."""
    return format(pow(generator, a, prime), "x")


def k_bytes(k: int) -> bytes:
    """``K`` as Java's ``BigInteger.toByteArray()``: big-endian, sign byte when the top bit is set."""
    return k.to_bytes(k.bit_length() // 8 + 1, "big")


def live_session_token(dh_response: str, a: int, prime: int, secret: bytes) -> bytes:
    """The raw live session token: ``HMAC-SHA1(K_bytes, secret)`` with ``K = B^a mod p``."""
    b_value = int(dh_response, 16)
    k = pow(b_value, a, prime)
    return hmac.new(k_bytes(k), secret, hashlib.sha1).digest()


def live_session_token_signature(token: bytes, consumer_key: str) -> str:
    """``hex(HMAC-SHA1(token, consumer_key))``: what IBKR sends to prove both sides agree."""
    return hmac.new(token, consumer_key.encode("utf-8"), hashlib.sha1).hexdigest()


def hmac_sha256_signature(token: bytes, base_string: str) -> str:
    """Base64 of ``HMAC-SHA256(token, base_string)`` (``token`` is the raw live session token)."""
    digest = hmac.new(token, base_string.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")
