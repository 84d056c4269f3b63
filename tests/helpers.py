"""Helpers shared by the client tests that mock the gateway with respx."""

from __future__ import annotations

from ibkr_webapi import IBKRClient, PreflightPolicy, RateLimitPolicy, RetryPolicy

BASE = "https://gw.test/v1/api"
ACCOUNTS = {"accounts": ["U1234567"], "selectedAccount": "U1234567"}


def make_client(**overrides: object) -> IBKRClient:
    """A client tuned for fast tests: no keepalive, no pacing, tiny delays."""
    options: dict[str, object] = {
        "keepalive": None,
        "rate_limits": RateLimitPolicy.off(),
        "retry": RetryPolicy(initial_delay=0.001, max_delay=0.005),
        "preflight": PreflightPolicy(max_polls=5, interval=0.001),
        "reauth_poll_interval": 0.001,
        "reauth_timeout": 1.0,
    }
    options.update(overrides)
    return IBKRClient(BASE, **options)  # type: ignore[arg-type]
