"""Shared values and helpers of the OAuth tests."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ibkr_webapi import PreflightPolicy, RateLimitPolicy
from ibkr_webapi.auth.oauth1_signing import RSA_SHA256, authorization_header, signature_base_string
from ibkr_webapi.testing import OAuth1Consumer, OAuth2Client, SimulatorConfig

ACCOUNT = "U1234567"
AAPL = 265598


@dataclass(frozen=True)
class OAuth1Set:
    directory: Path
    consumer: OAuth1Consumer


@dataclass(frozen=True)
class OAuth2Set:
    directory: Path
    client: OAuth2Client


def sim_config(**changes: Any) -> SimulatorConfig:
    """A simulator config for fast tests: no rate limits, quick order status changes."""
    options: dict[str, Any] = {
        "rate_limits": False,
        "order_submit_delay": 0.01,
        "order_fill_delay": 0.02,
    }
    options.update(changes)
    return SimulatorConfig(**options)


def fast(**overrides: Any) -> dict[str, Any]:
    """Client options for tests: no keepalive, no pacing, short polls."""
    options: dict[str, Any] = {
        "keepalive": None,
        "rate_limits": RateLimitPolicy.off(),
        "preflight": PreflightPolicy(max_polls=6, interval=0.05),
        "reauth_poll_interval": 0.05,
    }
    options.update(overrides)
    return options


class ConsumerSigner:
    """Signs the OAuth 1.0a token requests RSA-SHA256, as a consumer's app would."""

    def __init__(self, directory: Path, consumer_key: str) -> None:
        self.consumer_key = consumer_key
        self.key = serialization.load_pem_private_key(
            (directory / "private_signature.pem").read_bytes(), None
        )
        self.decrypt = serialization.load_pem_private_key(
            (directory / "private_encryption.pem").read_bytes(), None
        )
        assert isinstance(self.key, rsa.RSAPrivateKey)
        assert isinstance(self.decrypt, rsa.RSAPrivateKey)

    def header(self, url: str, prepend: str = "", *, nonce: str | None = None, **extra: str) -> str:
        params = {
            **extra,
            "oauth_consumer_key": self.consumer_key,
            "oauth_nonce": nonce or secrets.token_hex(8),
            "oauth_signature_method": RSA_SHA256,
            "oauth_timestamp": str(int(time.time())),
        }
        base = signature_base_string("POST", url, params, prepend=prepend)
        assert isinstance(self.key, rsa.RSAPrivateKey)
        raw = self.key.sign(base.encode(), padding.PKCS1v15(), hashes.SHA256())
        return authorization_header(params, base64.b64encode(raw).decode())

    def secret(self, encrypted: str) -> bytes:
        assert isinstance(self.decrypt, rsa.RSAPrivateKey)
        return self.decrypt.decrypt(base64.b64decode(encrypted), padding.PKCS1v15())
