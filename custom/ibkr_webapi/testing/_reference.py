"""Reference data the simulator serves as it is: currencies and their pairs, IB algos, bond issuers
and their filters, and the order rules of a contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._catalogue import Contract

# Units of each currency one US dollar buys.
USD_RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 0.9213,
    "GBP": 0.7891,
    "JPY": 151.62,
    "CHF": 0.9034,
    "CAD": 1.3571,
    "AUD": 1.5218,
    "HKD": 7.8265,
    "SGD": 1.3478,
    "CNH": 7.2411,
}
# Currency pairs as IDEALPRO lists them (base.quote) and their conids.
PAIRS: dict[str, int] = {
    "EUR.USD": 12087792,
    "GBP.USD": 12087797,
    "AUD.USD": 14433401,
    "USD.JPY": 15016059,
    "USD.CHF": 12087820,
    "USD.CAD": 15016062,
    "USD.HKD": 12087817,
    "USD.SGD": 37928772,
    "USD.CNH": 113342317,
    "EUR.GBP": 12087788,
    "EUR.JPY": 14321016,
    "EUR.CHF": 12087802,
    "GBP.JPY": 14321015,
}


def exchange_rate(source: str, target: str) -> float | None:
    """How many ``target`` one ``source`` buys; None for a currency the simulator does not know."""
    if source not in USD_RATES or target not in USD_RATES:
        return None
    return round(USD_RATES[target] / USD_RATES[source], 8)


def currency_pairs(currency: str) -> list[dict[str, Any]]:
    """The pairs that have ``currency`` on one side, named from its side."""
    pairs = []
    for symbol, conid in PAIRS.items():
        base, quote = symbol.split(".")
        if currency in (base, quote):
            pairs.append(
                {"symbol": symbol, "conid": conid, "ccyPair": quote if base == currency else base}
            )
    return pairs


@dataclass(frozen=True)
class Algo:
    id: str
    name: str
    description: str
    parameters: tuple[dict[str, Any], ...]


ALGOS: tuple[Algo, ...] = (
    Algo("Adaptive", "Adaptive", "Works the order between the bid and the ask by urgency", (
        {"id": "adaptivePriority", "name": "Adaptive order priority/urgency", "guiRank": 1,
         "defaultValue": "Normal", "legalStrings": ["Urgent", "Normal", "Patient"],
         "required": "true", "valueClassName": "String"},
    )),
    Algo("ArrivalPx", "Arrival Price", "Aims at the price when the order arrived", (
        {"id": "riskAversion", "name": "Urgency/Risk aversion", "guiRank": 3,
         "defaultValue": "Neutral", "legalStrings": ["GetDone", "Aggressive", "Neutral", "Passive"],
         "required": "true", "valueClassName": "String"},
        {"id": "maxPctVol", "name": "Max Percentage", "guiRank": 2, "defaultValue": 0.1,
         "minValue": 0.01, "maxValue": 0.5, "required": "false", "valueClassName": "Double"},
        {"id": "allowPastEndTime", "name": "Allow trading past end time", "guiRank": 6,
         "defaultValue": False, "required": "false", "valueClassName": "Boolean"},
    )),
    Algo("Twap", "TWAP", "Trades evenly over the time window", (
        {"id": "startTime", "name": "Start Time", "guiRank": 1, "required": "false",
         "valueClassName": "Time", "description": "Defaults to the start of trading"},
        {"id": "endTime", "name": "End Time", "guiRank": 2, "required": "false",
         "valueClassName": "Time", "description": "Defaults to the end of trading"},
    )),
    Algo("Vwap", "VWAP", "Trades along the day's volume profile", (
        {"id": "maxPctVol", "name": "Max Percentage", "guiRank": 1, "defaultValue": 0.1,
         "minValue": 0.01, "maxValue": 0.5, "required": "false", "valueClassName": "Double"},
        {"id": "noTakeLiq", "name": "Do not take liquidity", "guiRank": 2,
         "defaultValue": False, "required": "false", "valueClassName": "Boolean"},
    )),
    Algo("PctVol", "Percentage of Volume", "Participates at a share of the market's volume", (
        {"id": "pctVol", "name": "Target Percentage", "guiRank": 1, "defaultValue": 0.1,
         "minValue": 0.01, "maxValue": 0.5, "required": "true", "valueClassName": "Double"},
    )),
)  # fmt: skip
# Options and futures accept fewer algos than stocks.
DERIVATIVE_ALGOS = frozenset({"Adaptive", "Twap", "Vwap"})


def algos(
    contract: Contract, wanted: list[str], *, descriptions: bool, parameters: bool
) -> list[dict[str, Any]]:
    """The algos a contract supports (only ``wanted`` when given), with what was asked of them."""
    found = []
    for algo in ALGOS:
        if contract.is_derivative and algo.id not in DERIVATIVE_ALGOS:
            continue
        if wanted and algo.id not in wanted:
            continue
        item: dict[str, Any] = {"name": algo.name, "id": algo.id}
        if descriptions:
            item["description"] = algo.description
        if parameters:
            item["parameters"] = [dict(p) for p in algo.parameters]
        found.append(item)
    return found


@dataclass(frozen=True)
class Bond:
    conid: int
    issuer_id: str
    ticker: str
    coupon: float
    maturity: str  # YYYYMMDD
    issued: str  # YYYYMMDD
    currency: str = "USD"


BOND_ISSUERS: dict[str, list[tuple[str, str]]] = {
    "IBM": [("e1400789", "International Business Machines Corp"), ("e5499005", "IBM International Capital Pte Ltd")],
    "AAPL": [("e1359061", "Apple Inc")],
}  # fmt: skip
BONDS: tuple[Bond, ...] = (
    Bond(476402711, "e1400789", "IBM 3.45 02/19/26", 3.45, "20260219", "20160219"),
    Bond(512315418, "e1400789", "IBM 3.3 05/15/26", 3.3, "20260515", "20190515"),
    Bond(603421987, "e1400789", "IBM 4.15 05/15/39", 4.15, "20390515", "20190515"),
    Bond(603422114, "e5499005", "IBM 4.6 02/05/27", 4.6, "20270205", "20240205"),
    Bond(431876512, "e1359061", "AAPL 3.25 02/23/26", 3.25, "20260223", "20160223"),
    Bond(540112978, "e1359061", "AAPL 2.65 05/11/50", 2.65, "20500511", "20200511"),
)
BOND_SEARCH_CONID = 2147483647  # what the gateway gives the "fixed income" entry of a search


def bonds_of(issuer_id: str) -> list[Bond]:
    return [bond for bond in BONDS if bond.issuer_id == issuer_id]


def bond_filters(issuer_id: str) -> list[dict[str, Any]]:
    """The filters of an issuer's bonds: maturity, issue date, coupon, currency."""
    bonds = bonds_of(issuer_id)

    def month(text: str) -> dict[str, str]:
        return {"text": f"{_MONTHS[int(text[4:6]) - 1]} {text[:4]}", "value": text[:6]}

    def day(text: str) -> dict[str, str]:
        return {"text": f"{_MONTHS[int(text[4:6]) - 1]} {text[6:]} {text[:4]}", "value": text}

    return [
        {"displayText": "Maturity Date", "columnId": 27,
         "options": [month(t) for t in sorted({b.maturity for b in bonds})]},
        {"displayText": "Issue Date", "columnId": 28,
         "options": [day(t) for t in sorted({b.issued for b in bonds})]},
        {"displayText": "Coupon", "columnId": 25,
         "options": [{"value": f"{c:g}"} for c in sorted({b.coupon for b in bonds})]},
        {"displayText": "Currency", "columnId": 5,
         "options": [{"value": c} for c in sorted({b.currency for b in bonds})]},
    ]  # fmt: skip


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def order_rules(contract: Contract, price: float, *, accounts: list[str]) -> dict[str, Any]:
    """What orders ``contract`` accepts (``/iserver/contract/rules``)."""
    tick = contract.tick if contract.is_derivative else (0.01 if price >= 1 else 0.0001)
    size = 1.0 if contract.is_derivative else 100.0
    types = ["limit", "midprice", "market", "stop", "stop_limit", "mit", "lit", "trailing_stop",
             "trailing_stop_limit", "relative", "marketonclose", "limitonclose"]  # fmt: skip
    return {
        "algoEligible": True,
        "allOrNoneEligible": True,
        "costReport": False,
        "canTradeAcctIds": list(accounts),
        "error": None,
        "orderTypes": types,
        "ibAlgoTypes": ["limit", "stop_limit", "lit", "trailing_stop_limit", "relative"],
        "fraqTypes": [] if contract.is_derivative else ["limit", "market", "stop", "stop_limit"],
        "forceOrderPreview": False,
        "cqtTypes": ["limit", "market", "stop", "stop_limit"],
        "orderDefaults": {"LMT": {"LP": f"{price:.2f}"}},
        "orderTypesOutside": ["limit", "stop_limit", "lit", "trailing_stop_limit", "relative"],
        "defaultSize": size,
        "cashSize": 0.0,
        "sizeIncrement": size,
        "tifTypes": [
            "IOC/MARKET,LIMIT,RELATIVE,MARKETONCLOSE,MIDPRICE,LIMITONCLOSE,a",
            "GTC/o,a",
            "OPG/LIMIT,MARKET,a",
            "GTD/o,a",
            "DAY/o,a",
        ],
        "tifDefaults": {"TIF": "DAY", "SIZE": f"{size:.2f}", "DEFAULT_ACCT": accounts[0]},
        "limitPrice": price,
        "stopPrice": price,
        "orderOrigination": None,
        "preview": True,
        "displaySize": None,
        "fraqInt": 4,
        "cashCcy": contract.currency,
        "cashQtyIncr": 500,
        "priceMagnifier": None,
        "negativeCapable": False,
        "incrementType": 1,
        "incrementRules": [{"lowerEdge": 0.0, "increment": tick}],
        "hasSecondary": True,
        "modTypes": [],
        "increment": tick,
        "incrementDigits": 2 if tick >= 0.01 else 4,
    }
