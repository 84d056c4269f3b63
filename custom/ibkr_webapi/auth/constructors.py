"""``IBKRClient.oauth1(...)`` and ``IBKRClient.oauth2(...)``: one constructor per login mode.

Both talk straight to ``https://api.ibkr.com/v1/api`` (or ``base_url``, or ``IBKR_BASE_URL``) with
IBKR's OAuth pacing (50 requests/s overall, ``RateLimitPolicy.oauth()``) unless ``rate_limits`` or
``pacer`` says otherwise. Every other keyword goes to ``IBKRClient`` unchanged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Self, Unpack

from .._core import ClientCore, ClientOptions
from ..errors import ConfigurationError
from ..transports.pacing import RateLimitPolicy

if TYPE_CHECKING:
    from .credentials import OAuth1Credentials, OAuth2Credentials
    from .oauth2 import IpSource

__all__ = ["OAUTH_BASE_URL", "OAuthConstructors"]

OAUTH_BASE_URL = "https://api.ibkr.com/v1/api"


def _base_url(base_url: str | None) -> str:
    return (base_url or os.environ.get("IBKR_BASE_URL") or OAUTH_BASE_URL).rstrip("/")


def _client_options(options: ClientOptions) -> ClientOptions:
    if "auth" in options:
        raise ConfigurationError(
            "oauth1()/oauth2() make their own auth; pass auth=... to IBKRClient(...) instead"
        )
    if options.get("pacer") is None and options.get("rate_limits") is None:
        options["rate_limits"] = RateLimitPolicy.oauth()
    return options


class OAuthConstructors(ClientCore):
    """The OAuth constructors of :class:`~ibkr_webapi.IBKRClient`."""

    @classmethod
    def oauth1(
        cls,
        credentials: OAuth1Credentials | str | os.PathLike[str] | None = None,
        *,
        base_url: str | None = None,
        renew_margin: float = 600.0,
        clock: Callable[[], float] = time.time,
        **options: Unpack[ClientOptions],
    ) -> Self:
        """A client that logs in with OAuth 1.0a (first party).

        ``credentials``: :class:`~ibkr_webapi.auth.OAuth1Credentials`, a credentials folder, or
        ``None`` for the ``IBKR_OAUTH1_*`` environment variables. The live session token is
        renewed ``renew_margin`` seconds before it expires; ``clock`` is for tests.
        """
        from . import OAuth1Auth, OAuth1Credentials

        if credentials is None:
            creds = OAuth1Credentials.from_env()
        elif isinstance(credentials, OAuth1Credentials):
            creds = credentials
        else:
            creds = OAuth1Credentials.from_directory(credentials, environ=os.environ)
        url = _base_url(base_url)
        auth = OAuth1Auth(
            creds,
            base_url=url,
            renew_margin=renew_margin,
            compete=options.get("compete", True),
            clock=clock,
        )
        return cls(url, auth=auth, **_client_options(options))

    @classmethod
    def oauth2(
        cls,
        credentials: OAuth2Credentials | str | os.PathLike[str] | None = None,
        *,
        base_url: str | None = None,
        ip: IpSource | None = None,
        token_url: str | None = None,
        sso_sessions_url: str | None = None,
        renew_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        **options: Unpack[ClientOptions],
    ) -> Self:
        """A client that logs in with OAuth 2.0 (``private_key_jwt``).

        ``credentials``: :class:`~ibkr_webapi.auth.OAuth2Credentials`, a credentials folder, or
        ``None`` for the ``IBKR_OAUTH2_*`` environment variables. ``ip`` is the caller's public
        IP (or a callable returning it) for the SSO session; default ``credentials.ip``. For the
        other unverified settings build :class:`~ibkr_webapi.auth.OAuth2Auth` yourself and pass
        it as ``IBKRClient(url, auth=..., rate_limits=RateLimitPolicy.oauth())``.
        """
        from . import OAuth2Auth, OAuth2Credentials

        if credentials is None:
            creds = OAuth2Credentials.from_env()
        elif isinstance(credentials, OAuth2Credentials):
            creds = credentials
        else:
            creds = OAuth2Credentials.from_directory(credentials, environ=os.environ)
        url = _base_url(base_url)
        auth = OAuth2Auth(
            creds,
            base_url=url,
            ip=ip,
            token_url=token_url,
            sso_sessions_url=sso_sessions_url,
            renew_margin=renew_margin,
            compete=options.get("compete", True),
            clock=clock,
        )
        return cls(url, auth=auth, **_client_options(options))
