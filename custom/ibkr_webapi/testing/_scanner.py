"""The market scanner: its parameters, and scans ranked from the catalogue's live quotes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._catalogue import Catalogue, Contract
from ._errors import bad_request
from ._market import Market, Quote
from ._noise import uniform

MAX_RESULTS = 50  # IBKR answers at most 50 contracts a scan

# (type, display name, locations (code, name, exchanges that belong there, nested))
Location = tuple[str, str, frozenset[str], tuple[Any, ...]]
_US_LISTED = frozenset({"NASDAQ", "NYSE", "ARCA", "AMEX"})
_STOCK_LOCATIONS: tuple[Location, ...] = (
    (
        "STK.US.MAJOR",
        "Listed/NASDAQ",
        _US_LISTED,
        (
            ("STK.NASDAQ", "NASDAQ", frozenset({"NASDAQ"}), ()),
            ("STK.NYSE", "NYSE", frozenset({"NYSE"}), ()),
            ("STK.ARCA", "NYSE Arca", frozenset({"ARCA"}), ()),
            ("STK.AMEX", "NYSE American", frozenset({"AMEX"}), ()),
        ),
    ),
    ("STK.US.MINOR", "OTCMarkets", frozenset(), ()),
)
INSTRUMENTS: tuple[tuple[str, str, tuple[Location, ...]], ...] = (
    ("STK", "US Stocks", _STOCK_LOCATIONS),
    (
        "ETF.EQ.US",
        "US Equity ETFs",
        (("ETF.EQ.US.MAJOR", "Listed/NASDAQ", _US_LISTED, ()),),
    ),
    (
        "FUT.US",
        "US Futures",
        (
            ("FUT.CME", "CME", frozenset({"CME"}), ()),
            ("FUT.CBOT", "CBOT", frozenset({"CBOT"}), ()),
            ("FUT.NYMEX", "NYMEX", frozenset({"NYMEX"}), ()),
        ),
    ),
    ("IND.US", "US Indexes", (("IND.US", "US Indexes", frozenset(), ()),)),
)
_EQUITY = ("STK", "ETF.EQ.US")
_EVERY = ("STK", "ETF.EQ.US", "FUT.US", "IND.US")


@dataclass(frozen=True)
class ScanKind:
    """One scan type: what it ranks by, how that value reads, and which way is best."""

    code: str
    name: str
    column: str
    instruments: tuple[str, ...]
    metric: Callable[[Contract, Quote, float], float]
    show: Callable[[float], str]
    descending: bool = True


def _percent(value: float) -> str:
    return f"{value:+.2f}%"


def _count(value: float) -> str:
    """IBKR's compact counts: ``221.521K``, ``24.512M``."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.3f}K"
    return f"{value:.0f}"


def _change(_: Contract, q: Quote, __: float) -> float:
    return (q.last - q.prior_close) / q.prior_close * 100 if q.prior_close else 0.0


def _gap(_: Contract, q: Quote, __: float) -> float:
    return (q.open - q.prior_close) / q.prior_close * 100 if q.prior_close else 0.0


def _day_share(now: float) -> float:
    return max(0.02, (now % 86_400) / 86_400)


SCAN_KINDS: tuple[ScanKind, ...] = (
    ScanKind("TOP_PERC_GAIN", "Top % Gainers", "Change %", _EVERY, _change, _percent),
    ScanKind("TOP_PERC_LOSE", "Top % Losers", "Change %", _EVERY, _change, _percent, False),
    ScanKind("MOST_ACTIVE", "Most Active", "Volume", _EQUITY, lambda c, q, n: q.volume, _count),
    ScanKind(
        "MOST_ACTIVE_USD",
        "Most Active ($)",
        "Dollar Volume",
        _EQUITY,
        lambda c, q, n: q.volume * q.last,
        _count,
    ),
    ScanKind(
        "HOT_BY_VOLUME",
        "Hot Contracts by Volume",
        "Volume Rate",
        _EVERY,
        lambda c, q, n: q.volume / (c.average_volume * _day_share(n) or 1.0),
        lambda v: f"{v:.2f}",
    ),
    ScanKind(
        "TOP_TRADE_COUNT",
        "Top Trade Count",
        "Trades",
        _EQUITY,
        lambda c, q, n: q.volume / (60 + 140 * uniform(0, c.conid, 21)),
        _count,
    ),
    ScanKind("HOT_BY_PRICE", "Hot Contracts by Price", "Change %", _EVERY, _change, _percent),
    ScanKind(
        "HIGH_VS_52W_HL",
        "52 Week High",
        "% of 52w High",
        _EQUITY,
        lambda c, q, n: q.last / q.week52_high * 100 if q.week52_high else 0.0,
        lambda v: f"{v:.2f}%",
    ),
    ScanKind(
        "LOW_VS_52W_HL",
        "52 Week Low",
        "% of 52w Low",
        _EQUITY,
        lambda c, q, n: q.last / q.week52_low * 100 if q.week52_low else 0.0,
        lambda v: f"{v:.2f}%",
        False,
    ),
    ScanKind(
        "HIGH_DIVIDEND_YIELD_IB",
        "High Dividend Yield",
        "Dividend Yield",
        ("STK",),
        lambda c, q, n: c.dividend_yield,
        lambda v: f"{v:.2f}%",
    ),
    ScanKind(
        "TOP_PRICE_RANGE",
        "Top Price Range",
        "Range %",
        _EQUITY,
        lambda c, q, n: (q.high - q.low) / q.last * 100 if q.last else 0.0,
        lambda v: f"{v:.2f}%",
    ),
    ScanKind("HIGH_OPEN_GAP", "Top Close-to-Open % Gainers", "Gap %", _EQUITY, _gap, _percent),
    ScanKind("LOW_OPEN_GAP", "Top Close-to-Open % Losers", "Gap %", _EQUITY, _gap, _percent, False),
)
_KINDS = {kind.code: kind for kind in SCAN_KINDS}


def _market_cap_m(c: Contract, q: Quote) -> float:
    return c.shares_outstanding * q.last / 1e6


# filter code -> (display name, group, test of a contract against the value)
Filter = tuple[str, str, Callable[[Contract, Quote, float], bool]]
FILTERS: dict[str, Filter] = {
    "priceAbove": ("Price Above", "priceAbove", lambda c, q, v: q.last > v),
    "priceBelow": ("Price Below", "priceBelow", lambda c, q, v: q.last < v),
    "volumeAbove": ("Volume Above", "volumeAbove", lambda c, q, v: q.volume > v),
    "volumeBelow": ("Volume Below", "volumeBelow", lambda c, q, v: q.volume < v),
    "avgVolumeAbove": (
        "Average Volume Above",
        "avgVolumeAbove",
        lambda c, q, v: c.average_volume > v,
    ),
    "marketCapAbove1e6": (
        "Market Cap Above ($M)",
        "marketCapAbove1e6",
        lambda c, q, v: _market_cap_m(c, q) > v,
    ),
    "marketCapBelow1e6": (
        "Market Cap Below ($M)",
        "marketCapBelow1e6",
        lambda c, q, v: _market_cap_m(c, q) < v,
    ),
    "changePercAbove": ("Change % Above", "changePercAbove", lambda c, q, v: _change(c, q, 0) > v),
    "changePercBelow": ("Change % Below", "changePercBelow", lambda c, q, v: _change(c, q, 0) < v),
    "dividendYieldFrdAbove": (
        "Dividend Yield Above (%)",
        "dividendYieldFrdAbove",
        lambda c, q, v: c.dividend_yield > v,
    ),
}


def _location_json(location: Location) -> dict[str, Any]:
    code, name, _, children = location
    return {
        "display_name": name,
        "type": code,
        "locations": [_location_json(child) for child in children],
    }


def scanner_parameters() -> dict[str, Any]:
    """Body of GET /iserver/scanner/params (IBKR's shape; a US-only subset of its contents)."""
    return {
        "scan_type_list": [
            {"display_name": k.name, "code": k.code, "instruments": list(k.instruments)}
            for k in SCAN_KINDS
        ],
        "instrument_list": [
            {
                "display_name": name,
                "type": code,
                "filters": sorted(FILTERS) if code in _EQUITY else ["priceAbove", "priceBelow"],
            }
            for code, name, _ in INSTRUMENTS
        ],
        "filter_list": [
            {"group": group, "display_name": name, "code": code, "type": "non-range"}
            for code, (name, group, _) in FILTERS.items()
        ]
        + [
            {
                "group": "stkTypes",
                "display_name": "Stock type",
                "code": "stkTypes",
                "combo_values": [
                    {"default": True, "vendor": None, "display_name": "All", "code": "ALL"},
                    {
                        "default": False,
                        "vendor": None,
                        "display_name": "Common",
                        "code": "inc:CORP",
                    },
                    {"default": False, "vendor": None, "display_name": "ETFs", "code": "inc:ETF"},
                ],
            }
        ],
        "location_tree": [
            {
                "display_name": name,
                "type": code,
                "locations": [_location_json(loc) for loc in locations],
            }
            for code, name, locations in INSTRUMENTS
        ],
    }


def _find_location(locations: Iterable[Location], code: str) -> Location | None:
    for location in locations:
        if location[0] == code:
            return location
        found = _find_location(location[3], code)
        if found is not None:
            return found
    return None


def _is_etf(contract: Contract) -> bool:
    return contract.industry == "Equity Fund"


def _number(code: str, value: object) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            pass
    raise bad_request(f"filter {code} needs a number, got {value!r}")


def run_scan(
    body: Mapping[str, Any], catalogue: Catalogue, market: Market, now: float
) -> dict[str, Any]:
    """Body of POST /iserver/scanner/run: the catalogue's contracts ranked by the scan."""
    instrument, code, where = body.get("instrument"), body.get("type"), body.get("location")
    if not (isinstance(instrument, str) and isinstance(code, str) and isinstance(where, str)):
        raise bad_request("instrument, type and location are required")
    tree = next((locs for inst, _, locs in INSTRUMENTS if inst == instrument), None)
    if tree is None:
        raise bad_request(f"unknown instrument '{instrument}'")
    kind = _KINDS.get(code)
    if kind is None:
        raise bad_request(f"unknown scan type '{code}'")
    if instrument not in kind.instruments:
        raise bad_request(f"scan type '{code}' does not scan '{instrument}'")
    location = _find_location(tree, where)
    if location is None:
        raise bad_request(f"location '{where}' is not a location of '{instrument}'")
    tests = []
    raw_filters = body.get("filter") or []
    if not isinstance(raw_filters, list):
        raise bad_request("filter must be a list of {code, value}")
    for item in raw_filters:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise bad_request("each filter needs a code and a value")
        if item["code"] == "stkTypes":
            continue
        known = FILTERS.get(item["code"])
        if known is None:
            raise bad_request(f"unknown filter '{item['code']}'")
        tests.append((known[2], _number(item["code"], item.get("value"))))

    exchanges = location[2]
    ranked: list[tuple[float, Contract]] = []
    for contract in catalogue.all():
        if contract.sec_type != "STK" or contract.listing_exchange not in exchanges:
            continue
        if (instrument == "ETF.EQ.US") != _is_etf(contract):
            continue
        quote = market.quote(contract, now)
        if all(test(contract, quote, value) for test, value in tests):
            ranked.append((kind.metric(contract, quote, now), contract))
    ranked.sort(key=lambda pair: (-pair[0] if kind.descending else pair[0], pair[1].conid))
    contracts = []
    for rank, (value, contract) in enumerate(ranked[:MAX_RESULTS]):
        entry: dict[str, Any] = {
            "server_id": str(rank),
            "symbol": contract.symbol,
            "conidex": str(contract.conid),
            "con_id": contract.conid,
            "available_chart_periods": "#R|1",
            "company_name": contract.company_name,
            "scan_data": kind.show(value),
            "contract_description_1": contract.symbol,
            "listing_exchange": contract.order_exchange,
            "sec_type": contract.sec_type,
        }
        if rank == 0:  # IBKR names the column on the first contract only
            entry["column_name"] = kind.column
        contracts.append(entry)
    return {"contracts": contracts, "scan_data_column_name": kind.column}
