"""Pacing within IBKR's rate limits, shared by every client, process and host that uses a gateway.

* :class:`RateLimitPolicy` / :class:`EndpointRule` / :class:`Rate`: what is enforced (IBKR's
  published limits by default), with a margin for arrival jitter and the hold after a 429.
* :class:`Pacer`: the scheduler. Requests are spaced evenly (a GCRA / virtual-scheduling
  schedule per limit, all limits of a request at once), taken in a fair order, and held back
  entirely during a 429 penalty or while another task holds the order gate.
* Stores, where the budget lives: :class:`HostStore` (default: every process on this machine),
  :class:`MemoryStore` (this process), :class:`RedisStore` (every host; the ``redis`` extra).
"""

from __future__ import annotations

from ._host import HostStore, default_state_dir
from ._memory import MemoryStore
from ._pacer import Pacer, Permit
from ._policy import GATEWAY_RULES, EndpointRule, RateLimitPolicy
from ._rates import Rate
from ._redis import RedisStore
from ._store import Outcome, Slot, Store

__all__ = [
    "GATEWAY_RULES",
    "EndpointRule",
    "HostStore",
    "MemoryStore",
    "Outcome",
    "Pacer",
    "Permit",
    "Rate",
    "RateLimitPolicy",
    "RedisStore",
    "Slot",
    "Store",
    "default_state_dir",
]
