"""Client settings read from the environment, so that a service needs no configuration code.

============================  =====================================================================
``IBKR_BASE_URL``             the API base, e.g. ``https://localhost:5000/v1/api``
``IBKR_VERIFY``               a CA/certificate file, or ``true`` / ``false``
``IBKR_ACCOUNT_ID``           the account calls use when none is given
``IBKR_TIMEOUT``              seconds to wait for an answer (default 30)
``IBKR_HTTP_BACKEND``         ``httpx`` (default) or ``aiohttp`` (the ``fast`` extra; less CPU)
============================  =====================================================================

Arguments given to :class:`~ibkr_webapi.IBKRClient` win over the environment.
"""

from __future__ import annotations

import math
import os
import ssl
from collections.abc import Mapping
from typing import Literal, get_args

import attrs

from .errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "HTTP_BACKENDS",
    "HttpBackend",
    "Settings",
    "Verify",
]

DEFAULT_BASE_URL = "https://localhost:5000/v1/api"
DEFAULT_TIMEOUT = 30.0
Verify = bool | str | os.PathLike[str] | ssl.SSLContext
HttpBackend = Literal["httpx", "aiohttp"]
HTTP_BACKENDS: tuple[HttpBackend, ...] = get_args(HttpBackend)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _verify_from(text: str) -> Verify:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return text.strip()


def _timeout_from(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(
            f"IBKR_TIMEOUT={text!r} is not a number of seconds; set it like IBKR_TIMEOUT=30"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"IBKR_TIMEOUT must be a positive number of seconds, got {text!r}")
    return value


def check_backend(value: str, source: str = "http_backend") -> HttpBackend:
    """``value`` if it names a network layer, else a :class:`ConfigurationError` naming ``source``."""
    for backend in HTTP_BACKENDS:
        if value == backend:
            return backend
    raise ConfigurationError(
        f"{source}={value!r} is not a network layer; use one of {', '.join(HTTP_BACKENDS)}"
    )


@attrs.frozen(kw_only=True)
class Settings:
    """Where the gateway is, how to trust it, the default account, the timeout and the network
    layer."""

    base_url: str = DEFAULT_BASE_URL
    verify: Verify = True
    account_id: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    http_backend: HttpBackend = "httpx"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``IBKR_*`` variables; unset variables keep the defaults."""
        env = os.environ if environ is None else environ
        verify = env.get("IBKR_VERIFY")
        timeout = env.get("IBKR_TIMEOUT")
        account = (env.get("IBKR_ACCOUNT_ID") or "").strip()
        backend = (env.get("IBKR_HTTP_BACKEND") or "").strip().lower()
        return cls(
            base_url=(env.get("IBKR_BASE_URL") or "").strip() or DEFAULT_BASE_URL,
            verify=_verify_from(verify) if verify else True,
            account_id=account or None,
            timeout=_timeout_from(timeout) if timeout else DEFAULT_TIMEOUT,
            http_backend=check_backend(backend, "IBKR_HTTP_BACKEND") if backend else "httpx",
        )
