"""Contract results: search matches, contract details, derivative definitions."""

from __future__ import annotations

import attrs

from ibkr_webapi_client.models import ContractInfo as ContractInfoModel
from ibkr_webapi_client.models import ContractSearchResult, ContractSection
from ibkr_webapi_client.models import SecDefInfo as SecDefInfoModel

from ..seam import (
    float_or_none,
    int_id,
    int_or_none,
    required,
    str_or_none,
)

__all__ = ["ContractDetails", "ContractMatch", "DerivativeDefinition", "SecuritySection"]


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part for part in (value or "").split(";") if part)


@attrs.frozen(kw_only=True)
class SecuritySection:
    """One kind of security available for a matched symbol (``STK``, ``OPT`` with its months ...)."""

    sec_type: str
    months: tuple[str, ...] = ()
    """Expiry months such as ``"MAR24"`` (derivatives)."""
    exchanges: tuple[str, ...] = ()
    conid: int | None = None

    @classmethod
    def from_model(cls, model: ContractSection) -> SecuritySection:
        return cls(
            sec_type=required(str_or_none(model.sec_type, "sections[].secType"), "secType"),
            months=_split(str_or_none(model.months, "sections[].months")),
            exchanges=_split(str_or_none(model.exchange, "sections[].exchange")),
            conid=int_id(model.conid, "sections[].conid"),
        )


@attrs.frozen(kw_only=True)
class ContractMatch:
    """One result of a contract search (``/iserver/secdef/search``)."""

    conid: int
    symbol: str | None
    company_name: str | None
    company_header: str | None
    description: str | None
    """Usually the primary exchange."""
    sections: tuple[SecuritySection, ...]
    model: ContractSearchResult = attrs.field(repr=False, eq=False)

    @property
    def sec_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(section.sec_type for section in self.sections))

    @classmethod
    def from_model(cls, model: ContractSearchResult) -> ContractMatch:
        sections = model.sections if isinstance(model.sections, list) else []
        return cls(
            conid=required(int_id(model.conid, "conid"), "conid"),
            symbol=str_or_none(model.symbol, "symbol"),
            company_name=str_or_none(model.company_name, "companyName"),
            company_header=str_or_none(model.company_header, "companyHeader"),
            description=str_or_none(model.description, "description"),
            sections=tuple(SecuritySection.from_model(section) for section in sections),
            model=model,
        )


@attrs.frozen(kw_only=True)
class ContractDetails:
    """Full details of one contract (``/iserver/contract/{conid}/info``)."""

    conid: int
    symbol: str | None
    company_name: str | None
    sec_type: str | None
    exchange: str | None
    valid_exchanges: tuple[str, ...]
    currency: str | None
    local_symbol: str | None
    trading_class: str | None
    multiplier: str | None
    maturity_date: str | None
    underlying_conid: int | None
    industry: str | None
    category: str | None
    model: ContractInfoModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: ContractInfoModel) -> ContractDetails:
        valid = str_or_none(model.valid_exchanges, "valid_exchanges")
        return cls(
            conid=required(int_or_none(model.con_id, "con_id"), "con_id"),
            symbol=str_or_none(model.symbol, "symbol"),
            company_name=str_or_none(model.company_name, "company_name"),
            sec_type=str_or_none(model.instrument_type, "instrument_type"),
            exchange=str_or_none(model.exchange, "exchange"),
            valid_exchanges=tuple(part for part in (valid or "").split(",") if part),
            currency=str_or_none(model.currency, "currency"),
            local_symbol=str_or_none(model.local_symbol, "local_symbol"),
            trading_class=str_or_none(model.trading_class, "trading_class"),
            multiplier=str_or_none(model.multiplier, "multiplier"),
            maturity_date=str_or_none(model.maturity_date, "maturity_date"),
            underlying_conid=int_or_none(model.underlying_con_id, "underlying_con_id") or None,
            industry=str_or_none(model.industry, "industry"),
            category=str_or_none(model.category, "category"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class DerivativeDefinition:
    """One option, future or warrant contract (``/iserver/secdef/info``)."""

    conid: int
    symbol: str | None
    sec_type: str | None
    exchange: str | None
    listing_exchange: str | None
    currency: str | None
    maturity_date: str | None
    right: str | None
    strike: float | None
    model: SecDefInfoModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: SecDefInfoModel) -> DerivativeDefinition:
        return cls(
            conid=required(int_or_none(model.conid, "conid"), "conid"),
            symbol=str_or_none(model.ticker, "ticker"),
            sec_type=str_or_none(model.sec_type, "secType"),
            exchange=str_or_none(model.exchange, "exchange"),
            listing_exchange=str_or_none(model.listing_exchange, "listingExchange"),
            currency=str_or_none(model.currency, "currency"),
            maturity_date=str_or_none(model.maturity_date, "maturityDate"),
            right=str_or_none(model.right, "right"),
            strike=float_or_none(model.strike, "strike"),
            model=model,
        )
