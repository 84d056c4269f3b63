"""`make bench`: every figure side by side in one run, over loopback HTTPS, with goals.

The gateway simulator runs in another process (``ibkr-webapi simulate --port 0 --no-rate-limits
--no-preflight``: our client runs with pacing off, and every client gets its answer in one request).
Each client is measured in fresh worker processes, in rounds that alternate the clients' order; a
figure is the median over the rounds. CPU is process CPU time, not wall. The exit code is 1 when a
goal is missed (each is listed), 2 when the run itself failed.

    python -m bench.run [--repeats 5] [--quick] [--markdown FILE] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import signal
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` as well as `python -m bench.run`
    sys.path.insert(0, str(ROOT))

from bench import _gateway  # noqa: E402
from bench._sections import PLUGINS, Goal, Section  # noqa: E402

SMALL_ACCOUNT = "U7654321"  # 4 positions while the call rows run: the summary stays cheap to serve
BIG_ACCOUNT = "U1234567"  # 10,000 positions
OPS = ("accounts", "summary", "snapshot", "history")
OP_TITLES = {
    "accounts": "GET /iserver/accounts",
    "summary": "GET /portfolio/{acct}/summary",
    "snapshot": "snapshot, 100 conids x 20 fields",
    "history": "history, 1,000 bars",
}
# ours_aio: our client on http_backend="aiohttp" (the `fast` extra); left out when not installed.
AIO = ("ours_aio",) if importlib.util.find_spec("aiohttp") is not None else ()
CALL_CLIENTS = ("ours", *AIO, "ours_pacer", "bare", "ibind")
CLIENT_TITLES = {
    "ours": "ours",
    "ours_aio": "ours, aiohttp",
    "ours_pacer": "ours, pacer on",
    "bare": "bare httpx",
    "ibind": "ibind",
}
CPU_GOALS = {"accounts": 1.2, "summary": 1.2, "snapshot": 1.5}


# ------------------------------------------------------------------------------ plumbing


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def _run_json(args: Sequence[str], timeout: float = 900) -> Any:
    """Run ``python args...`` and parse the JSON on the last line of its output."""
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stderr[-3000:]}{done.stdout[-1000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


_GATEWAY: list[_gateway.Gateway] = []  # the simulator of the run, checked when a worker fails


def worker(task: dict[str, Any]) -> Any:
    try:
        return _run_json(["-m", "bench._worker", json.dumps(task)])
    except RuntimeError:
        for gateway in _GATEWAY:
            gateway.check_alive()  # a clearer error when the simulator itself is gone
        raise


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _spread(values: Sequence[float]) -> float:
    """Half the range over the median: how much the rounds disagreed."""
    if len(values) < 2:
        return 0.0
    return (max(values) - min(values)) / 2 / statistics.median(values)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs" if seconds < 0.01 else f"{seconds * 1e3:,.1f} ms"


def _ratio(value: float, base: float) -> float:
    return value / base if base else float("nan")


def _paired(values: Sequence[float], bases: Sequence[float]) -> float:
    """Median of the per-round ratios: both measured in the same round, so that a slow spell of a
    shared machine weighs on both sides of each ratio."""
    return _median([_ratio(v, b) for v, b in zip(values, bases, strict=False)])


def _cell(ratio: float, text: str) -> str:
    return f"{ratio:.2f}x ({text})"


def _rounds(count: int, clients: Sequence[str]) -> list[list[str]]:
    """Client order per round, rotated so that no client always goes first."""
    return [[clients[(i + r) % len(clients)] for i in range(len(clients))] for r in range(count)]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _get_json(gateway: _gateway.Gateway, path: str) -> Any:
    context = ssl.create_default_context(cafile=gateway.ca)
    with urllib.request.urlopen(gateway.url + path, context=context, timeout=60) as answer:
        return json.loads(answer.read())


# ------------------------------------------------------------------------------ sections


def machine_notes() -> list[str]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in (
            "ibkr-webapi-client",
            "httpx",
            "httpcore",
            "sniffio",
            "aiohttp",
            "ibind",
            "requests",
            "orjson",
        )
    )
    return [
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, {cpu}",
        f"Python {platform.python_version()} ({platform.python_implementation()}); {packages}",
        f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]


def call_section(gateway: _gateway.Gateway, rounds: int, quick: bool) -> Section:
    _get_json(gateway, "/iserver/accounts")
    _get_json(gateway, "/portfolio/accounts")
    page = _get_json(gateway, f"/portfolio/{BIG_ACCOUNT}/positions/0")
    conids = [item["conid"] for item in page][:100]
    counts = (
        {"accounts": 60, "summary": 40, "snapshot": 10, "history": 8}
        if quick
        else {"accounts": 400, "summary": 250, "snapshot": 60, "history": 40}
    )
    base_task = {
        "kind": "calls",
        "url": gateway.url,
        "ca": gateway.ca,
        "counts": counts,
        "conids": conids,
        "summary_account": SMALL_ACCOUNT,
        "history_conid": conids[0],
        "ops": list(OPS),
    }
    cpu: dict[tuple[str, str], list[float]] = {}
    wall: dict[tuple[str, str], list[float]] = {}
    bars = None
    for number, order in enumerate(_rounds(rounds, CALL_CLIENTS), 1):
        log(f"  calls, round {number}/{rounds}: {', '.join(order)}")
        for client in order:
            result = worker({**base_task, "client": client})
            bars = result.pop("history_bars", bars)
            for op, figures in result.items():
                cpu.setdefault((client, op), []).append(figures["cpu"])
                wall.setdefault((client, op), []).append(figures["wall"])
    section = Section(
        "CPU per call (process CPU time; ratio to bare httpx + json.loads: median of the rounds' ratios)",
        ["call", *(CLIENT_TITLES[c] for c in CALL_CLIENTS), "spread", "goal"],
    )
    for op in OPS:
        med = {c: _median(cpu[(c, op)]) for c in CALL_CLIENTS}
        goal = CPU_GOALS.get(op)
        section.rows.append(
            [
                OP_TITLES[op],
                *(
                    _cell(_paired(cpu[(c, op)], cpu[("bare", op)]), _us(med[c]))
                    for c in CALL_CLIENTS
                ),
                f"±{max(_spread(cpu[(c, op)]) for c in CALL_CLIENTS) * 100:.0f}%",
                f"ours ≤ {goal}x bare" if goal else "",
            ]
        )
        if goal:
            section.goals.append(
                Goal(
                    f"CPU per call, {op}: ours / bare",
                    _paired(cpu[("ours", op)], cpu[("bare", op)]),
                    "<=",
                    goal,
                )
            )
    snap = {c: _median(cpu[(c, "snapshot")]) for c in CALL_CLIENTS}
    section.goals.append(
        _best_of_ours(
            "CPU per call, snapshot",
            {c: _paired(cpu[(c, "snapshot")], cpu[("ibind", "snapshot")]) for c in OURS_BACKENDS},
        )
    )
    values = 100 * 20
    section.notes += [
        f"{rounds} rounds; calls per round: "
        + ", ".join(f"{op} {n}" for op, n in counts.items())
        + " (after a warm-up of a tenth as many). Spread: half the range of the rounds over the median, worst client.",
        "Simulator in another process: rate limits off, no snapshot pre-flight (every client gets "
        "the 100 rows with all 20 fields in one request). Our client: pacing off; 'pacer on' is the "
        "gateway rule set with every rate raised so that it never waits (the pacer's own cost).",
        f"Snapshot values parsed per second of CPU (ours, whole call): {values / snap['ours']:,.0f}; "
        f"history answers carried {bars} bars.",
        "Wall per call (median, ours / bare): "
        + ", ".join(
            f"{op} {_us(_median(wall[('ours', op)]))} / {_us(_median(wall[('bare', op)]))}"
            for op in OPS
        ),
    ]
    return section


OURS_BACKENDS = ("ours", *AIO)


def _best_of_ours(what: str, ratios: dict[str, float]) -> Goal:
    """``what: ours / ibind <= 1`` for the best of our network layers (the user picks one)."""
    best = min(ratios, key=lambda c: float("inf") if math.isnan(ratios[c]) else ratios[c])
    detail = ", ".join(f"{CLIENT_TITLES[c]} {r:.2f}" for c, r in ratios.items())
    name = f"{what}: ours (best network layer) / ibind"
    return Goal(name, ratios[best], "<=", 1.0, detail if len(ratios) > 1 else "")


def lag_section(gateway: _gateway.Gateway, rounds: int, quick: bool) -> Section:
    concurrent = 200 if quick else 1_000
    p99: dict[str, list[float]] = {}
    peak: dict[str, list[float]] = {}
    walls: dict[str, list[float]] = {}
    for number, order in enumerate(_rounds(rounds, ("ours", "bare")), 1):
        log(f"  loop lag, round {number}/{rounds}")
        for client in order:
            result = worker(
                {
                    "kind": "lag",
                    "client": client,
                    "url": gateway.url,
                    "ca": gateway.ca,
                    "concurrent": concurrent,
                }
            )
            p99.setdefault(client, []).append(result["p99"])
            peak.setdefault(client, []).append(result["max"])
            walls.setdefault(client, []).append(result["calls_per_second"])
    section = Section(
        f"Loop lag of a 10 ms ticker under {concurrent:,} concurrent calls (GET /iserver/accounts)",
        ["client", "p99 lag", "max lag", "calls answered per second"],
    )
    for client in ("ours", "bare"):
        section.rows.append(
            [
                client,
                _us(_median(p99[client])),
                _us(_median(peak[client])),
                f"{_median(walls[client]):,.0f}",
            ]
        )
    section.goals.append(
        Goal(
            "loop lag p99: ours / bare",
            _paired(p99["ours"], p99["bare"]),
            "<=",
            1.2,
        )
    )
    section.notes.append(
        f"median of {rounds} rounds of 3 s each with {concurrent:,} calls in flight all the time "
        "(each task calls again when answered); httpx's default pool (100 connections) for both. "
        f"The max lag is the first loop pass, which starts the {concurrent:,} tasks."
    )
    return section


def positions_section(gateway: _gateway.Gateway, rounds: int, sizes: dict[str, int]) -> Section:
    figures: dict[tuple[str, str, str, str], list[float]] = {}
    clients = ("ours", *AIO, "bare", "ibind")
    for number, order in enumerate(_rounds(rounds, clients), 1):
        for account, size in sizes.items():
            log(f"  positions {size:,}, round {number}/{rounds}")
            for client in order:
                result = worker(
                    {
                        "kind": "positions",
                        "client": client,
                        "url": gateway.url,
                        "ca": gateway.ca,
                        "account": account,
                        "expected": size,
                        "traced": number == 1,  # memory: one traced run is enough
                    }
                )
                for mode, values in result.items():
                    for name, value in values.items():
                        figures.setdefault((client, str(size), mode, name), []).append(value)

    def med(client: str, size: int, mode: str, name: str) -> float:
        return _median(figures.get((client, str(size), mode, name), []))

    def paired(client: str, size: int, mode: str, name: str, other: str = "bare") -> float:
        return _paired(
            figures.get((client, str(size), mode, name), []),
            figures.get((other, str(size), "list", name), []),
        )

    section = Section(
        "Every position of an account (pages of 100, one at a time; median of rounds)",
        ["positions", "client", "wall", "CPU", "peak memory (tracemalloc)", "CPU per position"],
    )
    for size in sizes.values():
        for client, mode, label in (
            ("ours", "list", "ours, list"),
            ("ours", "iter", "ours, async for"),
            *((c, "list", f"{CLIENT_TITLES[c]}, list") for c in AIO),
            ("bare", "list", "bare httpx, list"),
            ("ibind", "list", "ibind, list"),
        ):
            wall, cpu, peak = (med(client, size, mode, n) for n in ("wall", "cpu", "peak"))
            section.rows.append(
                [
                    f"{size:,}",
                    label,
                    _cell(paired(client, size, mode, "wall"), f"{wall:.2f} s"),
                    _cell(paired(client, size, mode, "cpu"), f"{cpu:.2f} s"),
                    _cell(paired(client, size, mode, "peak"), f"{peak / 2**20:,.1f} MiB"),
                    _us(cpu / size),
                ]
            )
    small, large = sorted(sizes.values())
    section.goals += [
        Goal(
            f"{small:,} positions, wall: ours / bare",
            paired("ours", small, "list", "wall"),
            "<=",
            1.1,
        ),
        Goal(
            f"{small:,} positions, CPU: ours / bare",
            paired("ours", small, "list", "cpu"),
            "<=",
            1.3,
        ),
        Goal(
            f"{small:,} positions, peak memory (list): ours / bare",
            paired("ours", small, "list", "peak"),
            "<=",
            1.2,
        ),
        *(
            _best_of_ours(
                f"{size:,} positions, CPU",
                {c: paired(c, size, "list", "cpu", "ibind") for c in OURS_BACKENDS},
            )
            for size in (small, large)
        ),
        Goal(
            f"async for stays flat: peak at {large:,} / peak at {small:,}",
            _ratio(med("ours", large, "iter", "peak"), med("ours", small, "iter", "peak")),
            "<=",
            1.2,
        ),
        Goal(
            f"linear: growth of CPU per position from {small:,} to {large:,}, ours / bare's",
            _ratio(
                _ratio(
                    med("ours", large, "list", "cpu") / large,
                    med("ours", small, "list", "cpu") / small,
                ),
                _ratio(
                    med("bare", large, "list", "cpu") / large,
                    med("bare", small, "list", "cpu") / small,
                ),
            ),
            "<=",
            1.1,
        ),
    ]
    section.notes += [
        f"{rounds} rounds for wall and CPU. Peak memory: tracemalloc's peak during a second, traced, "
        "run of the same fetch in the first round (allocations made by the fetch, whatever keeps them).",
        "Linear: CPU per position grows a little with the count for every client (the garbage "
        "collector's full passes scan a larger heap), so ours is held to bare httpx's growth.",
    ]
    return section


def block_section(
    gateway: _gateway.Gateway, rounds: int, account: str, size: int, conids: int
) -> Section:
    figures: dict[tuple[str, str, str], list[float]] = {}
    for number, order in enumerate(_rounds(rounds, ("ours", "bare")), 1):
        log(f"  blocking, round {number}/{rounds}")
        for client in order:
            result = worker(
                {
                    "kind": "block",
                    "client": client,
                    "url": gateway.url,
                    "ca": gateway.ca,
                    "account": account,
                    "expected": size,
                    "conids": conids,
                }
            )
            for what, values in result.items():
                for name, value in values.items():
                    figures.setdefault((client, what, name), []).append(value)

    def med(client: str, what: str, name: str) -> float:
        return _median(figures[(client, what, name)])

    section = Section(
        "The event loop is never held (median of rounds)",
        [
            "work",
            "client",
            "longest step, collector pauses excluded (CPU)",
            "longest collector pause",
            "longest step (CPU)",
            "max lag of a 10 ms ticker",
        ],
    )
    labels = {
        "positions": f"every position, {size:,}",
        "snapshot": f"snapshot, {conids:,} conids x 20 fields",
    }
    for what, label in labels.items():
        for client in ("ours", "bare"):
            section.rows.append(
                [
                    label,
                    "ours" if client == "ours" else "bare httpx",
                    _us(med(client, what, "own")),
                    _us(med(client, what, "gc")),
                    _us(med(client, what, "step")),
                    _us(med(client, what, "lag_max")),
                ]
            )
        section.goals.append(
            Goal(f"longest library step, {label} (ms)", med("ours", what, "own") * 1e3, "<=", 10.0)
        )
    section.notes += [
        "Longest step: the CPU time of the longest single event-loop callback (thread CPU time, so "
        "that the other processes of a busy machine do not count). The garbage collector's full "
        "passes run inside whichever step allocates once the heap has grown by a quarter; they "
        f"scan every object the process holds (here {size:,} positions), so they are shown apart, "
        "for bare httpx holding the same answers too. The ticker's lag adds the scheduler.",
        "The snapshot runs after the positions, which are still held: its collector pauses scan them.",
    ]
    return section


def import_section(count: int) -> Section:
    # What a user runs: the client class itself, so that a lazy package __init__ would not flatter us.
    statements = {
        "ibkr_webapi": "from ibkr_webapi import IBKRClient",
        "httpx": "import httpx",
        "ibind": "from ibind import IbkrClient",
    }
    code = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    modules = tuple(statements)
    times: dict[str, list[float]] = {m: [] for m in modules}
    env = {**_env(), "IBIND_LOG_TO_FILE": "false", "IBIND_LOG_TO_CONSOLE": "false"}
    # As installed from a wheel: byte code compiled (pip does it at install). A first, unmeasured
    # round writes it for every package, whatever PYTHONDONTWRITEBYTECODE says in this shell.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for module in modules:
        subprocess.run(
            [sys.executable, "-c", statements[module]], env=env, cwd=ROOT, check=True,
            capture_output=True,
        )  # fmt: skip
    for _ in range(count):
        for module in modules:
            done = subprocess.run(
                [sys.executable, "-c", code.format(statement=statements[module])],
                capture_output=True, text=True, env=env, cwd=ROOT, check=True,
            )  # fmt: skip
            times[module].append(float(done.stdout.strip().splitlines()[-1]))
    med = {m: _median(v) for m, v in times.items()}
    section = Section(
        f"Cold import (fresh process each, median of {count})",
        ["module", "time", "ratio to httpx"],
    )
    for module in modules:
        section.rows.append(
            [statements[module], _us(med[module]), f"{_ratio(med[module], med['httpx']):.2f}x"]
        )
    section.goals.append(
        Goal(
            "from ibkr_webapi import IBKRClient / import httpx",
            _ratio(med["ibkr_webapi"], med["httpx"]),
            "<=",
            1.5,
        )
    )
    section.notes += import_breakdown()
    return section


def import_breakdown(top: int = 6) -> list[str]:
    """What `import ibkr_webapi` spends its time on beyond httpx (``-X importtime``), by package."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from ibkr_webapi import IBKRClient"],
        capture_output=True, text=True, env=_env(), cwd=ROOT, check=True,
    )  # fmt: skip
    by_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].startswith("import time:"):
            continue
        try:
            self_us = int(parts[0].split(":")[1])
        except ValueError:
            continue
        name = parts[2].strip().split(".")[0]
        by_package[name] = by_package.get(name, 0) + self_us
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    return [
        "import time by top-level package (self time, one run): "
        + ", ".join(f"{n} {us / 1e3:.1f} ms" for n, us in ranked)
    ]


def simulator_section(micro: dict[str, Any], stops: dict[str, tuple[int | None, bool]]) -> Section:
    pages = micro["sim_page_ms"]
    section = Section("The simulator", ["figure", "value"])
    for size, ms in pages.items():
        section.rows.append(
            [f"one positions page at {int(size):,} positions (in-process)", f"{ms:.2f} ms"]
        )
    sizes = sorted(pages, key=int)
    section.goals.append(
        Goal(
            f"page time at {int(sizes[-1]):,} / at {int(sizes[0]):,} positions",
            _ratio(pages[sizes[-1]], pages[sizes[0]]),
            "<=",
            1.5,
        )
    )
    for how, (code, clean) in stops.items():
        section.rows.append(
            [f"stopped with {how}: exit code, temporary folder removed", f"{code}, {clean}"]
        )
        section.goals.append(
            Goal(f"simulator removes its temporary files on {how}", clean, "==", True)
        )
    return section


def micro_section(micro: dict[str, Any]) -> Section:
    parse, mock = micro["parse"], micro["mock"]
    section = Section(
        "In-process detail (no socket; never stands in for the rows above)", ["figure", "value"]
    )
    section.rows += [
        ["snapshot values parsed into Quotes per second", f"{parse['values_per_second']:,.0f}"],
        [
            f"an answer of 100 rows x 20 fields into Quotes ({parse['values']:,} values)",
            f"{parse['batch_ms']:.2f} ms",
        ],
        ["the same, one row at a time (Quote.from_row)", f"{parse['row_by_row_ms']:.2f} ms"],
        [
            "check and de-duplicate 40,000 conids (20,000 distinct)",
            f"{micro['conids_20k_ms']:.1f} ms",
        ],
        ["mock transport, CPU per call: bare httpx", f"{mock['bare_us']:,.0f} µs"],
        ["mock transport, CPU per call: ours (pacing off)", f"{mock['ours_us']:,.0f} µs"],
    ]
    return section


def plugin_sections(quick: bool, only: set[str] | None) -> list[Section]:
    sections = []
    for name in PLUGINS:
        if only is not None and name not in only:
            continue
        if not (ROOT / "bench" / f"{name}.py").exists():
            continue
        log(f"section {name} (bench/{name}.py)")
        try:
            data = _run_json(
                ["-m", "bench._plugin", name, *(["--quick"] if quick else [])], timeout=1800
            )
            goals = [
                Goal(g["name"], g["value"], g["op"], g["limit"], g.get("detail", ""))
                for g in data.pop("goals")
            ]
            sections.append(Section(**{**data, "goals": goals}))
        except Exception as exc:  # a plug-in that fails is a failed section, not a failed run
            sections.append(Section(name, [], error=f"{type(exc).__name__}: {exc}"))
    return sections


def stop_checks() -> dict[str, tuple[int | None, bool]]:
    """Start a small simulator and stop it with SIGTERM; report the exit code and its files."""
    gateway = _gateway.start()
    time.sleep(0.3)
    return {"SIGTERM": gateway.stop(signal.SIGTERM)}


# ------------------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="rounds of the per-call rows (default 5)"
    )
    parser.add_argument("--quick", action="store_true", help="few calls and rounds: a smoke run")
    parser.add_argument(
        "--only",
        help="comma-separated sections: imports,calls,lag,positions,block,simulator,micro,"
        + ",".join(PLUGINS),
    )
    parser.add_argument("--markdown", type=Path, help="also write the report as Markdown here")
    parser.add_argument("--json", type=Path, help="also write every section as JSON here")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    rounds = 2 if args.quick else max(1, args.repeats)
    heavy_rounds = 1 if args.quick else max(1, (rounds + 1) // 2)

    def wanted(name: str) -> bool:
        return only is None or name in only

    started = time.perf_counter()
    notes = machine_notes()
    for line in notes:
        log(line)
    sections: list[Section] = []
    if wanted("imports"):
        sections.append(import_section(5 if args.quick else 15))
    big = 2_000 if args.quick else 10_000
    bigger = 6_000 if args.quick else 30_000
    conids = 2_000 if args.quick else 20_000
    gateway = _gateway.start(positions=big)
    _GATEWAY.append(gateway)
    stops: dict[str, tuple[int | None, bool]] = {}
    try:
        if wanted("calls"):
            log("section calls")
            sections.append(call_section(gateway, rounds, args.quick))
        if wanted("lag"):
            log("section lag")
            sections.append(lag_section(gateway, rounds, args.quick))
        if wanted("positions") or wanted("block"):
            log(f"adding positions: {SMALL_ACCOUNT} to {bigger:,}")
            gateway.admin("/positions", {"account": SMALL_ACCOUNT, "count": bigger - 4})
        if wanted("positions"):
            log("section positions")
            sections.append(
                positions_section(gateway, rounds, {BIG_ACCOUNT: big, SMALL_ACCOUNT: bigger})
            )
        if wanted("block"):
            log("section block")
            sections.append(block_section(gateway, heavy_rounds, SMALL_ACCOUNT, bigger, conids))
    finally:
        _GATEWAY.clear()
        stops["SIGINT"] = gateway.stop(signal.SIGINT)
    if wanted("simulator") or wanted("micro"):
        log("in-process figures")
        micro = _run_json(["-m", "bench._micro", json.dumps({"repeats": 3 if args.quick else 7})])
        if wanted("simulator"):
            stops.update(stop_checks())
            sections.append(simulator_section(micro, stops))
        if wanted("micro"):
            sections.append(micro_section(micro))
    sections += plugin_sections(args.quick, only)

    notes.append(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    notes.append(
        f"run took {time.perf_counter() - started:,.0f} s{' (quick run)' if args.quick else ''}"
    )
    report = "\n".join(
        ["## Benchmark run", "", *(f"- {n}" for n in notes), "", *(s.markdown() for s in sections)]
    )
    print(report)
    goals = [goal for section in sections for goal in section.goals]
    failed = [s for s in sections if s.error is not None]
    missed = [goal for goal in goals if not goal.ok]
    print(
        f"{len(goals) - len(missed)} of {len(goals)} goals met"
        + (f"; {len(failed)} section(s) failed" if failed else "")
    )
    for goal in missed:
        print(f"  missed: {goal.line()}")
    if args.markdown:
        args.markdown.write_text(report + "\n")
    if args.json:
        args.json.write_text(
            json.dumps({"notes": notes, "sections": [s.to_json() for s in sections]}, indent=1)
        )
    return 1 if missed or failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        print(f"bench: the run failed: {exc}", file=sys.stderr)
        sys.exit(2)
