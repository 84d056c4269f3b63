"""Profile one of our client's calls against the simulator in another process (pyinstrument).

    python -m bench.profile snapshot [--calls 200] [--backend aiohttp] [--html out.html]

Calls: accounts, summary, snapshot, history, positions. A developer tool: where the CPU goes, to
decide what to make faster next (``make bench`` says whether it is fast enough).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _gateway  # noqa: E402
from bench._worker import HISTORY, SNAPSHOT_FIELDS, _ours  # noqa: E402

ACCOUNT = "U1234567"


async def _run(url: str, ca: str, what: str, calls: int, backend: str) -> object:
    from pyinstrument import Profiler

    client = "ours_aio" if backend == "aiohttp" else "ours"
    async with _ours({"url": url, "ca": ca, "client": client}) as ib:
        await ib.accounts()
        await ib.portfolio_accounts()
        conids = [p.conid for p in await ib.positions_page(ACCOUNT, 0)]
        operations = {
            "accounts": ib.accounts,
            "summary": lambda: ib.account_summary(ACCOUNT),
            "snapshot": lambda: ib.snapshot(conids, SNAPSHOT_FIELDS),
            "history": lambda: ib.history(conids[0], **HISTORY),
            "positions": lambda: ib.all_positions(ACCOUNT),
        }
        call = operations[what]
        for _ in range(5):
            await call()
        profiler = Profiler(interval=0.0002, async_mode="disabled")
        with profiler:
            for _ in range(calls):
                await call()
        return profiler


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("call", choices=["accounts", "summary", "snapshot", "history", "positions"])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--positions", type=int, default=1_000)
    parser.add_argument("--html", type=Path)
    parser.add_argument("--backend", choices=["httpx", "aiohttp"], default="httpx")
    args = parser.parse_args()
    gateway = _gateway.start(positions=args.positions)
    try:
        profiler: Any = asyncio.run(
            _run(gateway.url, gateway.ca, args.call, args.calls, args.backend)
        )
    finally:
        gateway.stop(signal.SIGINT)
    if args.html is not None:
        args.html.write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
