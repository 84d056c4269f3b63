"""Account-level answers: account lists, summary, ledger and partitioned P&L."""

from __future__ import annotations

from typing import Any

from ._portfolio import Portfolio, Totals
from ._session import SERVER_INFO, USER_NAME

ALLOWED_ASSET_TYPES = "STK,CFD,OPT,FOP,WAR,FUT,BAG,PDC,CASH,IND,BOND,BILL,FUND,SLB,News,CMDTY,IOPT,ICU,ICS,PHYSS,CRYPTO"
_ACCOUNT_OPENED_MS = 1_644_814_800_000


def iserver_accounts(
    accounts: tuple[str, ...],
    *,
    session_id: str,
    paper: bool,
    selected: str | None = None,
    advisor: str | None = None,
    groups: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Body of GET /iserver/accounts; an advisor login (`advisor`, its master account, first in
    `accounts`) has child accounts, allocation groups and ``isFT``."""
    return {
        "accounts": list(accounts),
        "acctProps": {
            a: {
                "hasChildAccounts": a == advisor,
                "supportsCashQty": True,
                "supportsFractions": a != advisor,
            }
            for a in accounts
        },
        "aliases": {a: a for a in accounts},
        "allowFeatures": {
            "showGFIS": True,
            "showEUCostReport": False,
            "allowEventContract": True,
            "allowFXConv": True,
            "allowFinancialLens": False,
            "allowMTA": True,
            "allowTypeAhead": True,
            "allowEventTrading": True,
            "snapshotRefreshTimeout": 30,
            "liteUser": False,
            "showWebNews": True,
            "research": True,
            "debugPnl": True,
            "showTaxOpt": True,
            "showImpactDashboard": True,
            "allowDynAccount": False,
            "allowCrypto": False,
            "allowFA": advisor is not None,
            "allowLiteUnderlyings": False,
            "restrictTradeSubscription": False,
            "showUKUserLabels": False,
            "sideBySide": True,
            "allowedAssetTypes": ALLOWED_ASSET_TYPES,
        },
        "chartPeriods": {
            "STK": ["*"],
            "CFD": ["*"],
            "OPT": ["2h", "1d", "2d", "1w", "1m"],
            "FOP": ["2h", "1d", "2d", "1w", "1m"],
            "WAR": ["*"],
            "IOPT": ["*"],
            "FUT": ["*"],
            "CASH": ["*"],
            "IND": ["*"],
            "BOND": ["*"],
            "FUND": ["*"],
            "CMDTY": ["*"],
            "PHYSS": ["*"],
            "CRYPTO": ["*"],
        },
        "groups": list(groups),
        "profiles": [],
        "selectedAccount": selected or accounts[0],
        "serverInfo": dict(SERVER_INFO),
        "sessionId": session_id,
        "isFT": advisor is not None,
        "isPaper": paper,
    }


def portfolio_account(account: str, number: int, advisor: str | None = None) -> dict[str, Any]:
    """One account as /portfolio/accounts, /portfolio/subaccounts and /portfolio/{id}/meta show it;
    an advisor's sub-accounts are FA clients with the master account as parent."""
    is_master = account == advisor
    client = advisor is not None and not is_master
    return {
        "id": account,
        "PrepaidCrypto-Z": False,
        "PrepaidCrypto-P": False,
        "brokerageAccess": True,
        "accountId": account,
        "accountVan": account,
        "accountTitle": "Simulated Advisor" if is_master else f"Simulated Account {number}",
        "displayName": account,
        "accountAlias": None,
        "accountStatus": _ACCOUNT_OPENED_MS,
        "currency": "USD",
        "type": "ADVISOR" if is_master else "INDIVIDUAL",
        "tradingType": "STKNOPT",
        "businessType": "IB_PROSERVE",
        "ibEntity": "IBLLC-US",
        "faclient": client,
        "clearingStatus": "O",
        "covestor": False,
        "noClientTrading": False,
        "trackVirtualFXPortfolio": True,
        "parent": {
            "mmc": [],
            "accountId": advisor if client else "",
            "isMParent": False,
            "isMChild": False,
            "isMultiplex": False,
        },
        "desc": account,
    }


def portfolio_accounts(
    accounts: tuple[str, ...], advisor: str | None = None
) -> list[dict[str, Any]]:
    """Body of GET /portfolio/accounts (and /portfolio/subaccounts)."""
    return [portfolio_account(a, i + 1, advisor) for i, a in enumerate(accounts)]


def subaccounts_page(
    subaccounts: tuple[str, ...], page: int, page_size: int, advisor: str | None
) -> dict[str, Any]:
    """Body of GET /portfolio/subaccounts2?page=N: one page of sub-accounts with the totals."""
    start = page * page_size
    chosen = subaccounts[start : start + page_size] if page >= 0 else ()
    return {
        "metadata": {"total": len(subaccounts), "pageSize": page_size, "pageNum": page},
        "subaccounts": [portfolio_account(a, start + i + 1, advisor) for i, a in enumerate(chosen)],
    }


def signatures_and_owners(account: str) -> dict[str, Any]:
    """Body of GET /acesws/{acct}/signatures-and-owners: the simulated user owns every account."""
    return {
        "accountId": account,
        "users": [
            {
                "roleId": "OWNER",
                "hasRightCodeInd": True,
                "userName": USER_NAME,
                "entity": {
                    "firstName": "Sam",
                    "lastName": "Simulator",
                    "entityType": "INDIVIDUAL",
                    "entityName": "Sam Simulator",
                },
            }
        ],
        "applicant": {"signatures": ["Sam Simulator"]},
    }


class Balances:
    """Margin figures derived from cash and positions (Reg T style, simplified)."""

    def __init__(self, cash: float, totals: Totals) -> None:
        self.cash = cash
        self.gross = totals.long_value + totals.short_value
        self.net_liquidation = cash + totals.market_value
        self.initial_margin = 0.5 * totals.long_value + 1.5 * totals.short_value
        self.maintenance_margin = 0.25 * totals.long_value + 1.3 * totals.short_value
        self.available_funds = self.net_liquidation - self.initial_margin
        self.excess_liquidity = self.net_liquidation - self.maintenance_margin
        self.buying_power = max(0.0, 4.0 * self.available_funds)
        self.cushion = self.excess_liquidity / self.net_liquidation if self.net_liquidation else 0.0
        self.sma = max(0.0, self.net_liquidation - 0.5 * self.gross)


def account_summary(account: str, portfolio: Portfolio, now: float) -> dict[str, Any]:
    """Body of GET /portfolio/{acct}/summary: lowercase keys, -c/-s segment suffixes."""
    stamp = int(now * 1000)
    b = Balances(portfolio.cash[account], portfolio.totals(account, now))

    def amount(value: float) -> dict[str, Any]:
        return {
            "amount": round(value, 2),
            "currency": "USD",
            "isNull": False,
            "severity": 0,
            "timestamp": stamp,
            "value": None,
        }

    def text(value: str) -> dict[str, Any]:
        return {
            "amount": 0.0,
            "currency": None,
            "isNull": False,
            "severity": 0,
            "timestamp": stamp,
            "value": value,
        }

    # key: value for the whole account; "-c" (commodities) is zero, "-s" (securities) the whole.
    segmented = {
        "accruedcash": 0.0,
        "accrueddividend": 0.0,
        "availablefunds": b.available_funds,
        "billable": 0.0,
        "equitywithloanvalue": b.net_liquidation,
        "excessliquidity": b.excess_liquidity,
        "fullavailablefunds": b.available_funds,
        "fullexcessliquidity": b.excess_liquidity,
        "fullinitmarginreq": b.initial_margin,
        "fullmaintmarginreq": b.maintenance_margin,
        "guarantee": 0.0,
        "indianstockhaircut": 0.0,
        "initmarginreq": b.initial_margin,
        "lookaheadavailablefunds": b.available_funds,
        "lookaheadexcessliquidity": b.excess_liquidity,
        "lookaheadinitmarginreq": b.initial_margin,
        "lookaheadmaintmarginreq": b.maintenance_margin,
        "maintmarginreq": b.maintenance_margin,
        "netliquidation": b.net_liquidation,
        "pasharesvalue": 0.0,
        "postexpirationexcess": 0.0,
        "postexpirationmargin": 0.0,
        "totalcashvalue": b.cash,
        "totaldebitcardpendingcharges": 0.0,
    }
    summary: dict[str, Any] = {
        "accountcode": text(account),
        "accountready": text("true"),
        "accounttype": text("INDIVIDUAL"),
        "buyingpower": amount(b.buying_power),
        "cushion": amount(b.cushion),
        "daytradesremaining": amount(-1.0),
        "grosspositionvalue": amount(b.gross),
        "grosspositionvalue-s": amount(b.gross),
        "highestseverity": amount(0.0),
        "leverage-s": amount(b.gross / b.net_liquidation if b.net_liquidation else 0.0),
        "lookaheadnextchange": amount(0.0),
        "netliquidationuncertainty": amount(0.0),
        "nlvandmargininreview": text("false"),
        "previousdayequitywithloanvalue": amount(b.net_liquidation),
        "previousdayequitywithloanvalue-s": amount(b.net_liquidation),
        "segmenttitle-c": text("Commodities"),
        "segmenttitle-s": text("Securities"),
        "sma": amount(b.sma),
        "sma-s": amount(b.sma),
        "tradingtype-s": text("STKNOPT"),
    }
    for key, value in segmented.items():
        summary[key] = amount(value)
        summary[f"{key}-c"] = amount(0.0)
        summary[f"{key}-s"] = amount(value)
    return dict(sorted(summary.items()))


def ledger(account: str, portfolio: Portfolio, now: float, session_id: int) -> dict[str, Any]:
    """Body of GET /portfolio/{acct}/ledger: one entry per currency plus BASE."""
    totals = portfolio.totals(account, now)
    cash = portfolio.cash[account]

    def entry(key: str) -> dict[str, Any]:
        return {
            "commoditymarketvalue": 0.0,
            "futuremarketvalue": 0.0,
            "settledcash": round(cash, 2),
            "exchangerate": 1,
            "sessionid": session_id,
            "cashbalance": round(cash, 2),
            "corporatebondsmarketvalue": 0.0,
            "warrantsmarketvalue": 0.0,
            "netliquidationvalue": round(cash + totals.market_value, 2),
            "interest": 0.0,
            "unrealizedpnl": round(totals.unrealized_pnl, 2),
            "stockmarketvalue": round(totals.market_value, 2),
            "moneyfunds": 0.0,
            "currency": key,
            "realizedpnl": round(portfolio.realized_pnl[account], 2),
            "funds": 0.0,
            "acctcode": account,
            "issueroptionsmarketvalue": 0.0,
            "key": "LedgerList",
            "timestamp": int(now),
            "severity": 0,
            "stockoptionmarketvalue": 0.0,
            "futuresonlypnl": 0.0,
            "tbondsmarketvalue": 0.0,
            "futureoptionmarketvalue": 0.0,
            "cashbalancefxsegment": 0.0,
            "secondkey": key,
            "tbillsmarketvalue": 0.0,
            "endofbundle": 1,
            "dividends": 0.0,
            "cryptocurrencyvalue": 0.0,
        }

    return {"USD": entry("USD"), "BASE": entry("BASE")}


def partitioned_pnl(
    portfolio: Portfolio, now: float, accounts: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Body of GET /iserver/account/pnl/partitioned, for `accounts` (default: every account)."""
    upnl: dict[str, Any] = {}
    for account in portfolio.accounts if accounts is None else accounts:
        totals = portfolio.totals(account, now)
        balances = Balances(portfolio.cash[account], totals)
        upnl[f"{account}.Core"] = {
            "rowType": 1,
            "dpl": round(totals.daily_pnl, 2),
            "nl": round(balances.net_liquidation, 2),
            "upl": round(totals.unrealized_pnl, 2),
            "el": round(balances.excess_liquidity, 2),
            "mv": round(totals.market_value, 2),
        }
    return {"upnl": upnl}
