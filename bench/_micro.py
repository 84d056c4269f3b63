"""In-process figures (no socket): parsing rates, the simulator's page time, mock-transport overhead.

``python -m bench._micro '<json options>'`` prints one JSON line. These rows add detail; they never
stand in for the real-socket figures of :mod:`bench._worker`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench._worker import SNAPSHOT_FIELDS


def _best_of(function: Callable[[], object], repeats: int, inner: int) -> float:
    """Median seconds per call over ``repeats`` batches of ``inner`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            function()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def snapshot_rows(count: int = 100) -> list[dict[str, Any]]:
    """Rows as the simulator writes them for SNAPSHOT_FIELDS (real contracts and synthetic ones)."""
    from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig

    sim = GatewaySimulator(SimulatorConfig(positions={"U1234567": count}, snapshot_preflight=False))
    conids = list(sim.portfolio.holdings["U1234567"])[:count]
    rows: list[dict[str, Any]] = sim.snapshots.snapshot(
        conids, list(SNAPSHOT_FIELDS), sim.now(), sim.session.generation, lambda _c: None
    )
    return rows


def parse_rate(repeats: int) -> dict[str, float]:
    """Snapshot values turned into Quote values per second (100 rows x 20 fields a batch): as the
    client reads an answer (by columns), and one row at a time (``Quote.from_row``)."""
    from ibkr_webapi import Quote

    rows = snapshot_rows()
    values = sum(len([k for k in row if k.isdecimal()]) for row in rows)
    per_answer = _best_of(lambda: Quote._from_owned_rows([dict(row) for row in rows]), repeats, 20)
    per_row = _best_of(lambda: [Quote.from_row(row) for row in rows], repeats, 20)
    return {
        "values_per_second": values / per_answer,
        "batch_ms": per_answer * 1e3,
        "row_by_row_ms": per_row * 1e3,
        "values": values,
    }


def conid_check(count: int = 20_000) -> float:
    """Milliseconds to check and de-duplicate ``count`` conids (linear, not quadratic)."""
    from ibkr_webapi.ids import check_conids

    conids = list(range(1, count + 1)) * 2
    return _best_of(lambda: check_conids(conids), 5, 1) * 1e3


def simulator_page_times(sizes: tuple[int, ...], repeats: int) -> dict[str, float]:
    """Milliseconds the simulator takes to serve one positions page, by portfolio size."""
    from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig

    result = {}
    for size in sizes:
        sim = GatewaySimulator(SimulatorConfig(positions={"U1234567": size}))
        page = (size // 100) // 2
        now = sim.now()
        portfolio = sim.portfolio
        portfolio.positions_page("U1234567", page, 100, now)  # the first call may build an index
        result[str(size)] = (
            _best_of(
                lambda p=portfolio, n=page, t=now: p.positions_page("U1234567", n, 100, t),
                repeats,
                5,
            )  # type: ignore[misc]
            * 1e3
        )
    return result


async def mock_overhead(count: int) -> dict[str, float]:
    """Microseconds per call with a mock transport (no socket): ours minus bare httpx."""
    from ibkr_webapi import IBKRClient, RateLimitPolicy

    body = json.dumps({"accounts": ["U1234567"], "selectedAccount": "U1234567"}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    base = "https://bench.test/v1/api"

    async def timed(call: Callable[[], Any]) -> float:
        for _ in range(100):
            await call()
        start = time.process_time()
        for _ in range(count):
            await call()
        return (time.process_time() - start) / count

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=base) as bare:

        async def bare_call() -> object:
            return json.loads((await bare.get("/iserver/accounts")).content)

        bare_time = await timed(bare_call)
    async with IBKRClient(
        base,
        transport=httpx.MockTransport(handler),
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
    ) as ib:
        ours_time = await timed(ib.accounts)
    return {"bare_us": bare_time * 1e6, "ours_us": ours_time * 1e6}


def main() -> int:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    repeats = int(options.get("repeats", 7))
    result = {
        "parse": parse_rate(repeats),
        "conids_20k_ms": conid_check(),
        "sim_page_ms": simulator_page_times((1_000, 10_000, 30_000), repeats),
        "mock": asyncio.run(mock_overhead(int(options.get("mock_calls", 2_000)))),
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
