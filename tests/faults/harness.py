"""The fault suite's harness: simulator variants, a client wired to one, and the run's figures.

Each variant models one gateway behaviour an exactly-once client must survive: a cOID guard scoped
to the brokerage session (what IBKR documents), no guard at all, a guard that words its refusal
differently, and live orders that lag behind placement. The client talks to the simulator
in-process (ASGI) unless a test says otherwise; the simulator's own order book is the ground truth.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections import Counter
from collections.abc import Mapping
from typing import Any

import httpx

from ibkr_webapi import IBKRClient, PreflightPolicy, RateLimitPolicy, RetryPolicy
from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig

ACCOUNT = "U1234567"
AAPL, IBM, MSFT = 265598, 8314, 272093
BASE_URL = "https://localhost:5000/v1/api"

# One TLS context for every in-process client (building one per client loads the CA bundle).
TLS = ssl.create_default_context()

# Short delays keep the suite quick; the settle delay covers the lagging variant's lag.
LIVE_ORDERS_LAG = 0.15
SETTLE_DELAY = 0.25

_COMMON = SimulatorConfig(
    rate_limits=False,
    order_submit_delay=0.01,
    order_fill_delay=0.02,
    live_orders_scope="session",
)

VARIANTS: Mapping[str, SimulatorConfig] = {
    # IBKR's documented guard: a cOID is refused when seen before in this brokerage session.
    "session-guard": dataclasses.replace(_COMMON, duplicate_coid_guard="session"),
    # A gateway whose guard fails: every copy of a cOID is placed.
    "no-guard": dataclasses.replace(_COMMON, duplicate_coid_guard="none"),
    # The guard says it in other words, without naming the cOID.
    "other-wording": dataclasses.replace(
        _COMMON,
        duplicate_coid_guard="session",
        duplicate_coid_refusal=(
            "This order was rejected because an order with the same local ID already exists."
        ),
    ),
    # New orders show among live orders only after a while, and nothing else guards.
    "lagging-live-orders": dataclasses.replace(
        _COMMON, duplicate_coid_guard="none", live_orders_lag=LIVE_ORDERS_LAG
    ),
}
GUARDED = frozenset({"session-guard", "other-wording"})


def simulator(variant: str, **changes: Any) -> GatewaySimulator:
    """A fresh simulator of one variant."""
    return GatewaySimulator(dataclasses.replace(VARIANTS[variant], **changes))


def client(sim: GatewaySimulator, **overrides: Any) -> IBKRClient:
    """A client on ``sim`` (in-process), with fast retries and polls and no pacing."""
    options: dict[str, Any] = {
        "transport": httpx.ASGITransport(app=sim.app),
        "verify": TLS,
        "keepalive": None,
        "rate_limits": RateLimitPolicy.off(),
        "retry": RetryPolicy(initial_delay=0.001, max_delay=0.005),
        "preflight": PreflightPolicy(max_polls=6, interval=0.005),
        "reauth_poll_interval": 0.005,
        "reauth_timeout": 2.0,
    }
    options.update(overrides)
    ib = IBKRClient(BASE_URL, account_id=ACCOUNT, **options)
    ib.orders.flow.settle_delay = SETTLE_DELAY
    return ib


def copies(sim: GatewaySimulator, c_oid: str) -> int:
    """How many orders carry ``c_oid`` in the simulator's book (more than one is a duplicate)."""
    return sim.orders.copies().get(c_oid, 0)


@dataclasses.dataclass
class Figures:
    """What the suite ran and saw; printed at the end of the run and asserted by the tests."""

    placements: Counter[str] = dataclasses.field(default_factory=Counter)  # by variant
    faults: Counter[str] = dataclasses.field(default_factory=Counter)  # by kind
    outcomes: Counter[str] = dataclasses.field(default_factory=Counter)
    duplicates: int = 0
    failed_while_live: list[str] = dataclasses.field(default_factory=list)
    untyped: list[str] = dataclasses.field(default_factory=list)
    unknown_without_coid: int = 0
    unknown_present: int = 0
    unknown_absent: int = 0
    retries: Counter[str] = dataclasses.field(default_factory=Counter)
    unknown_by_fault: Counter[str] = dataclasses.field(default_factory=Counter)
    other: dict[str, int] = dataclasses.field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{name}: {value}" for name, value in sorted(self.other.items())]
        if not self.placements:
            return out
        out += [
            f"faulted placements: {sum(self.placements.values())} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(self.placements.items()))})",
            f"faults by kind: {', '.join(f'{k} {v}' for k, v in sorted(self.faults.items()))}",
            f"outcomes: {', '.join(f'{k} {v}' for k, v in sorted(self.outcomes.items()))}",
            f"unknown (order present / absent): {self.unknown_present} / {self.unknown_absent}",
            f"retries of the same cOID after unknown: "
            f"{', '.join(f'{k} {v}' for k, v in sorted(self.retries.items())) or 'none'}",
            f"duplicates: {self.duplicates}; rejected/failed while live: "
            f"{len(self.failed_while_live)}; untyped exceptions: {len(self.untyped)}; "
            f"unknown without cOID: {self.unknown_without_coid}",
        ]
        out += [f"unknown after: {k}: {v}" for k, v in sorted(self.unknown_by_fault.items())]
        return out


FIGURES = Figures()
