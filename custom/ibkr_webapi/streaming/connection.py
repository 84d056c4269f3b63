"""Opening one websocket to the gateway: URL, TLS, session hand-over, headers.

Uses the ``websockets`` asyncio client (pure asyncio: no threads). TLS uses the very
``ssl.SSLContext`` the client's HTTP connections use, so ``verify=`` means the same for both.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, InvalidURI

from .. import errors
from ..redact import redact_url
from .options import SessionHandover, StreamOptions

__all__ = ["HandshakeRefusedError", "open_socket", "session_cookie", "websocket_url"]


class HandshakeRefusedError(errors.IBKRError):
    """The server answered the upgrade with an HTTP status instead of switching protocols."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the websocket upgrade was answered HTTP {status}")
        self.status = status


def websocket_url(base_url: str) -> str:
    """``https://host:5000/v1/api`` -> ``wss://host:5000/v1/api/ws``."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path + "/ws", "", ""))


def with_query(url: str, query: Mapping[str, str]) -> str:
    if not query:
        return url
    parts = urlsplit(url)
    extra = urlencode(dict(query))
    joined = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


def resolved_handover(mode: SessionHandover, *, oauth: bool) -> SessionHandover:
    if mode == "auto":
        return "cookie" if oauth else "cookie-json"
    return mode


def session_cookie(mode: SessionHandover, session: str | None) -> str | None:
    """The ``api`` cookie's value for a hand-over mode, or None when it sends no cookie."""
    if session is None:
        return None
    if mode == "cookie":
        return session
    if mode == "cookie-json":
        return json.dumps({"session": session}, separators=(",", ":"))
    return None


def cookie_header(cookies: Mapping[str, str]) -> str | None:
    """A ``Cookie`` header; values that need it are quoted the way cookies are."""
    if not cookies:
        return None
    jar: SimpleCookie = SimpleCookie()
    parts = []
    for name, value in cookies.items():
        jar[name] = value
        parts.append(jar[name].OutputString())
    return "; ".join(parts)


async def open_socket(
    url: str,
    *,
    ssl_context: ssl.SSLContext | None,
    headers: Mapping[str, str],
    options: StreamOptions,
) -> ClientConnection:
    """Connect and upgrade; failures become this package's errors (HandshakeRefusedError for a status)."""
    secure = url.startswith("wss://")
    try:
        return await connect(
            url,
            ssl=ssl_context if secure else None,
            additional_headers=dict(headers),
            user_agent_header=None,  # the User-Agent is in ``headers``
            open_timeout=options.open_timeout,
            ping_interval=options.ping_interval,
            ping_timeout=options.heartbeat_timeout if options.ping_interval else None,
            close_timeout=2.0,
            max_size=options.max_frame_bytes,
            max_queue=64,
            compression=None,  # the gateway does not compress; skipping it saves CPU per frame
        )
    except InvalidStatus as exc:
        raise HandshakeRefusedError(exc.response.status_code) from exc
    except InvalidURI as exc:
        raise errors.ConfigurationError(
            f"websocket URL {redact_url(url)!r} is not valid; set StreamOptions.url to "
            "wss://host:port/v1/api/ws"
        ) from exc
    except ssl.SSLCertVerificationError as exc:
        raise errors.StreamConnectionError(
            f"the gateway's TLS certificate was not trusted at {redact_url(url)} ({exc.verify_message}); "
            "pass the same verify= you use for HTTP: the gateway's certificate path"
        ) from exc
