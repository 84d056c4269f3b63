"""Every position of an account, across all pages, against the built-in gateway simulator.

    .venv/bin/python examples/positions.py

The gateway serves positions 100 to a page; ``ib.positions()`` walks every page for you.
"""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient
from ibkr_webapi.testing import SimulatorConfig, serve_gateway

ACCOUNT = "U1234567"


async def main() -> None:
    config = SimulatorConfig(positions={ACCOUNT: 250})
    async with (
        serve_gateway(config=config, port=0, tls=True) as gw,
        IBKRClient(gw.url, verify=gw.verify) as ib,
    ):
        positions = [position async for position in ib.positions(ACCOUNT)]
        value = sum(p.market_value or 0.0 for p in positions)
        print(f"{len(positions)} positions, market value {value:,.2f}")
        largest = sorted(positions, key=lambda p: p.market_value or 0.0, reverse=True)
        for position in largest[:5]:
            name = position.contract_desc or str(position.conid)
            print(
                f"  {name:<12} {position.position:>10,.0f}  {position.market_value or 0.0:>14,.2f}"
            )

        summary = await ib.account_summary(ACCOUNT)
        for name in ("netliquidation", "totalcashvalue", "buyingpower"):
            item = summary[name]
            print(f"{name:<16} {item.amount:>16,.2f} {item.currency}")


if __name__ == "__main__":
    asyncio.run(main())
