"""The contracts the simulator knows: well-known US stocks and ETFs, plus synthetic filler."""

from __future__ import annotations

from dataclasses import dataclass

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


class Catalogue:
    """Contracts by conid and symbol."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._by_conid: dict[int, Contract] = {c.conid: c for c in WELL_KNOWN}
        self._synthetic_count = 0

    def get(self, conid: int) -> Contract | None:
        return self._by_conid.get(conid)

    def all(self) -> list[Contract]:
        return list(self._by_conid.values())

    def synthetic(self, count: int) -> list[Contract]:
        """Create (once) and return `count` new synthetic contracts."""
        made = [synthetic_contract(self._synthetic_count + i + 1, self._seed) for i in range(count)]
        self._synthetic_count += count
        self._by_conid.update((c.conid, c) for c in made)
        return made

    def search(self, text: str, *, by_name: bool = False) -> list[Contract]:
        """Symbol search (exact match first, then prefixes) or, with `by_name`, company names."""
        needle = text.strip().upper()
        if not needle:
            return []
        contracts = [c for c in self._by_conid.values() if not c.synthetic or c.symbol == needle]
        if by_name:
            return [c for c in contracts if needle in c.company_name]
        exact = [c for c in contracts if c.symbol == needle]
        prefix = [c for c in contracts if c.symbol.startswith(needle) and c.symbol != needle]
        return exact + sorted(prefix, key=lambda c: c.symbol)
