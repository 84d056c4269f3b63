"""What the pacer enforces: IBKR's published limits as rules, and what one request needs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from .._paths import EndpointPattern
from .._validators import optional_at_least
from ..errors import ConfigurationError
from ._rates import Rate

__all__ = [
    "GATEWAY_RULES",
    "GLOBAL_KEY",
    "Cap",
    "Demand",
    "EndpointRule",
    "Limit",
    "RateLimitPolicy",
]

GLOBAL_KEY = "*"


def _rate(value: str | Rate | None) -> Rate | None:
    return None if value is None else Rate.parse(value)


def _method(value: str) -> str:
    return str(value).strip().upper() or "*"


def _path(value: str) -> str:
    path = str(value).strip().rstrip("/") or "/"
    if not path.startswith("/"):
        raise ConfigurationError(
            f"rule paths start with '/' and are relative to the API base: {value!r}"
        )
    return path


def _rules(values: Iterable[EndpointRule]) -> tuple[EndpointRule, ...]:
    rules = tuple(values)
    for rule in rules:
        if not isinstance(rule, EndpointRule):
            raise ConfigurationError(f"rules must be EndpointRule objects, got {rule!r}")
    return rules


@attrs.frozen
class EndpointRule:
    """A limit for the requests matching ``method`` and ``path``.

    ``path`` is relative to the API base path, as IBKR documents it: ``/iserver/marketdata/snapshot``.
    ``{name}`` or ``*`` match one path segment, ``**`` any number (``/fyi/**``); ``method`` may be
    ``"*"``. ``rate`` is a :class:`Rate` or its text (``"10/second"``, ``"1 per 5 seconds"``);
    ``max_in_flight`` caps how many such requests may run at once. Every matching rule applies.
    """

    method: str = attrs.field(converter=_method)
    path: str = attrs.field(converter=_path)
    rate: Rate | None = attrs.field(default=None, converter=_rate)
    max_in_flight: int | None = attrs.field(default=None, validator=optional_at_least(1))
    _pattern: EndpointPattern = attrs.field(init=False, repr=False, eq=False, hash=False)

    @_pattern.default
    def _make_pattern(self) -> EndpointPattern:
        return EndpointPattern(self.method, self.path)

    @property
    def key(self) -> str:
        """``"GET /iserver/marketdata/snapshot"``: identifies the rule (and its budget)."""
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        return self._pattern.matches(method, path)


# IBKR's published limits (gateway-behaviour, docs/reliability.md). The global rate is separate.
GATEWAY_RULES: tuple[EndpointRule, ...] = (
    EndpointRule("GET", "/iserver/marketdata/snapshot", rate="10/second"),
    EndpointRule("GET", "/iserver/marketdata/history", max_in_flight=5),
    # The HMDS history answers the same requests from the same farm: held to the same 5 at once.
    EndpointRule("GET", "/hmds/history", max_in_flight=5),
    EndpointRule("GET", "/iserver/account/orders", rate="1 per 5 seconds"),
    EndpointRule("GET", "/iserver/account/trades", rate="1 per 5 seconds"),
    EndpointRule("GET", "/iserver/account/pnl/partitioned", rate="1 per 5 seconds"),
    EndpointRule("GET", "/portfolio/accounts", rate="1 per 5 seconds"),
    EndpointRule("GET", "/portfolio/subaccounts", rate="1 per 5 seconds"),
    EndpointRule("*", "/tickle", rate="1/second"),
    EndpointRule("POST", "/iserver/scanner/run", rate="1/second"),
    EndpointRule("*", "/fyi/**", rate="1/second"),
    EndpointRule("GET", "/iserver/scanner/params", rate="1 per 15 minutes"),
    EndpointRule("*", "/pa/performance", rate="1 per 15 minutes"),
    EndpointRule("*", "/pa/summary", rate="1 per 15 minutes"),
    EndpointRule("*", "/pa/transactions", rate="1 per 15 minutes"),
    EndpointRule("GET", "/sso/validate", rate="1/minute"),
)


@attrs.frozen
class Limit:
    """One spacing a request must respect: ``interval`` seconds since the last grant of ``key``."""

    key: str
    interval: float
    label: str


@attrs.frozen
class Cap:
    """At most ``limit`` requests of ``key`` in flight at once."""

    key: str
    limit: int


@attrs.frozen
class Demand:
    """Everything one request needs from the budget."""

    limits: tuple[Limit, ...]
    caps: tuple[Cap, ...]
    label: str

    @property
    def has_global(self) -> bool:
        return any(limit.key == GLOBAL_KEY for limit in self.limits)


_CACHE_SIZE = 4096


@attrs.frozen(kw_only=True)
class RateLimitPolicy:
    """What the pacer enforces. Immutable: derive variants with the ``with_``/``without_`` methods.

    * ``global_rate`` applies to every request (``None``: no global limit).
    * ``rules``: per-endpoint rates and concurrency caps (:data:`GATEWAY_RULES` by default).
    * ``margin`` (seconds) is added to every window, so a request may reach the gateway up to this
      late (connection set-up, network, the gateway's own queue) without the gateway counting one
      too many. 0.1 s holds with up to 100 ms of jitter and keeps 91 % of a 10/s limit.
    * ``penalty_hold``: after a 429 without ``Retry-After`` nothing is sent for this many seconds
      (IBKR documents a 10-15 minute penalty box; see docs/reliability.md).
    * ``max_wait``: a request that would wait longer than this many seconds raises
      :class:`~ibkr_webapi.errors.RateLimitError` (with ``retry_after``) instead; ``None`` waits.
    * ``enabled=False`` turns pacing off entirely (the order gate still works).
    """

    enabled: bool = True
    global_rate: Rate | None = attrs.field(default=Rate(10, 1.0), converter=_rate)
    rules: tuple[EndpointRule, ...] = attrs.field(default=GATEWAY_RULES, converter=_rules)
    margin: float = attrs.field(default=0.1, validator=optional_at_least(0))
    penalty_hold: float = attrs.field(default=900.0, validator=optional_at_least(0))
    max_wait: float | None = attrs.field(default=None, validator=optional_at_least(0))
    _index: dict[str, tuple[EndpointRule, ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )
    _cache: dict[tuple[str, str], Demand] = attrs.field(
        init=False, repr=False, eq=False, hash=False, factory=dict
    )

    @_index.default
    def _make_index(self) -> dict[str, tuple[EndpointRule, ...]]:
        # Rules grouped by their first path segment; a wildcard first segment goes everywhere.
        index: dict[str, list[EndpointRule]] = {}
        wild: list[EndpointRule] = []
        for rule in self.rules:
            first = rule.path.split("/")[1] if rule.path != "/" else ""
            if "*" in first or "{" in first:
                wild.append(rule)
            else:
                index.setdefault(first, []).append(rule)
        merged = {key: (*rules, *wild) for key, rules in index.items()}
        merged[""] = tuple(wild)
        return merged

    @classmethod
    def gateway(cls, **changes: Any) -> RateLimitPolicy:
        """IBKR's limits through the Client Portal gateway (the default): 10 requests/s overall."""
        return cls(**changes)

    @classmethod
    def oauth(cls, **changes: Any) -> RateLimitPolicy:
        """Direct access with OAuth (``api.ibkr.com``): 50 requests/s per username overall."""
        return cls(**{"global_rate": "50/second", **changes})

    @classmethod
    def off(cls) -> RateLimitPolicy:
        """No pacing at all (for tests against a simulator, or when something else paces)."""
        return cls(enabled=False)

    def disabled(self) -> RateLimitPolicy:
        return attrs.evolve(self, enabled=False)

    def with_global_rate(self, rate: str | Rate | None) -> RateLimitPolicy:
        return attrs.evolve(self, global_rate=rate)

    def with_rule(self, rule: EndpointRule) -> RateLimitPolicy:
        """This policy with ``rule`` added, replacing any rule with the same method and path."""
        kept = tuple(r for r in self.rules if r.key != rule.key)
        return attrs.evolve(self, rules=(*kept, rule))

    def without_rule(self, method: str, path: str) -> RateLimitPolicy:
        """This policy without the rule for ``method`` and ``path`` (as written in the rule)."""
        key = EndpointRule(method, path).key
        if not any(r.key == key for r in self.rules):
            raise KeyError(f"no rule for {key!r}; rules: {[r.key for r in self.rules]}")
        return attrs.evolve(self, rules=tuple(r for r in self.rules if r.key != key))

    def scaled(self, factor: int) -> RateLimitPolicy:
        """Every rate allowing ``factor`` times as many requests per window (caps and the margin
        unchanged): for a simulator whose limits are scaled the same way, so that tests and
        benchmarks run at 100/s instead of 10/s with the same jitter margin."""

        def scale(rate: Rate | None) -> Rate | None:
            return None if rate is None else Rate(rate.count * factor, rate.per)

        rules = tuple(attrs.evolve(rule, rate=scale(rule.rate)) for rule in self.rules)
        return attrs.evolve(self, global_rate=scale(self.global_rate), rules=rules)

    def matching(self, method: str, path: str) -> list[EndpointRule]:
        """The rules that apply to a request (``path`` relative to the API base)."""
        first = path.split("/", 2)[1] if path.startswith("/") and len(path) > 1 else ""
        candidates = self._index.get(first, self._index[""])
        return [rule for rule in candidates if rule.matches(method, path)]

    def demand(self, method: str, path: str) -> Demand:
        """What a request needs from the budget (cached per method and path)."""
        cache_key = (method, path)
        found = self._cache.get(cache_key)
        if found is not None:
            return found
        rules = self.matching(method, path)
        limits = [
            Limit(rule.key, rule.rate.interval(self.margin), f"{rule.key} ({rule.rate})")
            for rule in rules
            if rule.rate is not None
        ]
        if self.global_rate is not None:
            interval = self.global_rate.interval(self.margin)
            limits.append(Limit(GLOBAL_KEY, interval, f"every request ({self.global_rate})"))
        caps = tuple(
            Cap(rule.key, rule.max_in_flight) for rule in rules if rule.max_in_flight is not None
        )
        demand = Demand(tuple(limits), caps, f"{method} {path}")
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[cache_key] = demand
        return demand
