"""Positions and cash per account, priced from the moving market, and the trades that made them."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._catalogue import VALID_EXCHANGES, Catalogue, Contract
from ._market import DAY, Market
from ._noise import hash_keys

_QUANTITIES = (5, 10, 20, 25, 50, 75, 100, 150, 200, 300, 500)
# Sort keys that do not depend on prices, so a page can be cut before pricing.
_STATIC_SORT_KEYS = {"name", "contractDesc", "ticker", "conid", "position", "avgCost", "avgPrice"}


@dataclass
class Holding:
    """One position: signed quantity and average cost per share."""

    conid: int
    quantity: float
    avg_cost: float


@dataclass(frozen=True, slots=True)
class Trade:
    """One change of a holding, as the portfolio analyst lists it: bought (+) or sold (-) at a
    price, or moved in or out without cash (``transfer``: a position set by hand)."""

    account: str
    conid: int
    quantity: float
    price: float
    time: float
    commission: float = 0.0
    transfer: bool = False

    @property
    def cash_change(self) -> float:
        return 0.0 if self.transfer else -self.quantity * self.price - self.commission

    @property
    def kind(self) -> str:
        if self.transfer:
            return "Transfer"
        return "Buy" if self.quantity > 0 else "Sell"


@dataclass
class Combo:
    """A combination position: legs of (conid, ratio), held `size` times."""

    name: str
    legs: tuple[tuple[int, int], ...]
    size: float = 1.0

    @property
    def description(self) -> str:
        return "-".join(f"{ratio}*{conid}" for conid, ratio in self.legs)


@dataclass(frozen=True)
class Totals:
    """Aggregates of an account's positions at one moment."""

    market_value: float
    long_value: float
    short_value: float
    unrealized_pnl: float
    daily_pnl: float


class Portfolio:
    """Holdings, cash and today's realized P&L of every account."""

    def __init__(
        self,
        accounts: tuple[str, ...],
        *,
        cash: float,
        seed: int,
        catalogue: Catalogue,
        market: Market,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.accounts = accounts
        self._seed = seed
        self._catalogue = catalogue
        self._market = market
        self._now = clock or time.time
        self.holdings: dict[str, dict[int, Holding]] = {a: {} for a in accounts}
        self.cash: dict[str, float] = dict.fromkeys(accounts, cash)
        self.realized_pnl: dict[str, float] = dict.fromkeys(accounts, 0.0)
        # Every change of a holding, oldest first: positions a populated account starts with were
        # bought some days before the simulator started, at their average cost.
        self.trades: dict[str, list[Trade]] = {a: [] for a in accounts}
        self.combos: dict[str, list[Combo]] = {a: [] for a in accounts}
        # Sorted positions per (account, sort key, descending), made once per change of the
        # holdings, so that a page costs the same at 1,000 or 30,000 positions.
        self._versions: dict[str, int] = dict.fromkeys(accounts, 0)
        self._orders: dict[tuple[str, str, bool], tuple[int, list[Holding]]] = {}

    def _changed(self, account: str) -> None:
        self._versions[account] += 1

    # --- building
    def populate(self, account: str, count: int) -> None:
        """Give `account` `count` positions: known stocks first (shuffled), then synthetic ones."""
        rng = random.Random(f"{self._seed}:{account}:{len(self.holdings[account])}")
        known = [c for c in self._catalogue.all() if not c.synthetic]
        rng.shuffle(known)
        known = [c for c in known if c.conid not in self.holdings[account]][:count]
        extra = self._catalogue.synthetic(count - len(known)) if count > len(known) else []
        now = self._now()
        account_key = hash_keys(*account.encode())
        opened: list[Trade] = []
        for contract in known + extra:
            quantity = float(rng.choice(_QUANTITIES)) * (-1 if rng.random() < 0.1 else 1)
            avg_cost = round(contract.reference_price * rng.uniform(0.7, 1.2), 4)
            self.holdings[account][contract.conid] = Holding(contract.conid, quantity, avg_cost)
            # Bought 10 to 730 days ago (a pure function of the seed, account and contract).
            days = 10 + hash_keys(self._seed, contract.conid, account_key) % 721
            day_start = (now // DAY - days) * DAY
            opened.append(Trade(account, contract.conid, quantity, avg_cost, day_start + 52_200.0))
        self.trades[account] = sorted([*self.trades[account], *opened], key=lambda t: t.time)
        self._changed(account)

    def set_position(self, account: str, conid: int, quantity: float, avg_cost: float) -> None:
        held = self.holdings[account].get(conid)
        change = quantity - (held.quantity if held is not None else 0.0)
        if change:
            self.trades[account].append(
                Trade(account, conid, change, avg_cost, self._now(), transfer=True)
            )
        if quantity == 0:
            self.holdings[account].pop(conid, None)
        else:
            self.holdings[account][conid] = Holding(conid, quantity, avg_cost)
        self._changed(account)

    def apply_fill(self, account: str, conid: int, quantity: float, price: float) -> None:
        """Book a fill (`quantity` signed: + bought, - sold): position, average cost, cash, P&L."""
        self._changed(account)
        commission = max(1.0, 0.005 * abs(quantity))
        self.trades[account].append(
            Trade(account, conid, quantity, price, self._now(), commission=commission)
        )
        self.cash[account] -= quantity * price + commission
        self.realized_pnl[account] -= commission
        holding = self.holdings[account].get(conid)
        if holding is None:
            self.holdings[account][conid] = Holding(conid, quantity, price)
            return
        old = holding.quantity
        new = old + quantity
        if old * quantity > 0:  # adding to the position
            holding.avg_cost = (old * holding.avg_cost + quantity * price) / new
        else:  # reducing, closing or flipping
            closed = min(abs(quantity), abs(old))
            direction = 1 if old > 0 else -1
            self.realized_pnl[account] += closed * (price - holding.avg_cost) * direction
            if new * old < 0:
                holding.avg_cost = price
        holding.quantity = new
        if new == 0:
            del self.holdings[account][conid]

    def add_combo(
        self, account: str, name: str, legs: Sequence[tuple[int, int]], size: float = 1.0
    ) -> Combo:
        """Hold a combination (spread) `size` times: each leg (conid, ratio) becomes a position."""
        combo = Combo(name, tuple((int(c), int(r)) for c, r in legs), size)
        for conid, ratio in combo.legs:
            contract = self._contract(conid)
            held = self.holdings[account].get(conid)
            quantity = (held.quantity if held else 0.0) + ratio * size
            price = self._market.last(contract, self._now())
            self.set_position(account, conid, quantity, held.avg_cost if held else price)
        self.combos[account].append(combo)
        return combo

    # --- reading
    def _contract(self, conid: int) -> Contract:
        contract = self._catalogue.get(conid)
        if contract is None:  # pragma: no cover - holdings only reference catalogue contracts
            raise KeyError(conid)
        return contract

    def holding(self, account: str, conid: int) -> Holding | None:
        return self.holdings[account].get(conid)

    def position_item(
        self, account: str, holding: Holding, now: float, page_size: int, model: str = ""
    ) -> dict[str, Any]:
        """One entry of /portfolio/{acct}/positions/{page}, in the gateway's field names."""
        contract = self._contract(holding.conid)
        price = self._market.last(contract, now)
        value = holding.quantity * price
        return {
            "acctId": account,
            "conid": contract.conid,
            "contractDesc": contract.symbol,
            "position": holding.quantity,
            "mktPrice": price,
            "mktValue": round(value, 2),
            "currency": contract.currency,
            "avgCost": round(holding.avg_cost, 4),
            "avgPrice": round(holding.avg_cost, 4),
            "realizedPnl": 0.0,
            "unrealizedPnl": round(value - holding.quantity * holding.avg_cost, 2),
            "exchs": None,
            "expiry": None,
            "putOrCall": None,
            "multiplier": 0.0,
            "strike": "0",
            "exerciseStyle": None,
            "conExchMap": [],
            "assetClass": contract.sec_type,
            "undConid": 0,
            "model": model,
            "incrementRules": [{"lowerEdge": 0.0, "increment": 0.01}],
            "displayRule": {
                "magnification": 0,
                "displayRuleStep": [{"decimalDigits": 2, "lowerEdge": 0.0, "wholeDigits": 4}],
            },
            "time": 12,
            "chineseName": None,
            "allExchanges": VALID_EXCHANGES,
            "listingExchange": contract.listing_exchange,
            "countryCode": "US",
            "name": contract.company_name,
            "lastTradingDay": None,
            "group": contract.industry,
            "sector": contract.industry,
            "sectorGroup": contract.category,
            "ticker": contract.symbol,
            "type": "ETF" if contract.industry == "Equity Fund" else "COMMON",
            "hasOptions": not contract.synthetic,
            "fullName": contract.symbol,
            "isUS": True,
            "isEventContract": False,
            "pageSize": page_size,
        }

    def positions_page(
        self,
        account: str,
        page: int,
        page_size: int,
        now: float,
        *,
        sort: str = "name",
        descending: bool = False,
        model: str = "",
    ) -> list[dict[str, Any]]:
        """Page `page` (from 0) of the account's positions; `[]` past the end.

        Sorting by a key that does not depend on prices uses an order kept until the holdings
        change: a page then costs the same whatever the size of the portfolio. Price-dependent
        keys (market value, P&L) price every position, as the gateway must.
        """
        holdings = self.holdings[account]
        start = page * page_size
        if page < 0 or start >= len(holdings):
            return []
        if sort in _STATIC_SORT_KEYS:
            ordered = self._static_order(account, sort, descending)
            return [
                self.position_item(account, h, now, page_size, model)
                for h in ordered[start : start + page_size]
            ]
        items = [self.position_item(account, h, now, page_size, model) for h in holdings.values()]
        items.sort(key=lambda item: _sortable(item.get(sort)), reverse=descending)
        return items[start : start + page_size]

    def _static_order(self, account: str, sort: str, descending: bool) -> list[Holding]:
        version = self._versions[account]
        cached = self._orders.get((account, sort, descending))
        if cached is not None and cached[0] == version:
            return cached[1]
        ordered = sorted(
            self.holdings[account].values(),
            key=lambda h: self._static_key(h, sort),
            reverse=descending,
        )
        self._orders[(account, sort, descending)] = (version, ordered)
        return ordered

    def _static_key(self, holding: Holding, sort: str) -> tuple[int, float, str]:
        contract = self._contract(holding.conid)
        if sort in ("position",):
            return _sortable(holding.quantity)
        if sort in ("avgCost", "avgPrice"):
            return _sortable(holding.avg_cost)
        if sort == "conid":
            return _sortable(contract.conid)
        return _sortable(contract.company_name if sort == "name" else contract.symbol)

    def totals(self, account: str, now: float) -> Totals:
        long_value = short_value = unrealized = daily = 0.0
        for holding in self.holdings[account].values():
            contract = self._contract(holding.conid)
            price = self._market.last(contract, now)
            value = holding.quantity * price
            if value >= 0:
                long_value += value
            else:
                short_value -= value
            unrealized += value - holding.quantity * holding.avg_cost
            daily += holding.quantity * (price - self._market.prior_close(contract, now))
        return Totals(
            market_value=long_value - short_value,
            long_value=long_value,
            short_value=short_value,
            unrealized_pnl=unrealized,
            daily_pnl=daily + self.realized_pnl[account],
        )

    def allocation(
        self, accounts: Sequence[str], now: float, conids: frozenset[int] | None = None
    ) -> dict[str, Any]:
        """Body of /portfolio/{acct}/allocation (and of the combined allocation of `accounts`):
        market values by asset class, sector and group, long and short; cash is an asset class.
        `conids` keeps only those contracts, and no cash (a model's part of the account)."""
        split: dict[str, dict[str, dict[str, float]]] = {
            kind: {"long": {}, "short": {}} for kind in ("assetClass", "sector", "group")
        }

        def add(kind: str, name: str, value: float) -> None:
            side = split[kind]["long" if value >= 0 else "short"]
            side[name] = round(side.get(name, 0.0) + value, 2)

        for account in accounts:
            for holding in self.holdings[account].values():
                if conids is not None and holding.conid not in conids:
                    continue
                contract = self._contract(holding.conid)
                value = holding.quantity * self._market.last(contract, now)
                add("assetClass", contract.sec_type, value)
                add("sector", contract.category, value)
                add("group", contract.industry, value)
            if conids is None:
                add("assetClass", "CASH", self.cash[account])
        return split


def _sortable(value: object) -> tuple[int, float, str]:
    """Sort numbers before text and missing values last, without comparing mixed types."""
    if isinstance(value, bool) or value is None:
        return (2, 0.0, "")
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))
