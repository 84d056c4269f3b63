"""The httpx client under :class:`~ibkr_webapi.IBKRClient`: URLs joined once, answers freed at once.

Every request of the generated layer names a path relative to the base URL. httpx parses and checks
such a URL twice per request, character by character (once alone, once joined to the base): for a
snapshot's kilobyte-long query that is about 90 µs, and about 20 µs for a plain path. Here a
path is joined to the base the first time it is asked for, and the joined :class:`httpx.URL`
(which httpx takes as it is) is kept for the requests that follow; a polling loop asks for the same
URLs again and again. Anything unusual is left to httpx.

An httpx response and the stream it was read from refer to each other, so a response read in full
lives on, with its body, until the garbage collector's next pass finds the cycle: a few dozen
objects per request for it to trace and free (none for a synchronous client). Once the body is read
and the response closed, its spent stream is swapped for an empty one: the cycle is broken and the
response is freed as soon as the caller lets go of it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import httpx

__all__ = ["JoiningClient"]

_SPENT = httpx.ByteStream(b"")  # what a read and closed response's stream becomes


class JoiningClient(httpx.AsyncClient):
    """:class:`httpx.AsyncClient` with base-relative paths joined once per distinct URL."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        if "params" in kwargs and not kwargs["params"] and not self.params and "?" not in str(url):
            del kwargs["params"]  # the generated layer's empty {}: httpx would parse the URL again
        if type(url) is str and _plain(url):
            base = self.base_url
            prefix = str(base)
            if base.is_absolute_url and not base.query and prefix.endswith("/"):
                url = _joined(prefix, url)
        return super().build_request(method, url, **kwargs)

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await super().send(request, **kwargs)
        if response.is_closed:  # read in full (not streamed): its stream is never read again
            response.stream = _SPENT
        return response


def _plain(url: str) -> bool:
    """A ``/``-rooted path (and query) that joins by concatenation: no ``//`` (which would name a
    host), no ``.`` segment (which httpx would resolve), no ``#`` (which httpx drops)."""
    path = url.partition("?")[0]
    return url[:1] == "/" and "//" not in path and "/." not in path and "#" not in url


@lru_cache(maxsize=512)
def _joined(prefix: str, path: str) -> httpx.URL:
    """``prefix`` (the base, which httpx ends with ``/``) joined to a plain ``/``-rooted path."""
    return httpx.URL(prefix + path[1:])
