"""How requests are authenticated and the session kept alive.

Gateway sessions need nothing here (the gateway holds the login); direct access to
``https://api.ibkr.com/v1/api`` needs one of:

* :class:`OAuth1Auth` with :class:`OAuth1Credentials`: OAuth 1.0a, first party (self-service);
* :class:`OAuth2Auth` with :class:`OAuth2Credentials`: OAuth 2.0 ``private_key_jwt``;
* :class:`~ibkr_webapi.auth.bearer.BearerTokenAuth`: bearer tokens from a provider of your own.

The OAuth classes need the ``oauth`` extra (``cryptography``, ``PyJWT``); they are imported on first
use so that a gateway-only install does not need it. See docs/authentication.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._renewing import RenewingAuth, WebsocketAuth
    from .credentials import OAuth1Credentials, OAuth2Credentials
    from .oauth1 import LiveSessionToken, OAuth1Auth
    from .oauth2 import OAuth2Auth, OAuth2Session

_MODULES = {
    "LiveSessionToken": ".oauth1",
    "OAuth1Auth": ".oauth1",
    "OAuth1Credentials": ".credentials",
    "OAuth2Auth": ".oauth2",
    "OAuth2Credentials": ".credentials",
    "OAuth2Session": ".oauth2",
    "RenewingAuth": "._renewing",
    "WebsocketAuth": "._renewing",
}

__all__ = [
    "LiveSessionToken",
    "OAuth1Auth",
    "OAuth1Credentials",
    "OAuth2Auth",
    "OAuth2Credentials",
    "OAuth2Session",
    "RenewingAuth",
    "WebsocketAuth",
]

OAUTH_INSTALL_HINT = "pip install 'ibkr-webapi-client[oauth]'"


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(module, __name__), name)
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in {"cryptography", "jwt"}:
            from ..errors import ConfigurationError

            raise ConfigurationError(
                f"OAuth needs the {exc.name!r} package: {OAUTH_INSTALL_HINT}"
            ) from exc
        raise
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
