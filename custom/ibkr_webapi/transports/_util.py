"""Small helpers shared by the transport layers: path matching and re-readable responses."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import httpx

__all__ = [
    "EndpointPattern",
    "base_path_of",
    "buffer_response",
    "json_body",
    "relative_path",
]


def base_path_of(base_url: str | httpx.URL) -> str:
    """The path part of a base URL without its trailing slash (``/v1/api``)."""
    return httpx.URL(str(base_url)).path.rstrip("/")


def relative_path(url: httpx.URL, base_path: str) -> str:
    """``url``'s path with ``base_path`` stripped, as IBKR documents endpoints (``/iserver/accounts``)."""
    path = url.path
    base = base_path.rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :]
    return path or "/"


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "{":
            end = pattern.find("}", i)
            if end < 0:
                raise ValueError(f"unclosed '{{' in path pattern {pattern!r}")
            parts.append("[^/]+")
            i = end + 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts) + "/?")


class EndpointPattern:
    """``"GET /iserver/account/{accountId}/orders"``-style matcher.

    The method may be ``*`` (any). In the path, ``{name}`` and ``*`` match one path segment and
    ``**`` matches any number of segments (``/fyi/**``).
    """

    __slots__ = ("_regex", "method", "path")

    def __init__(self, method: str, path: str) -> None:
        method = method.strip().upper()
        path = path.strip()
        if not path.startswith("/"):
            raise ValueError(f"path pattern must start with '/': {path!r}")
        self.method = method or "*"
        self.path = path.rstrip("/") or "/"
        self._regex = _compile(self.path)

    @classmethod
    def parse(cls, spec: str) -> EndpointPattern:
        """``"GET /path"`` or just ``"/path"`` (any method)."""
        words = spec.split()
        if len(words) == 1:
            return cls("*", words[0])
        if len(words) == 2:
            return cls(words[0], words[1])
        raise ValueError(f"expected 'METHOD /path' or '/path', got {spec!r}")

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method != method.upper():
            return False
        return self._regex.fullmatch(path) is not None

    def __repr__(self) -> str:
        return f"EndpointPattern({self.method!r}, {self.path!r})"


async def buffer_response(response: httpx.Response) -> tuple[httpx.Response, bytes]:
    """Read ``response``'s body and return a fresh, unread copy plus the decoded bytes.

    Layers that must look at a body (``"no bridge"``) use this so that the caller above still gets
    a normal streaming response (``elapsed`` is set as usual, content decoding happens once).
    """
    content = await response.aread()
    headers = httpx.Headers(
        [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
        ]
    )
    headers["Content-Length"] = str(len(content))
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:
        request = None
    clone = httpx.Response(
        response.status_code,
        headers=headers,
        stream=httpx.ByteStream(content),
        extensions=dict(response.extensions),
        request=request,
    )
    return clone, content


def json_body(content: bytes) -> object:
    """Parsed JSON, or ``None`` when the body is not JSON."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None
