"""What one simulated websocket pushes: market data deltas, order changes, P&L, trades, account.

``Feeds`` holds one socket's subscriptions and, on each ``tick``, returns the frames that are due,
built from the simulator's state with the same formatting as the REST answers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._accounts import Balances, ledger, partitioned_pnl
from ._orders import ORDER_TYPES, SimOrder, commission_for
from ._session import USER_NAME
from ._snapshot import FIELDS, PRICE_FIELDS, _Context, price
from ._ws_settings import WebsocketSettings

if TYPE_CHECKING:
    from ._simulator import SimulatorState

Frame = dict[str, Any]
# ssd keys (the websocket's CamelCase) -> REST summary keys.
SUMMARY_KEYS = {
    "NetLiquidation": "netliquidation",
    "TotalCashValue": "totalcashvalue",
    "AvailableFunds": "availablefunds",
    "ExcessLiquidity": "excessliquidity",
    "ExcessLiquidity-S": "excessliquidity-s",
    "BuyingPower": "buyingpower",
    "GrossPositionValue": "grosspositionvalue",
    "InitMarginReq": "initmarginreq",
    "MaintMarginReq": "maintmarginreq",
    "EquityWithLoanValue": "equitywithloanvalue",
    "Cushion": "cushion",
}
_LEDGER_KEYS = {
    "cashbalance": "cashbalance",
    "settledCash": "settledcash",
    "netLiquidationValue": "netliquidationvalue",
    "unrealizedPnl": "unrealizedpnl",
    "realizedPnl": "realizedpnl",
    "stockMarketValue": "stockmarketvalue",
    "exchangeRate": "exchangerate",
}


@dataclass
class MarketDataStream:
    conid: int
    fields: list[str]
    started: float
    last_sent: float = 0.0
    row: dict[str, Any] | None = None  # what the client has, None until the first frame
    ended: bool = False


@dataclass
class Feeds:
    """One socket's subscriptions and what it already told the client."""

    sim: SimulatorState
    settings: WebsocketSettings
    market_data: dict[int, MarketDataStream] = field(default_factory=dict)
    orders: bool = False
    orders_sent: dict[int, dict[str, Any]] = field(default_factory=dict)
    pnl_due: float | None = None
    trades: bool = False
    trades_sent: set[int] = field(default_factory=set)
    summaries: dict[str, tuple[list[str] | None, float]] = field(default_factory=dict)
    ledgers: dict[str, tuple[dict[str, dict[str, Any]], float]] = field(default_factory=dict)
    books: dict[str, tuple[int, float]] = field(default_factory=dict)

    def stop_all(self) -> None:
        """The session dropped: every stream stops, nothing is replayed later."""
        self.market_data.clear()
        self.orders = False
        self.orders_sent.clear()
        self.pnl_due = None
        self.trades = False
        self.summaries.clear()
        self.ledgers.clear()
        self.books.clear()

    def end_market_data(self) -> None:
        for stream in self.market_data.values():
            stream.ended = True

    # --- subscribing -------------------------------------------------------------------------

    def subscribe_market_data(self, conid: int, fields: list[str]) -> None:
        """A (re)subscribe adds fields and restarts the stream with a full frame."""
        stream = self.market_data.get(conid)
        wanted = list(dict.fromkeys([*(stream.fields if stream else []), *fields]))
        self.market_data[conid] = MarketDataStream(conid, wanted, started=time.monotonic())

    def subscribe_orders(self) -> None:
        self.orders = True
        self.orders_sent.clear()

    def subscribe_trades(self, realtime_only: bool) -> None:
        self.trades = True
        self.trades_sent = (
            {o.order_id for o in self.sim.orders.orders.values() if o.status == "Filled"}
            if realtime_only
            else set()
        )

    # --- ticking -------------------------------------------------------------------------------

    def tick(self, now_real: float) -> list[Frame]:
        """Frames due now (the caller sends them in order)."""
        sim = self.sim
        now = sim.now()
        out: list[Frame] = []
        for stream in list(self.market_data.values()):
            frame = self._market_data(stream, now, now_real)
            if frame is not None:
                out.append(frame)
        if self.orders:
            frame = self._orders()
            if frame is not None:
                out.append(frame)
        if self.trades:
            frame = self._trades()
            if frame is not None:
                out.append(frame)
        if self.pnl_due is not None and now_real >= self.pnl_due:
            self.pnl_due = now_real + self.settings.pnl_interval
            out.append({"topic": "spl", "args": partitioned_pnl(sim.portfolio, now)["upnl"]})
        for account, (keys, due) in list(self.summaries.items()):
            if now_real >= due:
                self.summaries[account] = (keys, now_real + self.settings.summary_interval)
                out.append(self._summary(account, keys, now))
        for account, (sent, due) in list(self.ledgers.items()):
            if now_real >= due:
                frame, rows = self._ledger(account, sent, now)
                self.ledgers[account] = (rows, now_real + self.settings.ledger_interval)
                out.append(frame)
        for topic, (conid, due) in list(self.books.items()):
            if now_real >= due:
                self.books[topic] = (conid, now_real + self.settings.market_data_interval)
                out.append(self._book(topic, conid, now))
        return out

    def _market_data(self, stream: MarketDataStream, now: float, now_real: float) -> Frame | None:
        lifetime = self.settings.market_data_lifetime
        if stream.ended or (lifetime is not None and now_real - stream.started > lifetime):
            stream.ended = True
            return None
        if (
            stream.row is not None
            and now_real - stream.last_sent < self.settings.market_data_interval
        ):
            return None
        row = self.market_data_row(stream.conid, stream.fields, now)
        if row is None:
            return None
        if stream.row is None:
            delta = dict(row)
            delta["conidEx"] = str(stream.conid)
        else:
            delta = {k: v for k, v in row.items() if stream.row.get(k) != v}
            if set(delta) <= {"_updated"}:
                return None
        stream.row, stream.last_sent = row, now_real
        delta.update(
            {"server_id": "q0", "conid": stream.conid, "6119": "q0", "topic": f"smd+{stream.conid}"}
        )
        return delta

    def market_data_row(self, conid: int, fields: list[str], now: float) -> dict[str, Any] | None:
        sim = self.sim
        contract = sim.catalogue.get(conid)
        if contract is None:
            return None
        account = sim.config.accounts[0]
        quote = sim.market.quote(contract, now)
        availability = sim.market.availability(conid)
        context = _Context(
            contract, quote, sim.portfolio.holding(account, conid), "q0", availability
        )
        row: dict[str, Any] = {}
        for field_id in [*fields, "6509"]:
            getter = FIELDS.get(field_id)
            if getter is None or field_id in row:
                continue
            if field_id in PRICE_FIELDS and availability.startswith("N"):
                continue
            value = getter(context)
            if value is not None:
                row[field_id] = value
        row["_updated"] = quote.updated_ms
        return row

    def _orders(self) -> Frame | None:
        rows = []
        book = self.sim.orders
        for order in book.orders.values():
            current = book.live_order(order)
            sent = self.orders_sent.get(order.order_id)
            if sent is None:
                rows.append(current)
            else:
                changed = {k: v for k, v in current.items() if sent.get(k) != v}
                if not changed:
                    continue
                rows.append({"acct": current["acct"], "orderId": order.order_id, **changed})
            self.orders_sent[order.order_id] = current
        return {"topic": "sor", "args": rows} if rows else None

    def _trades(self) -> Frame | None:
        rows = []
        for order in self.sim.orders.orders.values():
            if order.status == "Filled" and order.order_id not in self.trades_sent:
                self.trades_sent.add(order.order_id)
                rows.append(trade_row(order))
        return {"topic": "str", "args": rows} if rows else None

    def trades_snapshot(self) -> Frame:
        """The answer to ``str``: today's executions so far (possibly none)."""
        frame = self._trades()
        return frame if frame is not None else {"topic": "str", "args": []}

    def _summary(self, account: str, keys: list[str] | None, now: float) -> Frame:
        from ._accounts import account_summary

        summary = account_summary(account, self.sim.portfolio, now)
        stamp = int(now)
        result: list[dict[str, Any]] = []
        if keys is None or "AccountCode" in keys:
            result.append({"key": "AccountCode", "value": account, "timestamp": stamp})
        for key, rest_key in SUMMARY_KEYS.items():
            if keys is not None and key not in keys:
                continue
            item = summary.get(rest_key)
            if isinstance(item, Mapping):
                result.append(
                    {
                        "key": key,
                        "monetaryValue": item.get("amount"),
                        "currency": "USD",
                        "severity": 0,
                        "timestamp": stamp,
                    }
                )
        return {"topic": f"ssd+{account}", "result": result}

    def _ledger(
        self, account: str, sent: dict[str, dict[str, Any]], now: float
    ) -> tuple[Frame, dict[str, dict[str, Any]]]:
        entries = ledger(account, self.sim.portfolio, now, self.sim.session.generation)
        stamp = int(now)
        result, rows = [], {}
        for currency, entry in sorted(entries.items()):
            row = {wire: entry[rest] for wire, rest in _LEDGER_KEYS.items()}
            rows[currency] = row
            item: dict[str, Any] = {"key": f"LedgerList{currency}", "timestamp": stamp}
            if sent.get(currency) != row:
                item.update({"acctCode": account, "secondKey": currency, "severity": 0, **row})
            result.append(item)
        return {"topic": f"sld+{account}", "result": result}, rows

    def _book(self, topic: str, conid: int, now: float) -> Frame:
        contract = self.sim.catalogue.get(conid)
        data: list[dict[str, Any]] = []
        if contract is not None:
            quote = self.sim.market.quote(contract, now)
            tick = 0.01 if quote.bid >= 1 else 0.0001
            levels = [quote.ask + tick * i for i in range(4, 0, -1)] + [quote.ask]
            levels += [quote.bid] + [quote.bid - tick * i for i in range(1, 5)]
            for row, level in enumerate(levels):
                entry: dict[str, Any] = {
                    "row": row,
                    "focus": int(abs(level - quote.last) < tick / 2),
                    "price": price(level),
                }
                if level >= quote.ask:
                    entry["ask"] = str(quote.ask_size * (1 + row % 3))
                if level <= quote.bid:
                    entry["bid"] = str(quote.bid_size * (1 + row % 3))
                data.append(entry)
        return {"topic": topic, "data": data}

    def balances(self, account: str, now: float) -> Balances:
        return Balances(self.sim.portfolio.cash[account], self.sim.portfolio.totals(account, now))


def trade_row(order: SimOrder) -> dict[str, Any]:
    """One ``str`` row for a filled order (the simulator fills each order in one execution)."""
    ticket, contract = order.ticket, order.ticket.contract
    fill_price = order.average_price or 0.0
    when = datetime.fromtimestamp(order.updated_at, UTC)
    commission = commission_for(ticket.quantity, fill_price)
    return {
        "execution_id": f"0000e0d5.{order.order_id:08x}.01.01",
        "symbol": contract.symbol,
        "supports_tax_opt": "1",
        "side": "B" if ticket.side == "BUY" else "S",
        "order_description": f"{'Bot' if ticket.side == 'BUY' else 'Sold'} {ticket.quantity:g} @ {fill_price:.2f} on {contract.order_exchange}",
        "trade_time": when.strftime("%Y%m%d-%H:%M:%S"),
        "trade_time_r": int(order.updated_at * 1000),
        "size": ticket.quantity,
        "price": f"{fill_price:.2f}",
        "order_ref": ticket.coid,
        "submitter": USER_NAME,
        "exchange": contract.order_exchange,
        "commission": f"{commission:.2f}",
        "net_amount": round(ticket.quantity * fill_price, 2),
        "account": ticket.account,
        "accountCode": ticket.account,
        "company_name": contract.company_name,
        "contract_description_1": contract.symbol,
        "sec_type": contract.sec_type,
        "listing_exchange": contract.listing_exchange,
        "conid": str(contract.conid),
        "conidex": str(contract.conid),
        "clearing_id": "IB",
        "clearing_name": "IB",
        "liquidation_trade": "0",
        "is_event_trading": "0",
        "order_type": ORDER_TYPES[ticket.order_type][1],
    }
