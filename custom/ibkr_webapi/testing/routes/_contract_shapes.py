"""How the gateway writes a contract in each of its contract answers (search, secdef info, contract
info, trsrv secdef): one function per shape."""

from __future__ import annotations

from typing import Any

from .._catalogue import VALID_EXCHANGES, Catalogue, Contract
from .._derivatives import OPTION_EXCHANGES, last_trading_day, month_code
from .._reference import BOND_ISSUERS, BOND_SEARCH_CONID, Bond
from .._snapshot import describe

OPTION_VALID_EXCHANGES = OPTION_EXCHANGES.replace(";", ",")


def _ymd(contract: Contract) -> str | None:
    return None if contract.expiry is None else contract.expiry.strftime("%Y%m%d")


def _valid_exchanges(contract: Contract) -> str:
    if contract.sec_type == "OPT":
        return OPTION_VALID_EXCHANGES
    if contract.sec_type in ("FUT", "IND"):
        return contract.listing_exchange
    return VALID_EXCHANGES


def _months(contracts: list[Contract]) -> str:
    return ";".join(dict.fromkeys(month_code(c.expiry) for c in contracts if c.expiry is not None))


def _dates(contracts: list[Contract]) -> str | None:
    days = dict.fromkeys(_ymd(c) for c in contracts if c.expiry is not None)
    return ";".join(d for d in days if d) or None


def search_result(contract: Contract, catalogue: Catalogue) -> dict[str, Any]:
    """One match of ``/iserver/secdef/search`` for a stock or an index."""
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
        "sections": [{"secType": contract.sec_type}],
    }
    if contract.sec_type == "IND":
        futures = catalogue.derivatives_of(contract.conid, "FUT")
        result["sections"] = [{"secType": "IND", "exchange": f"{exchange};"}]
        if futures:
            result["sections"].append(
                {"secType": "FUT", "months": _months(futures), "exchange": exchange}
            )
        return result
    options = catalogue.derivatives_of(contract.conid, "OPT")
    if options:
        result["opt"] = _dates(options)
        result["sections"].append(
            {"secType": "OPT", "months": _months(options), "exchange": OPTION_EXCHANGES}
        )
    if not contract.synthetic:
        result["sections"].append(
            {"secType": "CFD", "exchange": "SMART", "conid": str(contract.conid + 100_000_000)}
        )
    return result


def bond_search_result(symbol: str) -> dict[str, Any] | None:
    """The "fixed income" match of a search: the symbol's bond issuers."""
    issuers = BOND_ISSUERS.get(symbol.upper())
    if not issuers:
        return None
    return {
        "issuers": [{"id": issuer, "name": name} for issuer, name in issuers],
        "bondid": 5,
        "conid": str(BOND_SEARCH_CONID),
        "companyHeader": "Corporate Fixed Income",
        "companyName": None,
        "symbol": None,
        "description": None,
        "restricted": None,
        "fop": None,
        "opt": None,
        "war": None,
        "sections": [{"secType": "BOND"}],
    }


def secdef_info(contract: Contract) -> dict[str, Any]:
    """One item of ``/iserver/secdef/info``."""
    item: dict[str, Any] = {
        "conid": contract.conid,
        "ticker": contract.symbol,
        "secType": contract.sec_type,
        "listingExchange": contract.listing_exchange,
        "exchange": contract.listing_exchange if contract.sec_type == "FUT" else "SMART",
        "companyName": contract.company_name,
        "currency": contract.currency,
        "validExchanges": _valid_exchanges(contract),
        "priceRendering": None,
        "maturityDate": _ymd(contract),
        "right": contract.right if contract.right is not None else "?",
        "strike": contract.strike if contract.strike is not None else 0.0,
    }
    if contract.is_derivative:
        item.update(
            {
                "multiplier": f"{contract.multiplier:g}" if contract.multiplier else None,
                "tradingClass": contract.trading_class,
                "desc1": contract.symbol,
                "desc2": describe(contract).removeprefix(contract.symbol).strip(),
                "showPrips": False,
            }
        )
    return item


def bond_info(bond: Bond) -> dict[str, Any]:
    """One bond of ``/iserver/secdef/info?sectype=BOND``."""
    return {
        "conid": bond.conid,
        "ticker": bond.ticker.split()[0],
        "secType": "BOND",
        "listingExchange": "SMART",
        "exchange": "SMART",
        "companyName": bond.ticker,
        "currency": bond.currency,
        "validExchanges": "SMART,IBKRATS",
        "priceRendering": None,
        "maturityDate": bond.maturity,
        "right": "?",
        "strike": 0.0,
        "desc1": bond.ticker,
        "desc2": f"{bond.coupon:g} {bond.maturity[4:6]}/{bond.maturity[6:]}/{bond.maturity[2:4]}",
    }


def contract_info(contract: Contract) -> dict[str, Any]:
    """``/iserver/contract/{conid}/info``."""
    info: dict[str, Any] = {
        "cfi_code": "",
        "symbol": contract.symbol,
        "cusip": None,
        "expiry_full": None,
        "con_id": contract.conid,
        "maturity_date": None,
        "industry": contract.industry,
        "instrument_type": contract.sec_type,
        "trading_class": contract.symbol if contract.listing_exchange != "NASDAQ" else "NMS",
        "valid_exchanges": _valid_exchanges(contract),
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
    if contract.underlying is not None and contract.expiry is not None:
        option = contract.sec_type == "OPT"
        info.update(
            {
                "cfi_code": ("OCXXXS" if contract.right == "C" else "OPXXXS")
                if option
                else "FFICSX",
                "expiry_full": _ymd(contract),
                "maturity_date": _ymd(contract),
                "trading_class": contract.trading_class,
                "local_symbol": contract.local_symbol,
                "text": describe(contract).removeprefix(contract.symbol).strip(),
                "underlying_con_id": contract.underlying.conid,
                "r_t_h": not option,
                "multiplier": f"{contract.multiplier:g}" if contract.multiplier else None,
                "contract_month": contract.expiry.strftime("%Y%m"),
                "exchange": "SMART" if option else contract.listing_exchange,
            }
        )
        if option and contract.strike is not None:
            info["strike"] = f"{contract.strike:g}"
            info["right"] = "CALL" if contract.right == "C" else "PUT"
    return info


def security_definition(contract: Contract, *, has_options: bool) -> dict[str, Any]:
    """One item of ``/trsrv/secdef``."""
    last_day = last_trading_day(contract)
    tick = contract.tick if contract.is_derivative else 0.01
    return {
        "incrementRules": [{"lowerEdge": 0.0, "increment": tick}],
        "displayRule": {
            "magnification": 0,
            "displayRuleStep": [{"decimalDigits": 2, "lowerEdge": 0.0, "wholeDigits": 4}],
        },
        "conid": contract.conid,
        "currency": contract.currency,
        "time": 770,
        "chineseName": "",
        "allExchanges": _valid_exchanges(contract),
        "listingExchange": contract.listing_exchange,
        "countryCode": "US",
        "name": contract.company_name,
        "assetClass": contract.sec_type,
        "expiry": _ymd(contract),
        "lastTradingDay": None if last_day is None else last_day.strftime("%Y%m%d"),
        "group": contract.industry,
        "putOrCall": contract.right,
        "sector": "Technology" if contract.industry in ("Computers", "Software") else "Various",
        "sectorGroup": contract.category,
        "strike": f"{contract.strike:g}" if contract.strike is not None else "0",
        "ticker": contract.symbol,
        "undConid": contract.underlying.conid if contract.underlying is not None else 0,
        "multiplier": contract.multiplier or 0.0,
        "type": "COMMON" if contract.sec_type == "STK" else contract.sec_type,
        "hasOptions": has_options,
        "fullName": describe(contract),
        "isUS": True,
        "isEventContract": False,
    }
