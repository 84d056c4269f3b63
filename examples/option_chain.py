"""An option chain around the money, with greeks, against the built-in gateway simulator.

    .venv/bin/python examples/option_chain.py

``option_chain`` searches the underlying, lists the month's strikes, then asks for the contracts of
each strike wanted (one request per strike, paced within IBKR's limits) and returns typed contracts.
"""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient
from ibkr_webapi.testing import serve_gateway

FIELDS = ["bid_price", "ask_price", "implied_vol_percent", "delta"]


async def main() -> None:
    async with serve_gateway(port=0, tls=True) as gw, IBKRClient(gw.url, verify=gw.verify) as ib:
        [spot] = await ib.snapshot(756733, fields=["last_price"])  # SPY
        last = spot.last_price or 0.0
        chain = await ib.contracts.option_chain(
            "SPY", expiry="next", strikes=(last * 0.97, last * 1.03)
        )
        print(f"SPY at {last:.2f}: {len(chain)} options expiring {chain.expiries[0]}")
        quotes = {q.conid: q for q in await ib.snapshot(chain.conids, fields=FIELDS)}
        for strike in chain.strikes:
            cells = []
            for right in ("C", "P"):
                option = chain.find(strike, right)
                quote = quotes.get(option.conid) if option else None
                if option is None or quote is None:
                    cells.append(f"{right} -")
                    continue
                cells.append(
                    f"{right} {option.conid} {quote.bid_price} / {quote.ask_price} "
                    f"iv {quote['implied_vol_percent']}% delta {quote['delta']}"
                )
            print(f"{strike:>8g}  " + "   ".join(cells))


if __name__ == "__main__":
    asyncio.run(main())
