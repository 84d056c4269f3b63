"""The trading view of one account: /iserver/account/{id}/summary and its per-segment figures.

Every figure comes from the account's cash and positions at the moment asked (see `Balances`), in
the gateway's formats: numbers in the summary, text such as ``"825,208 USD"`` per segment, with
IBKR's own abbreviated keys (``"Lk Ahd Avlbl Fnds"``) beside the named ones.
"""

from __future__ import annotations

from typing import Any

from ._accounts import Balances
from ._portfolio import Portfolio

CURRENCY = "USD"
TOTAL_CURRENCY = f"Total (in {CURRENCY})"


def _balances(account: str, portfolio: Portfolio, now: float) -> Balances:
    return Balances(portfolio.cash[account], portfolio.totals(account, now))


def _money(value: float) -> str:
    return f"{round(value):,} {CURRENCY}"


def _plain(value: float) -> str:
    return f"{round(value):,}"


def trading_summary(account: str, portfolio: Portfolio, now: float) -> dict[str, Any]:
    """Body of GET /iserver/account/{acct}/summary: figures in the base currency, as numbers."""
    b = _balances(account, portfolio, now)
    cash = round(b.cash, 2)
    return {
        "accountType": "INDIVIDUAL",
        "status": "",
        "balance": round(b.available_funds, 2),
        "SMA": round(b.sma, 2),
        "buyingPower": round(b.buying_power, 2),
        "availableFunds": round(b.available_funds, 2),
        "excessLiquidity": round(b.excess_liquidity, 2),
        "netLiquidationValue": round(b.net_liquidation, 2),
        "equityWithLoanValue": round(b.net_liquidation, 2),
        "regTLoan": 0.0,
        "securitiesGVP": round(b.gross, 2),
        "totalCashValue": cash,
        "accruedInterest": 0.0,
        "regTMargin": round(b.initial_margin, 2),
        "initialMargin": round(b.initial_margin, 2),
        "maintenanceMargin": round(b.maintenance_margin, 2),
        "cashBalances": [
            {"currency": CURRENCY, "balance": cash, "settledCash": cash},
            {"currency": TOTAL_CURRENCY, "balance": cash, "settledCash": cash},
        ],
    }


def available_funds(account: str, portfolio: Portfolio, now: float) -> dict[str, Any]:
    """Body of .../summary/available_funds: total, securities and commodities segments."""
    b = _balances(account, portfolio, now)
    leverage = f"{b.gross / b.net_liquidation:.2f}" if b.net_liquidation > 0 else "n/a"

    def segment(available: float, excess: float) -> dict[str, str]:
        return {
            "current_available": _money(available),
            "current_excess": _money(excess),
            "Prdctd Pst-xpry Excss": _money(0.0),
            "Lk Ahd Avlbl Fnds": _money(available),
            "Lk Ahd Excss Lqdty": _money(excess),
            "overnight_available": _money(available),
            "overnight_excess": _money(excess),
        }

    return {
        "total": {
            **segment(b.available_funds, b.excess_liquidity),
            "SMA": _money(b.sma),
            "buying_power": _money(b.buying_power),
            "leverage": "n/a",
            "Lk Ahd Nxt Chng": "@ 16:00:00",
            "day_trades_left": "Unlimited",
        },
        "securities": {
            **segment(b.available_funds, b.excess_liquidity),
            "SMA": _money(b.sma),
            "leverage": leverage,
        },
        "commodities": segment(0.0, 0.0),
    }


def balances(account: str, portfolio: Portfolio, now: float) -> dict[str, Any]:
    """Body of .../summary/balances: equity and cash per segment."""
    b = _balances(account, portfolio, now)

    def segment(net: float, gross: float, cash: float) -> dict[str, str]:
        return {
            "net_liquidation": _money(net),
            "Nt Lqdtn Uncrtnty": _money(0.0),
            "equity_with_loan": _money(net),
            "Prvs Dy Eqty Wth Ln Vl": _money(net),
            "Rg T Eqty Wth Ln Vl": _money(net),
            "sec_gross_pos_val": _money(gross),
            "cash": _money(cash),
            "MTD Interest": _money(0.0),
            "Pndng Dbt Crd Chrgs": _money(0.0),
        }

    whole = segment(b.net_liquidation, b.gross, b.cash)
    return {"total": whole, "securities": dict(whole), "commodities": segment(0.0, 0.0, 0.0)}


def margins(account: str, portfolio: Portfolio, now: float) -> dict[str, Any]:
    """Body of .../summary/margins: initial and maintenance requirements per segment."""
    b = _balances(account, portfolio, now)

    def segment(initial: float, maintenance: float) -> dict[str, str]:
        return {
            "RegT Margin": _money(initial),
            "current_initial": _money(initial),
            "Prdctd Pst-xpry Mrgn @ Opn": _money(0.0),
            "current_maint": _money(maintenance),
            "projected_liquidity_inital_margin": _money(initial),
            "Prjctd Lk Ahd Mntnnc Mrgn": _money(maintenance),
            "projected_overnight_initial_margin": _money(initial),
            "Prjctd Ovrnght Mntnnc Mrgn": _money(maintenance),
        }

    whole = segment(b.initial_margin, b.maintenance_margin)
    return {"total": whole, "securities": dict(whole), "commodities": segment(0.0, 0.0)}


def market_value(account: str, portfolio: Portfolio, now: float) -> dict[str, Any]:
    """Body of .../summary/market_value: holdings per currency, and their total."""
    totals = portfolio.totals(account, now)
    cash = portfolio.cash[account]
    figures = {
        "total_cash": _plain(cash),
        "settled_cash": _plain(cash),
        "MTD Interest": "0",
        "stock": _plain(totals.market_value),
        "options": "0",
        "futures": "0",
        "future_options": "0",
        "funds": "0",
        "dividends_receivable": "0",
        "mutual_funds": "0",
        "money_market": "0",
        "bonds": "0",
        "Govt Bonds": "0",
        "t_bills": "0",
        "warrants": "0",
        "issuer_option": "0",
        "commodity": "0",
        "Notional CFD": "0",
        "cfd": "0",
        "Cryptocurrency": "0",
        "net_liquidation": _plain(cash + totals.market_value),
        "unrealized_pnl": _plain(totals.unrealized_pnl),
        "realized_pnl": _plain(portfolio.realized_pnl[account]),
        "Exchange Rate": "1.00",
    }
    return {CURRENCY: figures, TOTAL_CURRENCY: dict(figures)}
