"""One measurement in a fresh process: ``python -m bench._worker '<json task>'``.

Prints one JSON line with the figures. Every client gets the same process start, the same warm-up and
the same server; CPU is the process's CPU time (``time.process_time``: every thread counts), not wall.

Clients: ``ours`` (IBKRClient, pacing off), ``ours_aio`` (the same on ``http_backend="aiohttp"``),
``ours_pacer`` (pacing on, with limits raised so that it
never waits: what the bookkeeping costs), ``bare`` (one ``httpx.AsyncClient`` and ``json.loads``) and
``ibind`` (synchronous, measured with a plain loop: no threads, no event loop).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import ssl
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

SNAPSHOT_FIELDS = (
    "31", "55", "70", "71", "82", "83", "84", "85", "86", "87",
    "88", "6509", "7059", "7295", "7296", "7741", "7051", "7635", "7762", "7087",
)  # fmt: skip
"""20 fields of every kind (prefixed prices, sizes with separators, K/M/B, percent, text, codes),
none of them a field the simulator sends late: one request answers every client."""
HISTORY = {"period": "5d", "bar": "5min"}  # 1,440 bars asked, the gateway's 1,000 sent


# ------------------------------------------------------------------------------ helpers


def _lag_ticker(lags: list[float], stop: asyncio.Event) -> Awaitable[None]:
    async def tick() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.010)
            lags.append(time.perf_counter() - start - 0.010)

    return tick()


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class _StepTimer:
    """The longest event-loop steps, in CPU time of this thread (immune to descheduling).

    Garbage-collector pauses are counted apart (``gc.callbacks``): a full collection runs inside
    whichever step allocates when the heap has grown, and its length depends on every object the
    process holds, whoever made them.
    """

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_own = 0.0  # the longest step minus the collections that ran inside it
        self.longest_gc = 0.0
        self._gc_total = 0.0
        self._gc_start = 0.0
        self._original: Any = None

    def _on_gc(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.thread_time()
        else:
            spent = time.thread_time() - self._gc_start
            self._gc_total += spent
            self.longest_gc = max(self.longest_gc, spent)

    def __enter__(self) -> _StepTimer:
        handle = asyncio.events.Handle
        original = self._original = handle._run
        timer = self

        def timed_run(self: asyncio.Handle) -> None:
            start, collected = time.thread_time(), timer._gc_total
            original(self)
            spent = time.thread_time() - start
            timer.longest = max(timer.longest, spent)
            timer.longest_own = max(timer.longest_own, spent - (timer._gc_total - collected))

        handle._run = timed_run  # type: ignore[method-assign]
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]
        gc.callbacks.remove(self._on_gc)


async def _timed_async(call: Callable[[], Awaitable[object]], count: int) -> dict[str, float]:
    for _ in range(max(3, count // 10)):  # warm-up: connections, caches, first-call imports
        await call()
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        await call()
    return {
        "cpu": (time.process_time() - cpu) / count,
        "wall": (time.perf_counter() - wall) / count,
    }


def _timed_sync(call: Callable[[], object], count: int) -> dict[str, float]:
    for _ in range(max(3, count // 10)):
        call()
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        call()
    return {
        "cpu": (time.process_time() - cpu) / count,
        "wall": (time.perf_counter() - wall) / count,
    }


async def _measure_fetch(
    fetch: Callable[[], Awaitable[int]], expected: int, traced: bool = True
) -> dict[str, float]:
    """Wall and CPU of one full fetch, then its peak traced memory in a second, traced, run."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    count = await fetch()
    result = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}
    if count != expected:
        raise SystemExit(f"expected {expected} items, got {count}")
    if not traced:
        return result
    gc.collect()
    tracemalloc.start()  # tracing slows Python several times: a run of its own
    await fetch()
    result["peak"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result


# ------------------------------------------------------------------------------ our client


def _ours(task: dict[str, Any], *, pacer: bool = False) -> Any:
    from ibkr_webapi import EndpointRule, IBKRClient, RateLimitPolicy

    # ``ours_aio``: the same client on the aiohttp network layer (http_backend="aiohttp").
    backend = "aiohttp" if task.get("client") == "ours_aio" else "httpx"

    if pacer:
        # The gateway's rule set, every rate raised so that nothing waits: the pacer's own cost.
        policy = RateLimitPolicy().with_global_rate("100000/second")
        policy = policy.with_rule(
            EndpointRule("GET", "/iserver/marketdata/snapshot", rate="100000/second")
        )
    else:
        policy = RateLimitPolicy.off()
    return IBKRClient(
        task["url"], verify=task["ca"], keepalive=None, rate_limits=policy, http_backend=backend
    )


async def ours_calls(task: dict[str, Any], pacer: bool) -> dict[str, Any]:
    counts, conids = task["counts"], task["conids"]
    async with _ours(task, pacer=pacer) as ib:
        await ib.accounts()
        await ib.portfolio_accounts()
        account = task["summary_account"]

        async def snapshot() -> None:
            quotes = await ib.snapshot(conids, SNAPSHOT_FIELDS)
            if len(quotes) != len(conids) or not quotes[-1].has(SNAPSHOT_FIELDS):
                raise SystemExit("snapshot: incomplete answer")

        ops: dict[str, Callable[[], Awaitable[object]]] = {
            "accounts": ib.accounts,
            "summary": lambda: ib.account_summary(account),
            "snapshot": snapshot,
            "history": lambda: ib.history(task["history_conid"], **HISTORY),
        }
        result = {name: await _timed_async(ops[name], counts[name]) for name in task["ops"]}
        bars = len((await ib.history(task["history_conid"], **HISTORY)).bars)
        result["history_bars"] = bars
        return result


async def bare_calls(task: dict[str, Any]) -> dict[str, Any]:
    import httpx

    counts, conids = task["counts"], task["conids"]
    context = ssl.create_default_context(cafile=task["ca"])
    async with httpx.AsyncClient(base_url=task["url"], verify=context) as client:

        async def get(path: str, **params: str) -> Any:
            response = await client.get(path, params=params or None)
            response.raise_for_status()
            return json.loads(response.content)

        await get("/iserver/accounts")
        await get("/portfolio/accounts")
        account = task["summary_account"]
        snapshot_params = {
            "conids": ",".join(map(str, conids)),
            "fields": ",".join(SNAPSHOT_FIELDS),
        }

        async def snapshot() -> None:
            rows = await get("/iserver/marketdata/snapshot", **snapshot_params)
            if len(rows) != len(conids):
                raise SystemExit("snapshot: incomplete answer")

        ops: dict[str, Callable[[], Awaitable[object]]] = {
            "accounts": lambda: get("/iserver/accounts"),
            "summary": lambda: get(f"/portfolio/{account}/summary"),
            "snapshot": snapshot,
            "history": lambda: get(
                "/iserver/marketdata/history", conid=str(task["history_conid"]), **HISTORY
            ),
        }
        return {name: await _timed_async(ops[name], counts[name]) for name in task["ops"]}


def _ibind(task: dict[str, Any]) -> Any:
    # Its console and file logs off: ibind measured doing HTTP and JSON, not writing log files.
    os.environ.setdefault("IBIND_LOG_TO_FILE", "false")
    os.environ.setdefault("IBIND_LOG_TO_CONSOLE", "false")
    from ibind import IbkrClient

    return IbkrClient(url=task["url"] + "/", cacert=task["ca"], auto_register_shutdown=False)


def ibind_calls(task: dict[str, Any]) -> dict[str, Any]:
    counts, conids = task["counts"], [str(c) for c in task["conids"]]
    client = _ibind(task)
    client.portfolio_accounts()
    client.receive_brokerage_accounts()
    account = task["summary_account"]

    def snapshot() -> None:
        rows = client.live_marketdata_snapshot(conids, list(SNAPSHOT_FIELDS)).data
        if len(rows) != len(conids):
            raise SystemExit("snapshot: incomplete answer")

    ops: dict[str, Callable[[], object]] = {
        "accounts": client.receive_brokerage_accounts,
        "summary": lambda: client.portfolio_summary(account),
        "snapshot": snapshot,
        "history": lambda: client.marketdata_history_by_conid(
            str(task["history_conid"]), HISTORY["bar"], period=HISTORY["period"]
        ),
    }
    result = {name: _timed_sync(ops[name], counts[name]) for name in task["ops"]}
    client.close()
    return result


# ------------------------------------------------------------------------------ positions


async def ours_positions(task: dict[str, Any]) -> dict[str, Any]:
    account, expected = task["account"], task["expected"]
    async with _ours(task) as ib:
        await ib.accounts()
        await ib.portfolio_accounts()

        async def as_list() -> int:
            return len(await ib.all_positions(account))

        async def streamed() -> int:
            count = 0
            async for _position in ib.positions(account):
                count += 1
            return count

        await ib.positions_page(account, 0)  # warm-up
        traced = task["traced"]
        result = {"list": await _measure_fetch(as_list, expected, traced)}
        result["iter"] = await _measure_fetch(streamed, expected, traced)
        return result


async def bare_positions(task: dict[str, Any]) -> dict[str, Any]:
    import httpx

    account, expected = task["account"], task["expected"]
    context = ssl.create_default_context(cafile=task["ca"])
    async with httpx.AsyncClient(base_url=task["url"], verify=context) as client:

        async def page(number: int) -> list[Any]:
            response = await client.get(f"/portfolio/{account}/positions/{number}")
            response.raise_for_status()
            items: list[Any] = json.loads(response.content)
            return items

        await client.get("/iserver/accounts")
        await client.get("/portfolio/accounts")
        await page(0)

        async def as_list() -> int:
            every: list[Any] = []
            number, size = 0, 0
            while True:
                items = await page(number)
                every.extend(items)
                if not items or len(items) < size:
                    return len(every)
                size, number = max(size, len(items)), number + 1

        return {"list": await _measure_fetch(as_list, expected, task["traced"])}


def ibind_positions(task: dict[str, Any]) -> dict[str, Any]:
    account, expected = task["account"], task["expected"]
    client = _ibind(task)
    client.receive_brokerage_accounts()
    client.portfolio_accounts()
    client.positions(account, 0)

    def as_list() -> int:
        every: list[Any] = []
        number, size = 0, 0
        while True:
            items = client.positions(account, number).data
            every.extend(items)
            if not items or len(items) < size:
                return len(every)
            size, number = max(size, len(items)), number + 1

    async def fetch() -> int:
        return as_list()  # synchronous inside: nothing else runs while it does

    result = asyncio.run(_measure_fetch(fetch, expected, task["traced"]))
    client.close()
    return {"list": result}


# ------------------------------------------------------------------------------ the event loop


async def loop_lag(task: dict[str, Any]) -> dict[str, Any]:
    """Lag of a 10 ms ticker while ``concurrent`` calls run at once (GET /iserver/accounts)."""
    import httpx

    concurrent = task["concurrent"]
    if task["client"] == "bare":
        context = ssl.create_default_context(cafile=task["ca"])
        client = httpx.AsyncClient(base_url=task["url"], verify=context)

        async def call() -> object:
            response = await client.get("/iserver/accounts")
            response.raise_for_status()
            return json.loads(response.content)

        close: Callable[[], Awaitable[None]] = client.aclose
    else:
        ib = _ours(task)

        async def call() -> object:
            return await ib.accounts()

        close = ib.aclose
    seconds = task.get("seconds", 3.0)
    done = 0

    async def keep_calling(deadline: float) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call()
            done += 1

    try:
        await asyncio.gather(*(call() for _ in range(100)))  # warm-up: open the pool
        lags: list[float] = []
        stop = asyncio.Event()
        ticker = asyncio.ensure_future(_lag_ticker(lags, stop))
        await asyncio.sleep(0.05)
        start = time.perf_counter()
        # `concurrent` calls in flight all the time: each task calls again as soon as it is answered.
        await asyncio.gather(*(keep_calling(start + seconds) for _ in range(concurrent)))
        wall = time.perf_counter() - start
        stop.set()
        await ticker
    finally:
        await close()
    return {
        "p99": _percentile(lags, 0.99),
        "max": max(lags),
        "calls_per_second": done / wall,
        "ticks": len(lags),
    }


async def _watched(work: Awaitable[Any]) -> tuple[Any, dict[str, float]]:
    lags: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.ensure_future(_lag_ticker(lags, stop))
    with _StepTimer() as steps:
        value = await work
    stop.set()
    await ticker
    return value, {
        "step": steps.longest,
        "own": steps.longest_own,
        "gc": steps.longest_gc,
        "lag_max": max(lags),
    }


async def blocking(task: dict[str, Any]) -> dict[str, Any]:
    """The longest loop step while reading many positions, then quoting many conids."""
    account, expected, conid_count = task["account"], task["expected"], task["conids"]
    result: dict[str, Any] = {}
    if task["client"] == "bare":
        import httpx

        context = ssl.create_default_context(cafile=task["ca"])
        async with httpx.AsyncClient(base_url=task["url"], verify=context) as client:

            async def get(path: str, **params: str) -> Any:
                response = await client.get(path, params=params or None)
                response.raise_for_status()
                return json.loads(response.content)

            async def every_page() -> list[Any]:
                every: list[Any] = []
                number = 0
                while items := await get(f"/portfolio/{account}/positions/{number}"):
                    every.extend(items)
                    number += 1
                return every

            async def quotes(conids: list[int]) -> list[Any]:
                rows: list[Any] = []
                for start in range(0, len(conids), 100):
                    chunk = ",".join(map(str, conids[start : start + 100]))
                    rows += await get(
                        "/iserver/marketdata/snapshot",
                        conids=chunk,
                        fields=",".join(SNAPSHOT_FIELDS),
                    )
                return rows

            await get("/iserver/accounts")
            await get("/portfolio/accounts")
            positions, result["positions"] = await _watched(every_page())
            conids = [p["conid"] for p in positions][:conid_count]
            rows, result["snapshot"] = await _watched(quotes(conids))
    else:
        async with _ours(task) as ib:
            await ib.accounts()
            await ib.portfolio_accounts()
            await ib.positions_page(account, 0)
            positions, result["positions"] = await _watched(ib.all_positions(account))
            conids = [p.conid for p in positions][:conid_count]
            rows, result["snapshot"] = await _watched(ib.snapshot(conids, SNAPSHOT_FIELDS))
    if len(positions) != expected or len(rows) != conid_count:
        raise SystemExit(f"expected {expected} positions and {conid_count} quotes")
    return result


def main() -> int:
    task = json.loads(sys.argv[1])
    kind, client = task["kind"], task.get("client")
    result: Any
    if kind == "calls":
        if client == "ibind":
            result = ibind_calls(task)
        elif client == "bare":
            result = asyncio.run(bare_calls(task))
        else:
            result = asyncio.run(ours_calls(task, pacer=client == "ours_pacer"))
    elif kind == "positions":
        runner = {"ours": ours_positions, "ours_aio": ours_positions, "bare": bare_positions}
        result = ibind_positions(task) if client == "ibind" else asyncio.run(runner[client](task))
    elif kind == "lag":
        result = asyncio.run(loop_lag(task))
    elif kind == "block":
        result = asyncio.run(blocking(task))
    else:
        raise SystemExit(f"unknown task kind {kind!r}")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
