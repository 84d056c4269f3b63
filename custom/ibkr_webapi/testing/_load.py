"""A load generator for pacing tests and benchmarks: many mixed requests through one IBKRClient.

    python -m ibkr_webapi.testing._load --url URL --ca CA.pem --count 250 --scale 10 --store host

prints one JSON object: how many requests were made, how many failed and why. Tests and
``bench/pacing.py`` start several of these as worker processes sharing one simulated gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
from typing import Any

ACCOUNT = "U1234567"
AAPL = 265598

# (weight, method, path, JSON body): mostly cheap reads, a few of every kind IBKR limits.
MIXED: tuple[tuple[int, str, str, dict[str, Any] | None], ...] = (
    (20, "GET", "/iserver/accounts", None),
    (12, "GET", f"/portfolio/{ACCOUNT}/positions/0", None),
    (8, "GET", f"/portfolio/{ACCOUNT}/summary", None),
    (12, "GET", f"/iserver/marketdata/snapshot?conids={AAPL}&fields=31,84,86", None),
    (8, "GET", f"/iserver/marketdata/history?conid={AAPL}&period=1d&bar=1h", None),
    (12, "POST", "/iserver/secdef/search", {"symbol": "AAPL"}),
    (12, "GET", f"/iserver/contract/{AAPL}/info", None),
    (4, "POST", "/tickle", {}),
    (1, "GET", "/portfolio/accounts", None),
    (1, "GET", "/iserver/account/pnl/partitioned", None),
    (1, "GET", "/iserver/account/orders", None),
)
# Requests limited only by the global rate: what the throughput benchmark sends.
GLOBAL_ONLY: tuple[tuple[int, str, str, dict[str, Any] | None], ...] = (
    (1, "GET", "/iserver/accounts", None),
    (1, "GET", f"/iserver/contract/{AAPL}/info", None),
    (1, "POST", "/iserver/secdef/search", {"symbol": "MSFT"}),
)
MIXES = {"mixed": MIXED, "global": GLOBAL_ONLY}


def workload(
    count: int, seed: int, mix: str = "mixed"
) -> list[tuple[str, str, dict[str, Any] | None]]:
    """``count`` requests drawn from ``mix`` with a seeded generator (the same list every run)."""
    table = MIXES[mix]
    rng = random.Random(seed)
    weights = [w for w, *_ in table]
    return [(m, p, b) for _, m, p, b in rng.choices(table, weights=weights, k=count)]


async def run_load(
    url: str,
    ca: str,
    *,
    count: int,
    scale: int = 1,
    store: str = "host",
    seed: int = 0,
    mix: str = "mixed",
    concurrency: int = 32,
    start_at: float | None = None,
) -> dict[str, Any]:
    """Send ``count`` requests through one client with IBKR's limits scaled by ``scale``."""
    from ibkr_webapi import IBKRClient, Pacer, RateLimitPolicy, RetryPolicy, errors

    pacer = Pacer(RateLimitPolicy().scaled(scale) if scale != 1 else RateLimitPolicy(), store=store)
    outcomes: Counter[str] = Counter()
    retry_after: list[float] = []
    calls = workload(count, seed, mix)
    queue: asyncio.Queue[tuple[str, str, dict[str, Any] | None]] = asyncio.Queue()
    for call in calls:
        queue.put_nowait(call)
    async with IBKRClient(
        url, verify=ca, keepalive=None, pacer=pacer, retry=RetryPolicy(max_rate_limit_wait=1.0)
    ) as ib:
        http = ib.raw.get_async_httpx_client()
        if start_at is not None:
            await asyncio.sleep(max(0.0, start_at - time.time()))
        started = time.monotonic()
        started_at = time.time()
        cpu = time.process_time()

        async def worker() -> None:
            while not queue.empty():
                method, path, body = queue.get_nowait()
                try:
                    response = await http.request(method, path, json=body)
                    await response.aread()
                except errors.RateLimitError as exc:
                    outcomes["RateLimitError"] += 1
                    retry_after.append(exc.retry_after or -1.0)
                    continue
                except Exception as exc:
                    outcomes[type(exc).__name__] += 1
                    continue
                outcomes[str(response.status_code)] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
        ended_at = time.time()
        cpu = time.process_time() - cpu
    await pacer.aclose()
    return {
        "requests": count,
        "outcomes": dict(outcomes),
        "status_429": outcomes.get("429", 0),
        "ok": sum(n for k, n in outcomes.items() if k.startswith("2")),
        "elapsed": elapsed,
        "started_at": started_at,
        "ended_at": ended_at,
        "cpu_seconds": cpu,
        "retry_after": retry_after,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--count", type=int, default=250)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--store", default="host")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mix", choices=sorted(MIXES), default="mixed")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--start-at", type=float, default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(
        run_load(
            args.url,
            args.ca,
            count=args.count,
            scale=args.scale,
            store=args.store,
            seed=args.seed,
            mix=args.mix,
            concurrency=args.concurrency,
            start_at=args.start_at,
        )
    )
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
