"""Historical bars with timezone-aware times, drawn as a one-line chart.

    .venv/bin/python examples/history.py

Bar times are aware UTC datetimes; the gateway sends epoch milliseconds.
"""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient
from ibkr_webapi.testing import serve_gateway

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(BLOCKS[round((v - low) / span * (len(BLOCKS) - 1))] for v in values)


async def main() -> None:
    async with serve_gateway(port=0, tls=True) as gw, IBKRClient(gw.url, verify=gw.verify) as ib:
        history = await ib.history(265598, period="1d", bar="5min")
        closes = [bar.close for bar in history.bars]
        first, last = history.bars[0], history.bars[-1]
        print(
            f"{history.symbol}: {len(history.bars)} bars from {first.time:%H:%M} to {last.time:%H:%M} UTC"
        )
        print(sparkline(closes))
        print(
            f"first {closes[0]:.2f}  last {closes[-1]:.2f}  high {max(b.high for b in history.bars):.2f}  "
            f"low {min(b.low for b in history.bars):.2f}"
        )

        weekly = await ib.history(8314, period="1y", bar="1w")
        print(f"{weekly.symbol} weekly, one year: {sparkline([bar.close for bar in weekly.bars])}")


if __name__ == "__main__":
    asyncio.run(main())
