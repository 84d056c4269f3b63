"""Hide secrets before anything reaches a log line, an exception message or a repr.

Three kinds of input are handled:

* headers: ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and any header whose
  name mentions a token, secret, session, password, signature or credential;
* URLs: the password part of ``user:password@host`` and query parameters with such names
  (``access_token``, ``oauth_token``, ``token``, ``session``, ...);
* JSON-ish or form-ish text: ``"session": "..."`` (the tickle answer), ``"access_token": ...``,
  ``live_session_token=...``, ``session: 1a2b...`` in prose, ``Bearer ...``, ``Cookie: ...`` header
  lines;
* OAuth: the parameters of an ``OAuth ...`` header (``oauth_signature``, ``oauth_token``,
  ``oauth_consumer_key``, ``diffie_hellman_*``), ``client_assertion``, the ``prepend``, any JWT
  (``eyJ...``) and any PEM private key block in free text.

The functions never raise on odd input: redaction must not turn a log line into a crash.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

REDACTED = "[redacted]"

# Substrings that make a header, query parameter or JSON key secret.
_SECRET_PARTS = (
    "token",
    "secret",
    "session",
    "password",
    "passwd",
    "signature",
    "cookie",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "authorization",
    # OAuth 1.0a / 2.0
    "assertion",
    "prepend",
    "consumer_key",
    "diffie_hellman",
)
_ALWAYS_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# Names that are secret only as a whole: the gateway's websocket cookie is "api=<session>".
_EXACT_SECRET_NAMES = frozenset({"api"})


class _LazyPattern:
    """A regular expression compiled on first use: the package's import stays cheap."""

    __slots__ = ("_flags", "_regex", "_source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source, self._flags = source, flags
        self._regex: re.Pattern[str] | None = None

    def sub(self, replacement: str | Callable[[re.Match[str]], str], text: str) -> str:
        regex = self._regex
        if regex is None:
            regex = self._regex = re.compile(self._source, self._flags)
        return regex.sub(replacement, text)


_NAME = (
    r"(?:[A-Za-z0-9_.\-]*(?:"
    + "|".join(re.escape(p) for p in _SECRET_PARTS)
    + r")[A-Za-z0-9_.\-]*|"
    + "|".join(re.escape(n) for n in sorted(_EXACT_SECRET_NAMES))
    + r")"
)
# "name": "value" / "name": 123 / 'name': 'value' (only scalar values: objects and lists are left alone)
_JSON_PAIR = _LazyPattern(
    r"""(?P<lead>(?P<q>["'])(?P<name>""" + _NAME + r""")(?P=q)\s*:\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[-+\w.]+)""",
    re.IGNORECASE,
)
# name=value (query strings, form bodies, OAuth header parameters: oauth_token="...")
_KV_PAIR = _LazyPattern(
    r"""(?P<lead>(?<![\w.\-])(?P<name>"""
    + _NAME
    + r""")\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s&,;"'<>]+)""",
    re.IGNORECASE,
)
# a header line pasted into text: "Cookie: a=b; c=d"
_HEADER_LINE = _LazyPattern(
    r"(?P<lead>^[ \t]*(?:authorization|proxy-authorization|cookie|set-cookie)[ \t]*:[ \t]*)(?P<value>.+)$",
    re.IGNORECASE | re.MULTILINE,
)
# "session: 1a2b3c4d..." in prose: a secret name, a colon, and a value that looks like a credential
# (8 or more token characters, at least one a digit), so that "session: expired" stays readable
_PROSE_PAIR = _LazyPattern(
    r"(?P<lead>(?<![\w.\-])(?P<name>" + _NAME + r")\s*:\s*)"
    r"(?P<value>(?=[A-Za-z0-9._~+/=\-]*\d)[A-Za-z0-9._~+/=\-]{8,})",
    re.IGNORECASE,
)
# credentials after an auth scheme: "Bearer eyJ...", "Basic dXNlcjpwYXNz"
_SCHEME_CREDENTIALS = _LazyPattern(
    r"\b(?P<lead>(?:Bearer|Basic)\s+)(?P<value>[A-Za-z0-9\-._~+/]+=*)"
)
# a JSON Web Token anywhere (client assertions, access tokens, SSO bearers)
_JWT = _LazyPattern(r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")
# a PEM private key pasted into text
_PEM_PRIVATE = _LazyPattern(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)", re.DOTALL
)
# user:password@ in URLs inside free text
_URL_USERINFO = _LazyPattern(
    r"(?P<lead>\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:)(?P<value>[^@\s/]+)(?=@)", re.I
)


def is_secret_name(name: str) -> bool:
    """Whether a header, query parameter or JSON key of this name carries a secret."""
    lowered = name.lower()
    return (
        lowered in _ALWAYS_SECRET_HEADERS
        or lowered in _EXACT_SECRET_NAMES
        or any(part in lowered for part in _SECRET_PARTS)
    )


def redact_headers(
    headers: httpx.Headers | Mapping[str, str] | Iterable[tuple[str, str]],
) -> dict[str, str]:
    """A copy of ``headers`` (names lower-cased) with secret values replaced by ``[redacted]``."""
    items: Iterable[tuple[str, str]]
    if isinstance(headers, httpx.Headers):
        items = headers.multi_items()
    elif isinstance(headers, Mapping):
        items = headers.items()
    else:
        items = headers
    result: dict[str, str] = {}
    for name, value in items:
        key = str(name).lower()
        shown = REDACTED if is_secret_name(key) else str(value)
        result[key] = f"{result[key]}, {shown}" if key in result else shown
    return result


def redact_url(url: httpx.URL | str) -> str:
    """``url`` as text without its password or secret query parameters."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url))
    except Exception:  # not a URL we can parse: fall back to text redaction
        return redact_text(str(url))
    userinfo = parsed.userinfo.decode("ascii", errors="replace")
    if parsed.password:
        userinfo = f"{userinfo.split(':', 1)[0]}:{REDACTED}"
    query = parsed.query.decode("ascii", errors="replace")
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(name) for name, _ in pairs):
            cleaned = [(name, REDACTED if is_secret_name(name) else value) for name, value in pairs]
            parsed = parsed.copy_with(query=urlencode(cleaned, safe="[]").encode("ascii"))
    if not userinfo:
        return str(parsed)
    text = str(parsed.copy_with(userinfo=b""))
    scheme = f"{parsed.scheme}://"
    return scheme + userinfo + "@" + text.removeprefix(scheme)


def redact_text(text: str) -> str:
    """``text`` (JSON, a form body, a header dump, free prose) with secret values replaced."""
    if not text:
        return text

    def _quoted(match: re.Match[str]) -> str:
        value = match.group("value")
        quote = value[0] if value[:1] in {'"', "'"} else ""
        return f"{match.group('lead')}{quote}{REDACTED}{quote}"

    text = _PEM_PRIVATE.sub(REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    text = _HEADER_LINE.sub(lambda m: f"{m.group('lead')}{REDACTED}", text)
    text = _JSON_PAIR.sub(_quoted, text)
    text = _KV_PAIR.sub(_quoted, text)
    text = _PROSE_PAIR.sub(_quoted, text)
    text = _SCHEME_CREDENTIALS.sub(lambda m: f"{m.group('lead')}{REDACTED}", text)
    return _URL_USERINFO.sub(lambda m: f"{m.group('lead')}{REDACTED}", text)


def redact_json(value: Any) -> Any:
    """A copy of parsed JSON with the values of secret keys replaced (recursively)."""
    if isinstance(value, Mapping):
        return {
            key: (REDACTED if isinstance(key, str) and is_secret_name(key) else redact_json(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's text (message and arguments) in place.

    Installed on the ``ibkr_webapi`` logger, so that no handler ever sees a secret, even one that
    reached a log call inside a gateway's error text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging to report
            return True
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
