"""The httpx client under :class:`~ibkr_webapi.IBKRClient`: joins each distinct URL to the base once.

Every request of the generated layer names a path relative to the base URL. httpx parses and checks
such a URL twice per request, character by character (once alone, once joined to the base): for a
snapshot's kilobyte-long query that is about 90 µs, and about 20 µs for a plain path. Here a
path is joined to the base the first time it is asked for, and the joined :class:`httpx.URL`
(which httpx takes as it is) is kept for the requests that follow; a polling loop asks for the same
URLs again and again. Anything unusual is left to httpx.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import httpx

__all__ = ["JoiningClient"]


class JoiningClient(httpx.AsyncClient):
    """:class:`httpx.AsyncClient` with base-relative paths joined once per distinct URL."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        if type(url) is str and _plain(url):
            base = self.base_url
            prefix = str(base)
            if base.is_absolute_url and not base.query and prefix.endswith("/"):
                url = _joined(prefix, url)
        return super().build_request(method, url, **kwargs)


def _plain(url: str) -> bool:
    """A ``/``-rooted path (and query) that joins by concatenation: no ``//`` (which would name a
    host), no ``.`` segment (which httpx would resolve), no ``#`` (which httpx drops)."""
    path = url.partition("?")[0]
    return url[:1] == "/" and "//" not in path and "/." not in path and "#" not in url


@lru_cache(maxsize=512)
def _joined(prefix: str, path: str) -> httpx.URL:
    """``prefix`` (the base, which httpx ends with ``/``) joined to a plain ``/``-rooted path."""
    return httpx.URL(prefix + path[1:])
