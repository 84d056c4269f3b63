"""Snapshot quotes with readable field names, against the built-in gateway simulator.

    .venv/bin/python examples/quotes.py

The first snapshot call for a contract returns no fields (IBKR's "pre-flight"); the client asks
again until every field has arrived, so the quotes below are complete.
"""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient
from ibkr_webapi.testing import serve_gateway

CONIDS = [265598, 8314, 272093, 756733]  # AAPL, IBM, MSFT, SPY
FIELDS = ["symbol", "last_price", "bid_price", "bid_size", "ask_price", "ask_size", "volume"]


async def main() -> None:
    async with serve_gateway(port=0, tls=True) as gw, IBKRClient(gw.url, verify=gw.verify) as ib:
        quotes = await ib.snapshot(CONIDS, fields=FIELDS)
        for quote in quotes:
            availability = quote.availability.code if quote.availability else "?"
            closed = " (prior close)" if quote.is_prior_close else ""
            print(
                f"{quote.symbol or quote.conid:<6} last {quote.last_price}{closed}  "
                f"bid {quote.bid_price} x {quote['bid_size']}  ask {quote.ask_price} x {quote['ask_size']}  "
                f"volume {quote.volume}  [{availability}]"
            )
        print("raw row of the first quote, as the gateway sent it:", dict(quotes[0].raw))


if __name__ == "__main__":
    asyncio.run(main())
