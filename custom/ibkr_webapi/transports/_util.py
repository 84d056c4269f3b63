"""Small helpers shared by the transport layers: path matching and re-readable responses."""

from __future__ import annotations

import json

import httpx

from .._paths import EndpointPattern, base_path_of, relative_path

__all__ = [
    "EndpointPattern",
    "base_path_of",
    "buffer_response",
    "json_body",
    "relative_path",
]


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
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
        return None
