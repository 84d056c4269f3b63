"""Contract routes: search, security definitions, contract details."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from .._catalogue import VALID_EXCHANGES, Contract
from .._errors import bad_request
from .._routing import ApiRoute, Call
from ._common import known_contract


def _monthly_expiries(today: date, count: int) -> list[date]:
    """Third Fridays of the next `count` months with one still ahead."""
    expiries: list[date] = []
    year, month = today.year, today.month
    while len(expiries) < count:
        first = date(year, month, 1)
        friday = first + timedelta(days=(4 - first.weekday()) % 7 + 14)
        if friday >= today:
            expiries.append(friday)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return expiries


def _search_result(contract: Contract, now: float) -> dict[str, Any]:
    exchange = contract.listing_exchange
    result: dict[str, Any] = {
        "conid": str(contract.conid),
        "companyHeader": f"{contract.company_name} - {exchange}",
        "companyName": contract.company_name,
        "symbol": contract.symbol,
        "description": exchange,
        "restricted": None,
        "fop": None,
        "opt": None,
        "war": None,
        "sections": [{"secType": "STK"}],
    }
    if not contract.synthetic:
        expiries = _monthly_expiries(datetime.fromtimestamp(now, UTC).date(), 4)
        dates = ";".join(d.strftime("%Y%m%d") for d in expiries)
        months = ";".join(d.strftime("%b%y").upper() for d in expiries)
        result["opt"] = dates
        result["war"] = dates
        result["sections"] += [
            {"secType": "OPT", "months": months, "exchange": "SMART;AMEX;BOX;CBOE;ISE;PHLX"},
            {"secType": "WAR", "months": months, "exchange": "FWB;SWB"},
            {"secType": "CFD", "exchange": "SMART", "conid": str(contract.conid + 100_000_000)},
        ]
    return result


async def secdef_search(call: Call) -> Any:
    body = call.json_object()
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not symbol.strip():
        raise bad_request('the body must name a symbol, e.g. {"symbol": "IBM"}')
    sec_type = str(body.get("secType") or "STK").upper()
    if sec_type != "STK":
        return []
    found = call.sim.catalogue.search(symbol, by_name=bool(body.get("name")))
    return [_search_result(contract, call.now) for contract in found]


async def secdef_info(call: Call) -> Any:
    if not call.query("conid"):
        raise bad_request("conid is required")
    contract = known_contract(call, call.query("conid"))
    if call.query("sectype", "STK").upper() != "STK":
        return []  # the simulator has no derivatives
    return [
        {
            "conid": contract.conid,
            "ticker": contract.symbol,
            "secType": contract.sec_type,
            "listingExchange": contract.listing_exchange,
            "exchange": "SMART",
            "companyName": contract.company_name,
            "currency": contract.currency,
            "validExchanges": VALID_EXCHANGES,
            "priceRendering": None,
            "maturityDate": None,
            "right": "?",
            "strike": 0.0,
        }
    ]


async def contract_info(call: Call) -> Any:
    contract = known_contract(call, call.path_param("conid"))
    return {
        "cfi_code": "",
        "symbol": contract.symbol,
        "cusip": None,
        "expiry_full": None,
        "con_id": contract.conid,
        "maturity_date": None,
        "industry": contract.industry,
        "instrument_type": contract.sec_type,
        "trading_class": contract.symbol if contract.listing_exchange != "NASDAQ" else "NMS",
        "valid_exchanges": VALID_EXCHANGES,
        "allow_sell_long": False,
        "is_zero_commission_security": False,
        "local_symbol": contract.symbol,
        "contract_clarification_type": None,
        "classifier": None,
        "currency": contract.currency,
        "text": None,
        "underlying_con_id": 0,
        "r_t_h": True,
        "multiplier": None,
        "underlying_issuer": None,
        "contract_month": None,
        "company_name": contract.company_name,
        "smart_available": True,
        "exchange": "SMART",
        "category": contract.category,
    }


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("POST", "/iserver/secdef/search", secdef_search),
    ApiRoute("GET", "/iserver/secdef/info", secdef_info),
    ApiRoute("GET", "/iserver/contract/{conid}/info", contract_info),
)
