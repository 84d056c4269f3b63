"""What the simulated OAuth servers know and how strict they are: registrations and switches."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["OAuth1Consumer", "OAuth1Settings", "OAuth2Client", "OAuth2Settings"]


@dataclass(frozen=True)
class OAuth1Consumer:
    """What IBKR's side knows of one first-party consumer (the simulator's registration).

    ``secret`` is the access token secret in clear (the client holds it encrypted);
    ``signature_public_key`` is the PEM of the key the consumer uploaded for signing.
    """

    consumer_key: str
    access_token: str
    secret: bytes = field(repr=False)
    signature_public_key: str = field(repr=False)
    dh_prime: int = field(repr=False)
    dh_generator: int = 2
    realm: str = "limited_poa"
    # PEM of the key the consumer uploaded for encryption: the third-party token exchange
    # (/oauth/access_token) encrypts the access token secret for it.
    encryption_public_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class OAuth1Settings:
    """How the simulated ``api.ibkr.com`` checks OAuth 1.0a. Checks marked unverified in IBKR's
    reference material are switches here."""

    consumers: tuple[OAuth1Consumer, ...]
    timestamp_window: float = 300.0  # seconds either side of the server's clock (unverified)
    live_session_token_lifetime: float = 86_400.0
    check_nonces: bool = True  # a nonce is refused when seen within the window (unverified)
    check_realm: bool = True  # limited_poa, test_realm for TESTCONS (unverified)
    require_user_agent: bool = True  # IBKR staff call it required (status unverified)
    accept_double_encoded_signature: bool = True  # IBKR's own examples encode twice (unverified)
    accept_query_in_signature: bool = False  # RFC 5849 style: query params signed (unverified)
    revoke_previous_token: bool = True  # a new LST ends the old one (unverified)
    new_token_closes_brokerage: bool = True  # after a new LST, ssodh/init is needed again

    def __post_init__(self) -> None:
        if not self.consumers:
            raise ValueError("OAuth1Settings needs at least one consumer")


@dataclass(frozen=True)
class OAuth2Client:
    """A registered OAuth 2.0 client: its id, the key id and public key it signs with, and the
    IBKR username (``credential``) it may open SSO sessions for."""

    client_id: str
    key_id: str
    public_key: str = field(repr=False)  # PEM
    credential: str
    scope: str = "sso-sessions.write"


@dataclass(frozen=True, kw_only=True)
class OAuth2Settings:
    """How the simulated OAuth 2.0 endpoints behave (statuses marked unverified are choices)."""

    clients: tuple[OAuth2Client, ...]
    access_token_lifetime: float = 86_399.0
    sso_bearer_lifetime: float = 86_400.0  # at most; the requested exp may cut it (unverified)
    audience: str = "/token"
    clock_skew: float = 30.0  # leeway on exp/iat of the client's JWTs
    max_assertion_lifetime: float = 3_600.0  # longer-lived assertions are refused (unverified)
    assertion_error_status: int = 401  # 400 or 401 (unverified)
    ip_must_match_caller: bool = False  # compare the ip claim with the TCP peer (unverified)
    new_session_closes_brokerage: bool = True

    def __post_init__(self) -> None:
        if not self.clients:
            raise ValueError("OAuth2Settings needs at least one client")
