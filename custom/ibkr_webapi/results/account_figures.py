"""The trading view of one account (``/iserver/account/{id}/summary`` and its segments): the summary
as numbers, and available funds, balances, margins and market value per segment or currency.

The segment answers write every figure as text (``"825,208 USD"``, ``"1.43"``, ``"n/a"``,
``"Unlimited"``), under named keys and IBKR's own abbreviations (``"Lk Ahd Avlbl Fnds"``). Each is read
into a :class:`Figure`: the text as sent, plus its amount and currency when it is an amount. Known
keys get attributes; every key, known or not, is in ``figures``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

import attrs

from ibkr_webapi_client.models import CashBalance as CashBalanceModel
from ibkr_webapi_client.models import CurrencyMarketValue, TradingAccountSummary
from ibkr_webapi_client.types import Unset

from ..seam import float_or_none, model_or_none, required, str_or_none, unexpected

__all__ = [
    "BalanceSegment",
    "CashBalance",
    "CurrencyHoldings",
    "Figure",
    "FundsSegment",
    "MarginSegment",
    "Segment",
    "TradingSummary",
]

_AMOUNT = re.compile(
    r"(?P<number>[-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?)(?:\s+(?P<currency>[A-Z]{3}))?"
)
_MAX_FIGURES = 500


@attrs.frozen
class Figure:
    """One figure as the gateway wrote it, with its amount (and currency) when it is an amount.

    ``"825,208 USD"`` -> ``amount=825208.0, currency="USD"``; ``"1.43"`` -> ``amount=1.43``;
    ``"n/a"``, ``"Unlimited"``, ``"@ 16:00:00"`` -> ``amount=None`` (the text says it).
    """

    text: str
    amount: float | None
    currency: str | None

    def __str__(self) -> str:
        return self.text

    @classmethod
    def read(cls, value: object, field: str) -> Figure:
        """A figure from the text (or number) the gateway sent; anything else is an error."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise unexpected(field, f"expected a figure as text, got {type(value).__name__}")
        if not isinstance(value, str):
            number = float(value)
            return cls(str(value), number if math.isfinite(number) else None, None)
        match = _AMOUNT.fullmatch(value.strip())
        if match is None:
            return cls(value, None, None)
        try:
            number = float(match["number"].replace(",", ""))
        except ValueError:
            return cls(value, None, None)
        return cls(value, number if math.isfinite(number) else None, match["currency"])


def _figures(values: Mapping[str, object], where: str) -> Mapping[str, Figure]:
    if len(values) > _MAX_FIGURES:
        raise unexpected(where, f"{len(values)} figures, more than any account has")
    return MappingProxyType(
        {str(key): Figure.read(value, f"{where}.{key}") for key, value in values.items()}
    )


class Segment(Protocol):
    """A generated segment model (funds, balances, margins, holdings in a currency)."""

    def to_dict(self) -> Mapping[str, object]: ...


def _segment_values(model: Segment) -> dict[str, object]:
    """Every key of a segment as sent, named ones included (their models keep them as fields)."""
    return {str(k): v for k, v in model.to_dict().items() if not isinstance(v, Unset)}


@attrs.frozen(kw_only=True)
class FundsSegment:
    """Available funds of one segment (``total``, ``securities``, ``commodities``, ...)."""

    segment: str
    current_available: Figure | None
    current_excess: Figure | None
    overnight_available: Figure | None
    overnight_excess: Figure | None
    look_ahead_available: Figure | None
    look_ahead_excess: Figure | None
    buying_power: Figure | None
    leverage: Figure | None
    sma: Figure | None
    day_trades_left: Figure | None
    figures: Mapping[str, Figure] = attrs.field(repr=False)
    """Every figure of the segment by the gateway's key, abbreviations included."""

    @classmethod
    def from_segment(cls, segment: str, model: Segment) -> FundsSegment:
        figures = _figures(_segment_values(model), segment)
        return cls(
            segment=segment,
            current_available=figures.get("current_available"),
            current_excess=figures.get("current_excess"),
            overnight_available=figures.get("overnight_available"),
            overnight_excess=figures.get("overnight_excess"),
            look_ahead_available=figures.get("Lk Ahd Avlbl Fnds"),
            look_ahead_excess=figures.get("Lk Ahd Excss Lqdty"),
            buying_power=figures.get("buying_power"),
            leverage=figures.get("leverage"),
            sma=figures.get("SMA"),
            day_trades_left=figures.get("day_trades_left"),
            figures=figures,
        )


@attrs.frozen(kw_only=True)
class BalanceSegment:
    """Equity and cash of one segment."""

    segment: str
    net_liquidation: Figure | None
    equity_with_loan: Figure | None
    previous_day_equity_with_loan: Figure | None
    gross_position_value: Figure | None
    cash: Figure | None
    figures: Mapping[str, Figure] = attrs.field(repr=False)

    @classmethod
    def from_segment(cls, segment: str, model: Segment) -> BalanceSegment:
        figures = _figures(_segment_values(model), segment)
        return cls(
            segment=segment,
            net_liquidation=figures.get("net_liquidation"),
            equity_with_loan=figures.get("equity_with_loan"),
            previous_day_equity_with_loan=figures.get("Prvs Dy Eqty Wth Ln Vl"),
            gross_position_value=figures.get("sec_gross_pos_val"),
            cash=figures.get("cash"),
            figures=figures,
        )


@attrs.frozen(kw_only=True)
class MarginSegment:
    """Margin requirements of one segment."""

    segment: str
    initial: Figure | None
    maintenance: Figure | None
    reg_t: Figure | None
    projected_look_ahead_initial: Figure | None
    projected_overnight_initial: Figure | None
    figures: Mapping[str, Figure] = attrs.field(repr=False)

    @classmethod
    def from_segment(cls, segment: str, model: Segment) -> MarginSegment:
        figures = _figures(_segment_values(model), segment)
        return cls(
            segment=segment,
            initial=figures.get("current_initial"),
            maintenance=figures.get("current_maint"),
            reg_t=figures.get("RegT Margin"),
            # "inital": the gateway's spelling
            projected_look_ahead_initial=figures.get("projected_liquidity_inital_margin"),
            projected_overnight_initial=figures.get("projected_overnight_initial_margin"),
            figures=figures,
        )


@attrs.frozen(kw_only=True)
class CurrencyHoldings:
    """Holdings in one currency (or the total, ``"Total (in USD)"``), as amounts in that currency."""

    currency: str
    total_cash: float | None
    settled_cash: float | None
    stock: float | None
    options: float | None
    futures: float | None
    funds: float | None
    bonds: float | None
    net_liquidation: float | None
    unrealized_pnl: float | None
    realized_pnl: float | None
    exchange_rate: float | None
    """Into the base currency."""
    figures: Mapping[str, Figure] = attrs.field(repr=False)
    model: CurrencyMarketValue = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, currency: str, model: CurrencyMarketValue) -> CurrencyHoldings:
        figures = _figures(_segment_values(model), currency)

        def amount(key: str) -> float | None:
            found = figures.get(key)
            return found.amount if found is not None else None

        return cls(
            currency=currency,
            total_cash=amount("total_cash"),
            settled_cash=amount("settled_cash"),
            stock=amount("stock"),
            options=amount("options"),
            futures=amount("futures"),
            funds=amount("funds"),
            bonds=amount("bonds"),
            net_liquidation=amount("net_liquidation"),
            unrealized_pnl=amount("unrealized_pnl"),
            realized_pnl=amount("realized_pnl"),
            exchange_rate=amount("Exchange Rate"),
            figures=figures,
            model=model,
        )


@attrs.frozen(kw_only=True)
class CashBalance:
    """Cash in one currency (``"Total (in USD)"`` sums them in the base currency)."""

    currency: str
    balance: float | None
    settled_cash: float | None

    @classmethod
    def from_model(cls, model: CashBalanceModel) -> CashBalance:
        return cls(
            currency=required(str_or_none(model.currency, "cashBalances[].currency"), "currency"),
            balance=float_or_none(model.balance, "cashBalances[].balance"),
            settled_cash=float_or_none(model.settled_cash, "cashBalances[].settledCash"),
        )


@attrs.frozen(kw_only=True)
class TradingSummary:
    """An account's balances, margins and buying power in its base currency (trading view)."""

    account_id: str
    account_type: str | None
    status: str | None
    balance: float | None
    sma: float | None
    buying_power: float | None
    available_funds: float | None
    excess_liquidity: float | None
    net_liquidation: float | None
    equity_with_loan: float | None
    reg_t_loan: float | None
    gross_position_value: float | None
    total_cash: float | None
    accrued_interest: float | None
    reg_t_margin: float | None
    initial_margin: float | None
    maintenance_margin: float | None
    cash_balances: tuple[CashBalance, ...]
    model: TradingAccountSummary = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, account_id: str, model: TradingAccountSummary) -> TradingSummary:
        balances = model_or_none(model.cash_balances) or []
        return cls(
            account_id=account_id,
            account_type=str_or_none(model.account_type, "accountType"),
            status=str_or_none(model.status, "status"),
            balance=float_or_none(model.balance, "balance"),
            sma=float_or_none(model.sma, "SMA"),
            buying_power=float_or_none(model.buying_power, "buyingPower"),
            available_funds=float_or_none(model.available_funds, "availableFunds"),
            excess_liquidity=float_or_none(model.excess_liquidity, "excessLiquidity"),
            net_liquidation=float_or_none(model.net_liquidation_value, "netLiquidationValue"),
            equity_with_loan=float_or_none(model.equity_with_loan_value, "equityWithLoanValue"),
            reg_t_loan=float_or_none(model.reg_t_loan, "regTLoan"),
            gross_position_value=float_or_none(model.securities_gvp, "securitiesGVP"),
            total_cash=float_or_none(model.total_cash_value, "totalCashValue"),
            accrued_interest=float_or_none(model.accrued_interest, "accruedInterest"),
            reg_t_margin=float_or_none(model.reg_t_margin, "regTMargin"),
            initial_margin=float_or_none(model.initial_margin, "initialMargin"),
            maintenance_margin=float_or_none(model.maintenance_margin, "maintenanceMargin"),
            cash_balances=tuple(CashBalance.from_model(b) for b in balances),
            model=model,
        )
