"""Bad settings raise ConfigurationError (an IBKRError) naming the setting, at construction."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ibkr_webapi import (
    EndpointRule,
    PreflightPolicy,
    Rate,
    RateLimitPolicy,
    RetryPolicy,
)
from ibkr_webapi.errors import ConfigurationError, IBKRError
from ibkr_webapi.streaming import StreamOptions

BAD: list[tuple[str, Callable[[], object], str]] = [
    ("retries", lambda: RetryPolicy(max_retries=-1), "max_retries"),
    ("delay", lambda: RetryPolicy(initial_delay=-0.1), "initial_delay"),
    ("multiplier", lambda: RetryPolicy(multiplier=0.5), "multiplier"),
    ("rate count", lambda: Rate(0, 1.0), "count"),
    ("rate period", lambda: Rate(1, 0.0), "per"),
    ("rate text", lambda: Rate.parse("ten a second"), "not a rate"),
    ("rule path", lambda: EndpointRule("GET", "iserver/accounts", rate="1/second"), "start"),
    ("rule cap", lambda: EndpointRule("GET", "/x", max_in_flight=0), "max_in_flight"),
    ("rules", lambda: RateLimitPolicy(rules=("GET /x",)), "EndpointRule"),  # type: ignore[arg-type]
    ("polls", lambda: PreflightPolicy(max_polls=0), "max_polls"),
    ("interval", lambda: PreflightPolicy(interval=-1), "interval"),
    ("heartbeat", lambda: StreamOptions(heartbeat_timeout=0), "heartbeat_timeout"),
    ("jitter", lambda: StreamOptions(reconnect_jitter=1.5), "reconnect_jitter"),
    ("ping", lambda: StreamOptions(ping_interval=-1), "ping_interval"),
    ("buffer", lambda: StreamOptions(buffer_size=0), "buffer_size"),
    ("bool", lambda: StreamOptions(open_timeout=True), "open_timeout"),
]


@pytest.mark.parametrize(("make", "says"), [(m, s) for _, m, s in BAD], ids=[n for n, _, _ in BAD])
def test_bad_setting_is_a_configuration_error(make: Callable[[], object], says: str) -> None:
    with pytest.raises(ConfigurationError, match=says) as caught:
        make()
    assert isinstance(caught.value, IBKRError)
    assert isinstance(caught.value, ValueError)  # code that caught ValueError still does


def test_good_settings_are_accepted() -> None:
    assert StreamOptions(ping_interval=None, give_up_after=None).ping_interval is None
    assert PreflightPolicy(max_polls=1, interval=0, late_field_polls=0).max_polls == 1
    assert RetryPolicy(max_retries=0).max_retries == 0
