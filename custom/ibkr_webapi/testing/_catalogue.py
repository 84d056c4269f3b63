"""The contracts the simulator knows: well-known US stocks and ETFs, synthetic filler, two futures
indexes (ES, NQ), and the options and futures built on them (see `_derivatives`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ._noise import uniform

SYNTHETIC_CONID_BASE = 700_000_000
VALID_EXCHANGES = (
    "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,NASDAQ,DRCTEDGE,BEX,BATS,EDGEA,IEX,EDGX,PEARL,MEMX"
)


@dataclass(frozen=True, kw_only=True)
class Contract:
    """One tradable contract and the reference facts its quotes are built from."""

    conid: int
    symbol: str
    company_name: str
    listing_exchange: str
    reference_price: float  # price when the simulator starts
    annual_volatility: float
    average_volume: float  # shares a day
    industry: str
    category: str
    shares_outstanding: float = 0.0
    eps: float = 0.0
    dividend_yield: float = 0.0  # percent
    beta: float = 1.0
    sec_type: str = "STK"
    currency: str = "USD"
    synthetic: bool = False
    # --- derivatives (options and futures); None for stocks and indexes
    underlying: Contract | None = None
    expiry: date | None = None
    """Options: the expiration date; futures: the expiration date (the last trading day is before)."""
    expires_at: float | None = None
    """Epoch seconds of the expiry's close, when the contract's value settles."""
    strike: float | None = None
    right: Literal["C", "P"] | None = None
    multiplier: float | None = None
    trading_class: str | None = None
    local_symbol: str | None = None
    tick: float = 0.01

    @property
    def is_derivative(self) -> bool:
        return self.underlying is not None

    @property
    def order_exchange(self) -> str:
        """Exchange as IBKR spells it in order descriptions ("NASDAQ.NMS")."""
        return "NASDAQ.NMS" if self.listing_exchange == "NASDAQ" else self.listing_exchange


def _stock(
    conid: int,
    symbol: str,
    name: str,
    exchange: str,
    price: float,
    vol: float,
    volume: float,
    industry: str,
    category: str,
    shares: float,
    eps: float,
    dividend_yield: float,
    beta: float,
) -> Contract:
    return Contract(
        conid=conid,
        symbol=symbol,
        company_name=name,
        listing_exchange=exchange,
        reference_price=price,
        annual_volatility=vol,
        average_volume=volume,
        industry=industry,
        category=category,
        shares_outstanding=shares,
        eps=eps,
        dividend_yield=dividend_yield,
        beta=beta,
    )


SEMIS = "Electronic Compo-Semicon"
INTERNET_CONTENT = "Internet Content-Entmnt"
BANKS = "Super-Regional Banks-US"
WELL_KNOWN: tuple[Contract, ...] = (
    _stock(265598, "AAPL", "APPLE INC", "NASDAQ", 169.58, 0.25, 58e6, "Computers", "Computers",
           15.4e9, 6.43, 0.56, 1.28),
    _stock(8314, "IBM", "INTL BUSINESS MACHINES CORP", "NYSE", 189.14, 0.22, 4.5e6, "Computers",
           "Computer Services", 0.92e9, 8.14, 3.51, 0.72),
    _stock(272093, "MSFT", "MICROSOFT CORP", "NASDAQ", 424.59, 0.24, 20e6, "Software",
           "Applications Software", 7.43e9, 11.06, 0.71, 0.89),
    _stock(756733, "SPY", "SPDR S&P 500 ETF TRUST", "ARCA", 518.43, 0.14, 75e6, "Equity Fund",
           "Growth-Large Cap", 0.93e9, 0.0, 1.31, 1.0),
    _stock(76792991, "TSLA", "TESLA INC", "NASDAQ", 172.98, 0.55, 100e6, "Auto Manufacturers",
           "Auto-Cars/Light Trucks", 3.18e9, 4.30, 0.0, 2.31),
    _stock(3691937, "AMZN", "AMAZON.COM INC", "NASDAQ", 185.19, 0.32, 45e6, "Internet",
           "E-Commerce/Products", 10.4e9, 2.90, 0.0, 1.15),
    _stock(4815747, "NVDA", "NVIDIA CORP", "NASDAQ", 871.33, 0.50, 45e6, "Semiconductors", SEMIS,
           2.5e9, 11.93, 0.02, 1.71),
    _stock(208813719, "GOOGL", "ALPHABET INC-CL A", "NASDAQ", 156.27, 0.30, 28e6, "Internet",
           "Web Portals/ISP", 5.9e9, 5.80, 0.0, 1.05),
    _stock(107113386, "META", "META PLATFORMS INC-CLASS A", "NASDAQ", 519.25, 0.38, 17e6,
           "Internet", INTERNET_CONTENT, 2.55e9, 14.87, 0.38, 1.21),
    _stock(320227571, "QQQ", "INVESCO QQQ TRUST SERIES 1", "NASDAQ", 442.53, 0.20, 40e6,
           "Equity Fund", "Growth-Large Cap", 0.58e9, 0.0, 0.56, 1.12),
    _stock(1520593, "JPM", "JPMORGAN CHASE & CO", "NYSE", 196.42, 0.20, 9e6, "Banks", BANKS,
           2.87e9, 16.23, 2.34, 1.08),
    _stock(270639, "INTC", "INTEL CORP", "NASDAQ", 38.61, 0.35, 40e6, "Semiconductors", SEMIS,
           4.23e9, 0.40, 1.30, 1.02),
    _stock(4391, "AMD", "ADVANCED MICRO DEVICES", "NASDAQ", 169.90, 0.50, 55e6, "Semiconductors",
           SEMIS, 1.62e9, 0.53, 0.0, 1.65),
    _stock(15124833, "NFLX", "NETFLIX INC", "NASDAQ", 628.78, 0.38, 4e6, "Internet",
           INTERNET_CONTENT, 0.43e9, 12.03, 0.0, 1.27),
    _stock(8894, "KO", "COCA-COLA CO/THE", "NYSE", 60.12, 0.15, 13e6, "Beverages",
           "Beverages-Non-alcoholic", 4.31e9, 2.47, 3.23, 0.59),
    _stock(13977, "XOM", "EXXON MOBIL CORP", "NYSE", 120.52, 0.24, 17e6, "Oil&Gas",
           "Oil Comp-Integrated", 3.97e9, 8.89, 3.15, 0.88),
    _stock(10098, "BAC", "BANK OF AMERICA CORP", "NYSE", 38.17, 0.25, 35e6, "Banks", BANKS,
           7.87e9, 3.08, 2.52, 1.35),
)  # fmt: skip


def synthetic_contract(index: int, seed: int) -> Contract:
    """A made-up stock used to fill large portfolios (conid 700000000 + index, symbol SIMnnnn)."""
    price = round(5.0 + 395.0 * uniform(seed, index, 11) ** 2, 2)
    return Contract(
        conid=SYNTHETIC_CONID_BASE + index,
        symbol=f"SIM{index:04d}",
        company_name=f"SIMULATED HOLDING {index:04d} INC",
        listing_exchange="NASDAQ" if index % 2 else "NYSE",
        reference_price=price,
        annual_volatility=0.2 + 0.4 * uniform(seed, index, 12),
        average_volume=1e5 + 5e6 * uniform(seed, index, 13),
        industry="Diversified",
        category="Simulated",
        shares_outstanding=1e8 + 1e9 * uniform(seed, index, 14),
        eps=round(price / (10 + 30 * uniform(seed, index, 15)), 2),
        synthetic=True,
    )


INDEXES: tuple[Contract, ...] = (
    Contract(conid=11004968, symbol="ES", company_name="E-mini S&P 500", listing_exchange="CME",
             reference_price=5228.5, annual_volatility=0.14, average_volume=0.0,
             industry="Indices", category="Broad Range Equity Index", sec_type="IND",
             dividend_yield=1.3),
    Contract(conid=11004958, symbol="NQ", company_name="E-mini NASDAQ 100", listing_exchange="CME",
             reference_price=18254.0, annual_volatility=0.19, average_volume=0.0,
             industry="Indices", category="Broad Range Equity Index", sec_type="IND",
             dividend_yield=0.8),
)  # fmt: skip

SecTypeFilter = Literal["STK", "IND"] | None


DerivativeBuilder = Callable[[list[Contract], date], list[Contract]]
"""Makes the derivatives of some underlyings, as of a day."""


class Catalogue:
    """Contracts by conid and symbol. Stocks are made at once; derivatives when first needed."""

    def __init__(
        self,
        seed: int,
        *,
        today: date | None = None,
        derivatives: DerivativeBuilder | None = None,
    ) -> None:
        """``derivatives`` makes the options and futures of the underlyings (the simulator passes
        ``_derivatives.build_derivatives``; without it the catalogue has none)."""
        self._seed = seed
        self._today = today or date.today()
        self._build_derivatives = derivatives
        self._by_conid: dict[int, Contract] = {c.conid: c for c in WELL_KNOWN}
        self._indexes: dict[int, Contract] = {c.conid: c for c in INDEXES}
        self._derivatives: dict[int, Contract] | None = None
        self._synthetic_count = 0

    @property
    def today(self) -> date:
        """The day the derivatives' expiries are counted from (the simulator's first day)."""
        return self._today

    def get(self, conid: int) -> Contract | None:
        found = self._by_conid.get(conid) or self._indexes.get(conid)
        if found is None:
            found = self.derivatives().get(conid)
        return found

    def all(self) -> list[Contract]:
        """Every stock (well-known and synthetic): what portfolios are made of."""
        return list(self._by_conid.values())

    def indexes(self) -> list[Contract]:
        return list(self._indexes.values())

    def derivatives(self) -> dict[int, Contract]:
        """Every option and future by conid (built on first use)."""
        if self._derivatives is None:
            build = self._build_derivatives
            made = [] if build is None else build([*WELL_KNOWN, *INDEXES], self._today)
            self._derivatives = {c.conid: c for c in made}
        return self._derivatives

    def derivatives_of(
        self, underlying: int, sec_type: str, where: Callable[[Contract], bool] | None = None
    ) -> list[Contract]:
        """Options ("OPT") or futures ("FUT") on one underlying, by expiry, strike and right."""
        found = [
            c
            for c in self.derivatives().values()
            if c.underlying is not None
            and c.underlying.conid == underlying
            and c.sec_type == sec_type
            and (where is None or where(c))
        ]
        return sorted(
            found, key=lambda c: (c.expiry or self._today, c.strike or 0.0, c.right or "")
        )

    def synthetic(self, count: int) -> list[Contract]:
        """Create (once) and return `count` new synthetic contracts."""
        made = [synthetic_contract(self._synthetic_count + i + 1, self._seed) for i in range(count)]
        self._synthetic_count += count
        self._by_conid.update((c.conid, c) for c in made)
        return made

    def search(
        self, text: str, *, by_name: bool = False, sec_type: SecTypeFilter = None
    ) -> list[Contract]:
        """Symbol search (exact match first, then prefixes) or, with `by_name`, company names;
        stocks and indexes, or one of the two."""
        needle = text.strip().upper()
        if not needle:
            return []
        pool: list[Contract] = []
        if sec_type in (None, "STK"):
            pool += [c for c in self._by_conid.values() if not c.synthetic or c.symbol == needle]
        if sec_type in (None, "IND"):
            pool += list(self._indexes.values())
        if by_name:
            return [c for c in pool if needle in c.company_name]
        exact = [c for c in pool if c.symbol == needle]
        prefix = [c for c in pool if c.symbol.startswith(needle) and c.symbol != needle]
        return exact + sorted(prefix, key=lambda c: c.symbol)
