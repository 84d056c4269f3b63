"""Event contracts (ForecastEx): a small category tree, a few markets, YES and NO contracts per strike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

EXCHANGE = "FORECASTX"
TIMEZONE = "US/Central"
CATEGORIES: dict[str, tuple[str, str | None]] = {  # id -> (name, parent id)
    "g5351": ("Environmental", None),
    "g7369": ("Climate Change", "g5351"),
    "g17490": ("United States", "g7369"),
    "g6001": ("Economics", None),
    "g6002": ("Interest Rates", "g6001"),
    "g6003": ("Inflation", "g6001"),
}


@dataclass(frozen=True)
class EventMarket:
    """One market: a question asked at several strikes, each with a YES and a NO contract."""

    conid: int  # the market's underlying conid
    product_conid: int
    symbol: str
    name: str
    category: str  # where it hangs in the tree
    logo_category: str
    question: str  # "{strike_label}" is replaced
    unit: str
    strikes: tuple[float, ...]
    first_contract: int
    measured_days: int  # how far after the first day the measured period ends
    source_agency: str
    link: str
    description: str


MARKETS: tuple[EventMarket, ...] = (
    EventMarket(
        732764706, 732764711, "USCE", "United States Carbon Dioxide Emissions", "g17490", "g7369",
        "Will US carbon dioxide emissions be {strike_label} million metric tons this year?",
        "million metric tons", (4700.0, 4800.0, 4900.0, 5000.0), 805_953_000, 300,
        "Energy Information Agency", "https://www.eia.gov/environment/emissions/carbon/",
        "The amount of carbon dioxide emitted in the United States in a calendar year.",
    ),
    EventMarket(
        741295010, 741295015, "FF", "Fed Funds Target Rate", "g6002", "g6002",
        "Will the Fed funds target rate upper bound be {strike_label} after the next meeting?",
        "percent", (4.75, 5.0, 5.25, 5.5), 805_954_000, 45,
        "Federal Reserve", "https://www.federalreserve.gov/monetarypolicy/openmarket.htm",
        "The upper bound of the federal funds target range set by the FOMC.",
    ),
    EventMarket(
        741296120, 741296125, "CPI", "US CPI Year over Year", "g6003", "g6003",
        "Will US CPI inflation year over year be {strike_label} in the next release?",
        "percent", (2.5, 3.0, 3.5), 805_955_000, 30,
        "Bureau of Labor Statistics", "https://www.bls.gov/cpi/",
        "The change in the consumer price index over the last twelve months.",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class EventContract:
    conid: int
    market: EventMarket
    strike: float
    side: str  # "Y" or "N"
    yes: int
    no: int


class EventBook:
    """The event markets and their contracts, for a simulator that started on ``today``."""

    def __init__(self, today: date) -> None:
        self._today = today
        self._markets = {m.conid: m for m in MARKETS}
        self._contracts: dict[int, EventContract] = {}
        for market in MARKETS:
            for n, strike in enumerate(market.strikes):
                yes, no = market.first_contract + 3 * n, market.first_contract + 3 * n + 1
                for conid, side in ((yes, "Y"), (no, "N")):
                    self._contracts[conid] = EventContract(conid, market, strike, side, yes, no)

    def market(self, conid: int) -> EventMarket | None:
        return self._markets.get(conid)

    def contract(self, conid: int) -> EventContract | None:
        return self._contracts.get(conid)

    def _expiration(self, market: EventMarket) -> date:
        return self._today + timedelta(days=market.measured_days + 30)

    def _measured(self, market: EventMarket) -> date:
        return self._today + timedelta(days=market.measured_days)

    @staticmethod
    def _label(market: EventMarket, strike: float) -> str:
        return (
            f"Above {strike:,.2f}".rstrip("0").rstrip(".")
            if strike < 100
            else f"Above {strike:,.0f}"
        )

    def categories(self) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        for cid, (name, parent) in CATEGORIES.items():
            item: dict[str, Any] = {"name": name}
            if parent is not None:
                item["parent_id"] = parent
            markets = [m for m in MARKETS if m.category == cid]
            if markets:
                item["markets"] = [
                    {
                        "name": m.name,
                        "symbol": m.symbol,
                        "exchange": EXCHANGE,
                        "conid": m.conid,
                        "product_conid": m.product_conid,
                    }
                    for m in markets
                ]
            tree[cid] = item
        return {"categories": tree}

    def market_answer(self, market: EventMarket) -> dict[str, Any]:
        expiration = self._expiration(market)
        measured = self._measured(market)
        contracts = [
            {
                "conid": c.conid,
                "side": c.side,
                "expiration": expiration.strftime("%Y%m%d"),
                "strike": c.strike,
                "strike_label": self._label(market, c.strike),
                "expiry_label": measured.strftime("%b %d %Y"),
                "underlying_conid": market.conid,
                "time_specifier": measured.strftime("%Y.%m.%d"),
            }
            for c in self._contracts.values()
            if c.market is market
        ]
        return {
            "market_name": market.name,
            "exchange": EXCHANGE,
            "symbol": market.symbol,
            "logo_category": market.logo_category,
            "exclude_historical_data": False,
            "payout": 1.0,
            "contracts": contracts,
        }

    def details(self, contract: EventContract) -> dict[str, Any]:
        market = contract.market
        label = self._label(market, contract.strike)
        return {
            "conid_yes": contract.yes,
            "conid_no": contract.no,
            "question": market.question.format(strike_label=label.lower()),
            "side": contract.side,
            "strike_label": label,
            "strike": contract.strike,
            "exchange": EXCHANGE,
            "expiration": self._expiration(market).strftime("%Y%m%d"),
            "symbol": market.symbol,
            "category": market.category,
            "logo_category": market.logo_category,
            "measured_period": self._measured(market).strftime("%b%d'%y"),
            "market_name": market.name,
            "underlying_conid": market.conid,
            "payout": 1.0,
        }

    def rules(self, contract: EventContract) -> dict[str, Any]:
        market = contract.market
        expiration = self._expiration(market)
        last_trade = datetime(expiration.year, expiration.month, expiration.day, 15, tzinfo=UTC)
        return {
            "asset_class": "OPT",
            "description": market.description,
            "market_name": market.name,
            "measured_period": self._measured(market).strftime("%b%d'%y"),
            "threshold": f"{contract.strike}",
            "source_agency": market.source_agency,
            "data_and_resolution_link": market.link,
            "last_trade_time": int(last_trade.timestamp()),
            "product_code": market.symbol,
            "market_rules_link": f"https://forecastex.example/rules/{market.symbol}.pdf",
            "release_time": int(last_trade.timestamp()),
            "payout_time": int(last_trade.timestamp()) + 75_600,
            "payout": "$1.00",
            "price_increment": "$0.01",
            "exchange_timezone": TIMEZONE,
        }

    @staticmethod
    def schedules() -> dict[str, Any]:
        days = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
        return {
            "timezone": TIMEZONE,
            "trading_schedules": [
                {
                    "day_of_week": day,
                    "trading_times": [
                        {"open": "12:00 AM", "close": "4:00 PM"},
                        {"open": "4:15 PM", "close": "11:59 PM"},
                    ],
                }
                for day in days
            ],
        }
