"""Contract routes: search (POST and GET), security definitions, strikes, contract details and rules,
algos, trading schedules, currencies, bonds, futures and stocks by symbol."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from .._catalogue import Contract, SecTypeFilter
from .._derivatives import last_trading_day, month_code
from .._errors import bad_request
from .._reference import (
    algos,
    bond_filters,
    bonds_of,
    currency_pairs,
    exchange_rate,
    order_rules,
)
from .._routing import ApiRoute, Call
from .._schedule import CME, NASDAQ, NYSE, VENUES, contract_schedule, venue, weekly_schedule
from . import _contract_shapes as shapes
from ._common import id_list, known_contract

_SEARCH_TYPES: dict[str, SecTypeFilter] = {"": None, "STK": "STK", "IND": "IND"}
_DERIVATIVES = ("OPT", "FUT", "FOP", "WAR")
_TRUE = ("true", "1", "yes")


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in _TRUE)


def _search(call: Call, symbol: object, sec_type: object, by_name: object) -> list[dict[str, Any]]:
    if not isinstance(symbol, str) or not symbol.strip():
        raise bad_request('give a symbol to search for, e.g. symbol=IBM or {"symbol": "IBM"}')
    kind = str(sec_type or "").strip().upper()
    sim = call.sim
    results: list[dict[str, Any]] = []
    if kind in _SEARCH_TYPES:
        found = sim.catalogue.search(symbol, by_name=_flag(by_name), sec_type=_SEARCH_TYPES[kind])
        # The gateway now knows these underlyings: their derivatives can be quoted and listed.
        sim.snapshots.note_search([c.conid for c in found], sim.session.generation)
        results = [shapes.search_result(c, sim.catalogue) for c in found]
    if kind in ("", "BOND") and not _flag(by_name):
        bonds = shapes.bond_search_result(symbol.strip())
        if bonds is not None:
            results.append(bonds)
    return results


async def secdef_search(call: Call) -> Any:
    body = call.json_object()
    return _search(call, body.get("symbol"), body.get("secType"), body.get("name"))


async def secdef_search_by_query(call: Call) -> Any:
    return _search(call, call.query("symbol"), call.query("secType"), call.query("name"))


def _number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise bad_request(f"{name} must be a number, got '{text}'")
    return value


def _derivative_filter(call: Call, sec_type: str) -> tuple[str, float | None, str]:
    month = call.query("month").strip().upper()
    strike_text = call.query("strike").strip()
    right = call.query("right").strip().upper()
    if sec_type != "FUT" and not month:
        raise bad_request(f"month is required for {sec_type}, e.g. month=JAN25")
    if sec_type in ("OPT", "FOP") and not strike_text:
        raise bad_request(
            f"strike is required for {sec_type}; list them with /iserver/secdef/strikes"
        )
    if right not in ("", "C", "P", "CALL", "PUT"):
        raise bad_request(f"right must be C or P, got '{right}'")
    strike = _number(strike_text, "strike") if strike_text else None
    return month, strike, right[:1]


async def secdef_info(call: Call) -> Any:
    if not call.query("conid"):
        raise bad_request("conid is required")
    contract = known_contract(call, call.query("conid"))
    sec_type = call.query("sectype").strip().upper()
    if not sec_type:
        raise bad_request("sectype is required, e.g. sectype=OPT")
    if contract.is_derivative:  # the derivative's own conid: its own definition
        return [shapes.secdef_info(contract)] if contract.sec_type == sec_type else []
    if sec_type == "BOND":
        issuer = call.query("issuerId")
        if not issuer:
            raise bad_request("issuerId is required for bonds (see /iserver/secdef/search)")
        return [shapes.bond_info(bond) for bond in bonds_of(issuer)]
    if sec_type not in _DERIVATIVES:
        return [shapes.secdef_info(contract)] if contract.sec_type == sec_type else []
    month, strike, right = _derivative_filter(call, sec_type)

    def wanted(c: Contract) -> bool:
        return (
            (not month or (c.expiry is not None and month_code(c.expiry) == month))
            and (strike is None or (c.strike is not None and abs(c.strike - strike) < 1e-6))
            and (not right or c.right == right)
        )

    return [
        shapes.secdef_info(c)
        for c in call.sim.catalogue.derivatives_of(contract.conid, sec_type, wanted)
    ]


async def strikes(call: Call) -> Any:
    for name in ("conid", "sectype", "month"):
        if not call.query(name):
            raise bad_request(f"{name} is required")
    contract = known_contract(call, call.query("conid"))
    sec_type, month = call.query("sectype").upper(), call.query("month").strip().upper()
    empty: dict[str, list[float]] = {"call": [], "put": []}
    sim = call.sim
    if sec_type not in ("OPT", "FOP", "WAR") or not sim.snapshots.was_searched(
        contract.conid, sim.session.generation
    ):
        return empty  # the gateway wants a search of the underlying first
    options = sim.catalogue.derivatives_of(
        contract.conid, sec_type, lambda c: c.expiry is not None and month_code(c.expiry) == month
    )
    return {
        "call": sorted({c.strike for c in options if c.right == "C" and c.strike is not None}),
        "put": sorted({c.strike for c in options if c.right == "P" and c.strike is not None}),
    }


def _price(call: Call, contract: Contract) -> float:
    return call.sim.market.last(contract, call.now)


async def contract_info(call: Call) -> Any:
    return shapes.contract_info(known_contract(call, call.path_param("conid")))


async def contract_info_and_rules(call: Call) -> Any:
    contract = known_contract(call, call.path_param("conid"))
    accounts = list(call.sim.config.accounts)
    rules = order_rules(contract, _price(call, contract), accounts=accounts)
    return {**shapes.contract_info(contract), "rules": rules}


async def contract_rules(call: Call) -> Any:
    body = call.json_object()
    conid = body.get("conid")
    if isinstance(conid, bool) or not isinstance(conid, int | str):
        raise bad_request('the body must name a conid, e.g. {"conid": 265598, "isBuy": true}')
    contract = known_contract(call, str(conid))
    if body.get("modifyOrder") is True and not isinstance(body.get("orderId"), int):
        raise bad_request("orderId is required with modifyOrder")
    accounts = list(call.sim.config.accounts)
    return order_rules(contract, _price(call, contract), accounts=accounts)


def _int_flag(call: Call, name: str) -> bool:
    return call.query(name).strip() == "1"


async def contract_algos(call: Call) -> Any:
    contract = known_contract(call, call.path_param("conid"))
    # The gateway separates algo ids with ";" (at most 8).
    wanted = id_list(call.query("algos").replace(";", ","))
    if len(wanted) > 8:
        raise bad_request("at most 8 algo ids, separated by ';'")
    found = algos(
        contract,
        wanted,
        descriptions=_int_flag(call, "addDescription"),
        parameters=_int_flag(call, "addParams"),
    )
    return {"algos": found}


async def trading_schedule(call: Call) -> Any:
    if not call.query("conid"):
        raise bad_request("conid is required")
    contract = known_contract(call, call.query("conid"))
    return contract_schedule(contract, call.sim.catalogue.today)


async def symbol_schedule(call: Call) -> Any:
    asset_class, symbol = call.query("assetClass").upper(), call.query("symbol").upper()
    if not asset_class or not symbol:
        raise bad_request("assetClass and symbol are required, e.g. assetClass=STK&symbol=AAPL")
    catalogue = call.sim.catalogue
    found = [c for c in catalogue.search(symbol) if c.symbol == symbol]
    if not found:
        raise bad_request(f"no contract for symbol '{symbol}'")
    contract = found[0]
    if asset_class in ("OPT", "FUT"):
        derived = catalogue.derivatives_of(contract.conid, asset_class)
        if not derived:
            raise bad_request(f"no {asset_class} contracts for symbol '{symbol}'")
        contract = derived[0]
    first = venue(contract)
    venues = (
        [first] if first is CME or asset_class != "STK" else [first, NYSE, NASDAQ, VENUES["ARCA"]]
    )
    venues = list(dict.fromkeys(venues))
    only = {e.strip().upper() for e in call.query("exchangeFilter").split(",") if e.strip()}
    return [
        weekly_schedule(hours, n)
        for n, hours in enumerate(venues)
        if not only or hours.exchange in only
    ]


async def currency_pairs_route(call: Call) -> Any:
    currency = call.query("currency").strip().upper()
    if not currency:
        raise bad_request("currency is required, e.g. currency=USD")
    return {currency: currency_pairs(currency)}


async def exchange_rate_route(call: Call) -> Any:
    source, target = call.query("source").strip().upper(), call.query("target").strip().upper()
    if not source or not target:
        raise bad_request("source and target are required, e.g. source=USD&target=EUR")
    rate = exchange_rate(source, target)
    if rate is None:
        raise bad_request(f"no exchange rate for {source} to {target}")
    return {"rate": rate}


async def bond_filters_route(call: Call) -> Any:
    if not call.query("symbol") or not call.query("issuerId"):
        raise bad_request("symbol and issuerId are required")
    if not bonds_of(call.query("issuerId")):
        raise bad_request(f"unknown issuerId '{call.query('issuerId')}'")
    return {"bondFilters": bond_filters(call.query("issuerId"))}


async def exchange_conids(call: Call) -> Any:
    exchange = call.query("exchange").strip().upper()
    if not exchange:
        raise bad_request("exchange is required, e.g. exchange=NASDAQ")
    asset_class = call.query("assetClass", "STK").strip().upper() or "STK"
    catalogue = call.sim.catalogue
    if asset_class == "STK":
        pool = [c for c in catalogue.all() if not c.synthetic]
    else:
        pool = [c for c in catalogue.derivatives().values() if c.sec_type == asset_class]
    return [
        {"ticker": c.symbol, "conid": c.conid, "exchange": c.listing_exchange}
        for c in pool
        if c.listing_exchange == exchange
    ]


async def futures(call: Call) -> Any:
    symbols = [s.upper() for s in id_list(call.query("symbols"))]
    if not symbols:
        raise bad_request("symbols is required, e.g. symbols=ES,NQ")
    catalogue = call.sim.catalogue
    answer: dict[str, list[dict[str, Any]]] = {}
    for symbol in symbols:
        indexes = [c for c in catalogue.indexes() if c.symbol == symbol]
        made = catalogue.derivatives_of(indexes[0].conid, "FUT") if indexes else []
        answer[symbol] = [_future(c) for c in made]
    return answer


def _future(contract: Contract) -> dict[str, Any]:
    def ymd(day: date | None) -> int:
        return int(day.strftime("%Y%m%d")) if day is not None else 0

    last_day = ymd(last_trading_day(contract))
    return {
        "symbol": contract.symbol,
        "conid": contract.conid,
        "underlyingConid": contract.underlying.conid if contract.underlying is not None else 0,
        "expirationDate": ymd(contract.expiry),
        "ltd": last_day,
        "shortFuturesCutOff": last_day,
        "longFuturesCutOff": last_day,
    }


async def stocks(call: Call) -> Any:
    symbols = [s.upper() for s in id_list(call.query("symbols"))]
    if not symbols:
        raise bad_request("symbols is required, e.g. symbols=AAPL,IBM")
    answer: dict[str, list[dict[str, Any]]] = {}
    for symbol in symbols:
        found = [c for c in call.sim.catalogue.search(symbol, sec_type="STK") if c.symbol == symbol]
        answer[symbol] = [
            {
                "name": c.company_name,
                "chineseName": "",
                "assetClass": "STK",
                "contracts": [{"conid": c.conid, "exchange": c.listing_exchange, "isUS": True}],
            }
            for c in found
        ]
    return answer


async def security_definitions(call: Call) -> Any:
    texts = id_list(call.query("conids"))
    if not texts:
        raise bad_request("conids is required, e.g. conids=265598,8314")
    catalogue = call.sim.catalogue
    found = []
    for text in texts:
        contract = catalogue.get(int(text)) if text.isdigit() else None
        if contract is not None:
            options = contract.sec_type == "STK" and bool(
                catalogue.derivatives_of(contract.conid, "OPT")
            )
            found.append(shapes.security_definition(contract, has_options=options))
    return {"secdef": found}


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("POST", "/iserver/secdef/search", secdef_search),
    ApiRoute("GET", "/iserver/secdef/search", secdef_search_by_query),
    ApiRoute("GET", "/iserver/secdef/info", secdef_info),
    ApiRoute("GET", "/iserver/secdef/strikes", strikes),
    ApiRoute("GET", "/iserver/secdef/bond-filters", bond_filters_route),
    ApiRoute("GET", "/iserver/contract/{conid}/info", contract_info),
    ApiRoute("GET", "/iserver/contract/{conid}/info-and-rules", contract_info_and_rules),
    ApiRoute("GET", "/iserver/contract/{conid}/algos", contract_algos),
    ApiRoute("POST", "/iserver/contract/rules", contract_rules),
    ApiRoute("GET", "/iserver/currency/pairs", currency_pairs_route),
    ApiRoute("GET", "/iserver/exchangerate", exchange_rate_route),
    ApiRoute("GET", "/contract/trading-schedule", trading_schedule, tier="read_only"),
    ApiRoute("GET", "/trsrv/secdef/schedule", symbol_schedule, tier="read_only"),
    ApiRoute("GET", "/trsrv/secdef", security_definitions, tier="read_only"),
    ApiRoute("GET", "/trsrv/futures", futures, tier="read_only"),
    ApiRoute("GET", "/trsrv/stocks", stocks, tier="read_only"),
    ApiRoute("GET", "/trsrv/all-conids", exchange_conids, tier="read_only"),
)
