"""Place an order and answer the gateway's confirmation questions with a policy of your own.

    .venv/bin/python examples/place_order.py

The gateway may answer an order with questions ("size exceeds the limit ...", "no market data
...") that must be confirmed before it accepts the order. ``confirm=`` takes ``True``, ``False`` or
a callable that sees each question and decides.
"""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient, Order, Question, errors
from ibkr_webapi.testing import serve_gateway

ACCOUNT = "U1234567"
AAPL = 265598
ACCEPTABLE = {"o383", "o451"}  # size and total value limits: fine for this (simulated) account


async def policy(question: Question) -> bool:
    """Confirm the questions we expect, refuse anything else."""
    print(f"gateway asks {list(question.message_ids)}: {question.text.splitlines()[0]}")
    ok = set(question.message_ids) <= ACCEPTABLE
    print("  -> confirm" if ok else "  -> decline")
    return ok


async def main() -> None:
    async with serve_gateway(port=0, tls=True) as gw, IBKRClient(gw.url, verify=gw.verify) as ib:
        (quote,) = await ib.snapshot([AAPL], fields=["last_price"])
        limit = round((quote.last_price or 150.0) * 0.98, 2)  # below the market: it stays live
        order = Order(conid=AAPL, side="BUY", quantity=650, order_type="LMT", price=limit)
        try:
            placed = await ib.place_order(ACCOUNT, order, confirm=policy)
        except errors.OrderConfirmationRequired as exc:
            print(f"not placed: {exc.message_ids}")
            return
        except errors.OrderRejected as exc:
            print(f"rejected: {exc}")
            return
        print(f"placed order {placed.order_id} ({placed.order_status}), cOID {placed.c_oid}")
        print(f"questions confirmed: {len(placed.answered)}")

        cancelled = await ib.cancel_order(ACCOUNT, placed.order_id)
        print(f"cancel: {cancelled.message}")


if __name__ == "__main__":
    asyncio.run(main())
