"""Shared values and helpers of the OAuth tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibkr_webapi import PreflightPolicy, RateLimitPolicy
from ibkr_webapi.testing import OAuth1Consumer, OAuth2Client, SimulatorConfig

ACCOUNT = "U1234567"
AAPL = 265598


@dataclass(frozen=True)
class OAuth1Set:
    directory: Path
    consumer: OAuth1Consumer


@dataclass(frozen=True)
class OAuth2Set:
    directory: Path
    client: OAuth2Client


def sim_config(**changes: Any) -> SimulatorConfig:
    """A simulator config for fast tests: no rate limits, quick order status changes."""
    options: dict[str, Any] = {
        "rate_limits": False,
        "order_submit_delay": 0.01,
        "order_fill_delay": 0.02,
    }
    options.update(changes)
    return SimulatorConfig(**options)


def fast(**overrides: Any) -> dict[str, Any]:
    """Client options for tests: no keepalive, no pacing, short polls."""
    options: dict[str, Any] = {
        "keepalive": None,
        "rate_limits": RateLimitPolicy.off(),
        "preflight": PreflightPolicy(max_polls=6, interval=0.05),
        "reauth_poll_interval": 0.05,
    }
    options.update(overrides)
    return options
