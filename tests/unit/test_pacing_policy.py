"""RateLimitPolicy / EndpointRule / Rate: IBKR's limits as data, and what a request needs."""

from __future__ import annotations

import pytest

from ibkr_webapi import EndpointRule, RateLimitPolicy
from ibkr_webapi.pacing import GATEWAY_RULES, Rate
from ibkr_webapi.pacing._policy import GLOBAL_KEY


@pytest.mark.parametrize(
    ("text", "count", "per"),
    [
        ("10/second", 10, 1.0),
        ("10/s", 10, 1.0),
        ("50 per second", 50, 1.0),
        ("1 per 5 seconds", 1, 5.0),
        ("1 per 15 minutes", 1, 900.0),
        ("1/minute", 1, 60.0),
        ("10 per 500 ms", 10, 0.5),
        ("3 per 2 hours", 3, 7200.0),
    ],
)
def test_rates_parse(text: str, count: int, per: float) -> None:
    rate = Rate.parse(text)
    assert (rate.count, rate.per) == (count, per)
    assert Rate.parse(str(rate)) == rate


@pytest.mark.parametrize("text", ["fast", "10", "0/second", "10/fortnight", "ten/second"])
def test_bad_rates_are_refused_with_the_notation(text: str) -> None:
    with pytest.raises(ValueError, match="'10/second'"):
        EndpointRule("GET", "/x", rate=text)


def test_interval_spaces_requests_over_the_window_plus_margin() -> None:
    assert Rate(10, 1.0).interval(0.1) == pytest.approx(0.1101)  # + 1 ms timer slack
    assert Rate(1, 5.0).interval(0.1) == pytest.approx(5.101)


def test_every_documented_gateway_limit_is_known() -> None:
    """gateway-behaviour.md's table, row by row."""
    policy = RateLimitPolicy()
    assert policy.global_rate == Rate(10, 1.0)
    assert RateLimitPolicy.oauth().global_rate == Rate(50, 1.0)

    def rate_of(method: str, path: str) -> set[Rate | None]:
        return {r.rate for r in policy.matching(method, path)}

    assert rate_of("GET", "/iserver/marketdata/snapshot") == {Rate(10, 1.0)}
    assert [r.max_in_flight for r in policy.matching("GET", "/iserver/marketdata/history")] == [5]
    for path in (
        "/iserver/account/orders",
        "/iserver/account/trades",
        "/iserver/account/pnl/partitioned",
        "/portfolio/accounts",
        "/portfolio/subaccounts",
    ):
        assert rate_of("GET", path) == {Rate(1, 5.0)}, path
    assert rate_of("POST", "/tickle") == {Rate(1, 1.0)}
    assert rate_of("POST", "/iserver/scanner/run") == {Rate(1, 1.0)}
    assert rate_of("GET", "/fyi/unreadnumber") == {Rate(1, 1.0)}
    assert rate_of("PUT", "/fyi/settings/M8") == {Rate(1, 1.0)}
    for method, path in (
        ("GET", "/iserver/scanner/params"),
        ("POST", "/pa/performance"),
        ("POST", "/pa/summary"),
        ("POST", "/pa/transactions"),
    ):
        assert rate_of(method, path) == {Rate(1, 900.0)}, path
    assert rate_of("GET", "/sso/validate") == {Rate(1, 60.0)}
    assert policy.matching("GET", "/iserver/accounts") == []
    assert [r.max_in_flight for r in policy.matching("GET", "/hmds/history")] == [5]
    assert len(GATEWAY_RULES) == 16


def test_demand_holds_every_matching_limit_and_the_global_one() -> None:
    demand = RateLimitPolicy().demand("GET", "/iserver/marketdata/snapshot")
    assert [(lim.key, round(lim.interval, 3)) for lim in demand.limits] == [
        ("GET /iserver/marketdata/snapshot", 0.11),
        (GLOBAL_KEY, 0.11),
    ]
    history = RateLimitPolicy().demand("GET", "/iserver/marketdata/history")
    assert [(c.key, c.limit) for c in history.caps] == [("GET /iserver/marketdata/history", 5)]
    assert RateLimitPolicy().demand("GET", "/iserver/accounts").has_global
    assert not RateLimitPolicy(global_rate=None).demand("GET", "/iserver/accounts").limits


def test_policy_rules_can_be_overridden_added_and_removed() -> None:
    policy = RateLimitPolicy().with_rule(
        EndpointRule("GET", "/iserver/account/orders", rate="1/second")
    )
    assert [r.rate for r in policy.matching("GET", "/iserver/account/orders")] == [Rate(1, 1.0)]
    policy = policy.with_rule(EndpointRule("GET", "/iserver/watchlists", rate="2/second"))
    assert policy.matching("GET", "/iserver/watchlists")[0].rate == Rate(2, 1.0)
    policy = policy.without_rule("GET", "/iserver/watchlists")
    assert policy.matching("GET", "/iserver/watchlists") == []
    with pytest.raises(KeyError):
        policy.without_rule("GET", "/nope")


def test_scaled_policy_speeds_up_every_rate_but_not_the_caps() -> None:
    fast = RateLimitPolicy().scaled(10)
    assert fast.global_rate == Rate(100, 1.0)
    assert fast.matching("GET", "/portfolio/accounts")[0].rate == Rate(10, 5.0)
    assert fast.matching("GET", "/iserver/marketdata/history")[0].max_in_flight == 5
    assert fast.margin == RateLimitPolicy().margin


def test_margin_and_hold_must_be_sensible() -> None:
    with pytest.raises(ValueError, match="margin"):
        RateLimitPolicy(margin=-1)
    with pytest.raises(ValueError, match="penalty_hold"):
        RateLimitPolicy(penalty_hold=float("nan"))
    assert RateLimitPolicy().penalty_hold == 900.0
