"""Endpoint paths as IBKR documents them: relative to the API base, with ``{name}``/``*``/``**``."""

from __future__ import annotations

import re
from functools import lru_cache

import httpx

from .errors import ConfigurationError

__all__ = ["EndpointPattern", "base_path_of", "gateway_key", "relative_path"]


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
def _compile(source: str) -> re.Pattern[str]:
    return re.compile(source)


@lru_cache(maxsize=512)
def _translate(pattern: str) -> str:
    """The regular expression for a path pattern (checked now; compiled on first match)."""
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
                raise ConfigurationError(f"unclosed '{{' in path pattern {pattern!r}")
            parts.append("[^/]+")
            i = end + 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return "".join(parts) + "/?"


class EndpointPattern:
    """``"GET /iserver/account/{accountId}/orders"``-style matcher.

    The method may be ``*`` (any). In the path, ``{name}`` and ``*`` match one path segment and
    ``**`` matches any number of segments (``/fyi/**``).
    """

    __slots__ = ("_regex", "_source", "method", "path")

    def __init__(self, method: str, path: str) -> None:
        method = method.strip().upper()
        path = path.strip()
        if not path.startswith("/"):
            raise ConfigurationError(f"path pattern must start with '/': {path!r}")
        self.method = method or "*"
        self.path = path.rstrip("/") or "/"
        self._source = _translate(self.path)
        self._regex: re.Pattern[str] | None = None  # compiled on first match: imports stay cheap

    @classmethod
    def parse(cls, spec: str) -> EndpointPattern:
        """``"GET /path"`` or just ``"/path"`` (any method)."""
        words = spec.split()
        if len(words) == 1:
            return cls("*", words[0])
        if len(words) == 2:
            return cls(words[0], words[1])
        raise ConfigurationError(f"expected 'METHOD /path' or '/path', got {spec!r}")

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method != method.upper():
            return False
        regex = self._regex
        if regex is None:
            regex = self._regex = _compile(self._source)
        return regex.fullmatch(path) is not None

    def __repr__(self) -> str:
        return f"EndpointPattern({self.method!r}, {self.path!r})"


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "ip6-localhost"})


def gateway_key(base_url: str | httpx.URL) -> str:
    """One name per gateway, whatever spelling the caller used for its base URL.

    ``https://LOCALHOST:5000/v1/api/`` and ``https://127.0.0.1:5000/v1/api`` are the same gateway
    (IBKR counts per IP and session): the host is lower-cased, loopback names become ``loopback``,
    the default port is written out and trailing slashes dropped.
    """
    url = httpx.URL(str(base_url))
    host = (url.host or "").lower()
    if host in _LOOPBACK or host.startswith("127."):
        host = "loopback"
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{host}:{port}{url.path.rstrip('/')}"
