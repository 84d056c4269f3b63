"""The check every API request of the simulated ``api.ibkr.com`` passes: signed, or a live bearer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.requests import Request

from ._oauth1 import OAuth1Server
from ._oauth1_tokens import TokenDesk
from ._oauth2 import OAuth2Server

if TYPE_CHECKING:
    from ._config import SimulatorConfig
    from ._session import Session

__all__ = ["OAuthGuard", "headers_of", "signed_url"]


def signed_url(request: Request) -> str:
    """The URL as a client signs it: scheme, the Host header, and the raw path without query."""
    raw = request.scope.get("raw_path")
    path = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else request.url.path
    host = request.headers.get("host") or request.url.netloc
    return f"{request.url.scheme}://{host}{path.split('?', 1)[0]}"


def headers_of(request: Request) -> Mapping[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


class OAuthGuard:
    """The OAuth servers of one simulator, and the check every API request passes."""

    def __init__(self, config: SimulatorConfig, session: Session) -> None:
        self.oauth1 = OAuth1Server(config.oauth1, session) if config.oauth1 else None
        self.tokens = TokenDesk(config.oauth1) if config.oauth1 else None
        """Third-party request/access token exchange (OAuth 1.0a only)."""
        self.oauth2 = OAuth2Server(config.oauth2, session) if config.oauth2 else None
        session.logout()  # nobody is logged in before the OAuth exchange

    def check(self, request: Request, now: float) -> None:
        """Raise GatewayError unless ``request`` is signed / carries a live bearer."""
        headers = headers_of(request)
        scheme = headers.get("authorization", "").split(" ", 1)[0].lower()
        if scheme == "bearer" and self.oauth2 is not None:
            self.oauth2.check(headers, now)
        elif self.oauth1 is not None and (scheme == "oauth" or self.oauth2 is None):
            self.oauth1.check(request.method, signed_url(request), request.url.query, headers, now)
        elif self.oauth2 is not None:
            self.oauth2.check(headers, now)

    def accepts_websocket(self, query: Mapping[str, str], now: float) -> bool:
        """Whether a websocket upgrade's query proves a live OAuth session (for the streaming
        routes): ``oauth_token=<access token>`` (1.0a) or ``bearer_token=<SSO bearer>`` (2.0)."""
        return bool(
            (self.oauth1 is not None and self.oauth1.accepts_websocket(query, now))
            or (self.oauth2 is not None and self.oauth2.accepts_websocket(query, now))
        )
