"""Contract results: search matches, contract details, derivative and security definitions, stocks
by symbol, currency pairs, bond filters and the contracts of an exchange."""

from __future__ import annotations

from datetime import date

import attrs

from ibkr_webapi_client.models import BondFilter as BondFilterModel
from ibkr_webapi_client.models import BondIssuer as BondIssuerModel
from ibkr_webapi_client.models import ContractInfo as ContractInfoModel
from ibkr_webapi_client.models import ContractInfoAndRules as ContractInfoAndRulesModel
from ibkr_webapi_client.models import ContractSearchResult, ContractSection
from ibkr_webapi_client.models import CurrencyPair as CurrencyPairModel
from ibkr_webapi_client.models import ExchangeConid as ExchangeConidModel
from ibkr_webapi_client.models import SecDefInfo as SecDefInfoModel
from ibkr_webapi_client.models import SecurityDefinition as SecurityDefinitionModel
from ibkr_webapi_client.models import Stock as StockModel

from ..errors import UnexpectedResponseError
from ..seam import (
    bool_or_none,
    float_or_none,
    int_id,
    int_or_none,
    number_or_none,
    required,
    str_or_none,
)
from ._fields import items, right_or_none, ymd

__all__ = [
    "BondFilter",
    "BondFilterOption",
    "BondIssuer",
    "ContractDetails",
    "ContractMatch",
    "CurrencyPair",
    "DerivativeDefinition",
    "ExchangeContract",
    "SecurityDefinition",
    "SecuritySection",
    "StockListing",
    "StockListingContract",
]


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
class BondIssuer:
    """An issuer of bonds, as a search lists it (its ``id`` goes to ``bond_filters`` and
    ``secdef_info(..., "BOND", issuer_id=...)``)."""

    id: str
    name: str | None

    @classmethod
    def from_model(cls, model: BondIssuerModel) -> BondIssuer:
        return cls(
            id=required(str_or_none(model.id, "issuers[].id"), "issuers[].id"),
            name=str_or_none(model.name, "issuers[].name"),
        )


@attrs.frozen(kw_only=True)
class ContractMatch:
    """One result of a contract search (``/iserver/secdef/search``).

    The fixed-income match of a symbol has no symbol or company name: it lists the ``issuers``.
    """

    conid: int
    symbol: str | None
    company_name: str | None
    company_header: str | None
    description: str | None
    """Usually the primary exchange."""
    sections: tuple[SecuritySection, ...]
    issuers: tuple[BondIssuer, ...] = ()
    model: ContractSearchResult = attrs.field(repr=False, eq=False)

    @property
    def sec_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(section.sec_type for section in self.sections))

    def months(self, sec_type: str = "OPT") -> tuple[str, ...]:
        """Expiry months (``"MAR24"``) the match has derivatives of ``sec_type`` in."""
        found = (s.months for s in self.sections if s.sec_type == sec_type)
        return tuple(dict.fromkeys(month for months in found for month in months))

    def expiries(self, sec_type: str = "OPT") -> tuple[date, ...]:
        """Expiry dates the search lists for ``"OPT"``, ``"FOP"`` or ``"WAR"`` (empty when it
        lists none: the gateway does not always)."""
        raw = {"OPT": self.model.opt, "FOP": self.model.fop, "WAR": self.model.war}.get(sec_type)
        days = set()
        for part in (raw if isinstance(raw, str) else "").split(";"):
            try:
                day = ymd(part.strip(), sec_type.lower())
            except UnexpectedResponseError:
                continue  # one damaged date does not hide the others
            if day is not None:
                days.add(day)
        return tuple(sorted(days))

    @classmethod
    def from_model(cls, model: ContractSearchResult) -> ContractMatch:
        return cls(
            conid=required(int_id(model.conid, "conid"), "conid"),
            symbol=str_or_none(model.symbol, "symbol"),
            company_name=str_or_none(model.company_name, "companyName"),
            company_header=str_or_none(model.company_header, "companyHeader"),
            description=str_or_none(model.description, "description"),
            sections=tuple(
                SecuritySection.from_model(section) for section in items(model.sections, "sections")
            ),
            issuers=tuple(BondIssuer.from_model(i) for i in items(model.issuers, "issuers")),
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
    strike: float | None = None
    """Options only."""
    right: str | None = None
    """Options only: ``"C"`` or ``"P"``."""
    description: str | None = None
    """Derivatives: expiry, strike and right as shown to people (``"MAR 15 '24 187.5 Call"``)."""
    model: ContractInfoModel | ContractInfoAndRulesModel = attrs.field(repr=False, eq=False)

    @property
    def multiplier_value(self) -> float | None:
        """The multiplier as a number (``100.0`` for US equity options)."""
        return number_or_none(self.multiplier, "multiplier")

    @classmethod
    def from_model(cls, model: ContractInfoModel | ContractInfoAndRulesModel) -> ContractDetails:
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
            strike=number_or_none(model.strike, "strike"),
            right=right_or_none(model.right, "right"),
            description=str_or_none(model.text, "text"),
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
    """``"C"`` or ``"P"`` for options; ``None`` otherwise."""
    strike: float | None
    multiplier: float | None = None
    trading_class: str | None = None
    description: str | None = None
    """Expiry, strike and right as shown to people (``"MAR 15 '24 187.5 Call"``)."""
    model: SecDefInfoModel = attrs.field(repr=False, eq=False)

    @property
    def expiry(self) -> date | None:
        """``maturity_date`` as a date."""
        return ymd(self.maturity_date, "maturityDate")

    @classmethod
    def from_model(cls, model: SecDefInfoModel) -> DerivativeDefinition:
        maturity = str_or_none(model.maturity_date, "maturityDate")
        ymd(maturity, "maturityDate")  # checked once here: the property cannot fail later
        return cls(
            conid=required(int_or_none(model.conid, "conid"), "conid"),
            symbol=str_or_none(model.ticker, "ticker"),
            sec_type=str_or_none(model.sec_type, "secType"),
            exchange=str_or_none(model.exchange, "exchange"),
            listing_exchange=str_or_none(model.listing_exchange, "listingExchange"),
            currency=str_or_none(model.currency, "currency"),
            maturity_date=maturity,
            right=right_or_none(model.right, "right"),
            strike=float_or_none(model.strike, "strike"),
            multiplier=number_or_none(model.multiplier, "multiplier"),
            trading_class=str_or_none(model.trading_class, "tradingClass"),
            description=str_or_none(model.desc2, "desc2"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class SecurityDefinition:
    """A contract's security definition (``/trsrv/secdef``)."""

    conid: int
    ticker: str | None
    name: str | None
    asset_class: str | None
    currency: str | None
    listing_exchange: str | None
    exchanges: tuple[str, ...]
    expiry: date | None
    last_trading_day: date | None
    right: str | None
    strike: float | None
    multiplier: float | None
    underlying_conid: int | None
    full_name: str | None
    group: str | None
    sector: str | None
    sector_group: str | None
    has_options: bool | None
    is_us: bool | None
    is_event_contract: bool | None
    model: SecurityDefinitionModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: SecurityDefinitionModel) -> SecurityDefinition:
        exchanges = str_or_none(model.all_exchanges, "allExchanges") or ""
        strike = number_or_none(model.strike, "strike")
        multiplier = float_or_none(model.multiplier, "multiplier")
        return cls(
            conid=required(int_or_none(model.conid, "conid"), "conid"),
            ticker=str_or_none(model.ticker, "ticker"),
            name=str_or_none(model.name, "name"),
            asset_class=str_or_none(model.asset_class, "assetClass"),
            currency=str_or_none(model.currency, "currency"),
            listing_exchange=str_or_none(model.listing_exchange, "listingExchange"),
            exchanges=tuple(part for part in exchanges.split(",") if part),
            expiry=ymd(model.expiry, "expiry"),
            last_trading_day=ymd(model.last_trading_day, "lastTradingDay"),
            right=right_or_none(model.put_or_call, "putOrCall"),
            strike=strike or None,  # "0" for contracts without a strike
            multiplier=multiplier or None,
            underlying_conid=int_or_none(model.und_conid, "undConid") or None,
            full_name=str_or_none(model.full_name, "fullName"),
            group=str_or_none(model.group, "group"),
            sector=str_or_none(model.sector, "sector"),
            sector_group=str_or_none(model.sector_group, "sectorGroup"),
            has_options=bool_or_none(model.has_options, "hasOptions"),
            is_us=bool_or_none(model.is_us, "isUS"),
            is_event_contract=bool_or_none(model.is_event_contract, "isEventContract"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class StockListingContract:
    """Where one company's stock trades: a conid per exchange."""

    conid: int
    exchange: str | None
    is_us: bool | None


@attrs.frozen(kw_only=True)
class StockListing:
    """A company a symbol names (``/trsrv/stocks``), with its stock on each exchange."""

    name: str | None
    asset_class: str | None
    contracts: tuple[StockListingContract, ...]
    model: StockModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: StockModel) -> StockListing:
        return cls(
            name=str_or_none(model.name, "name"),
            asset_class=str_or_none(model.asset_class, "assetClass"),
            contracts=tuple(
                StockListingContract(
                    conid=required(int_or_none(c.conid, "contracts[].conid"), "contracts[].conid"),
                    exchange=str_or_none(c.exchange, "contracts[].exchange"),
                    is_us=bool_or_none(c.is_us, "contracts[].isUS"),
                )
                for c in items(model.contracts, "contracts")
            ),
            model=model,
        )


@attrs.frozen(kw_only=True)
class CurrencyPair:
    """A currency pair (``"USD.SGD"``), its conid, and the other currency of the pair."""

    symbol: str
    conid: int
    currency: str | None
    """The currency on the other side from the one asked about."""
    model: CurrencyPairModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: CurrencyPairModel) -> CurrencyPair:
        return cls(
            symbol=required(str_or_none(model.symbol, "symbol"), "symbol"),
            conid=required(int_or_none(model.conid, "conid"), "conid"),
            currency=str_or_none(model.ccy_pair, "ccyPair"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class BondFilterOption:
    """One value a bond filter can take: ``value`` goes into ``filters``."""

    value: str
    text: str | None


@attrs.frozen(kw_only=True)
class BondFilter:
    """One way to narrow an issuer's bonds (maturity, issue date, coupon, currency)."""

    name: str | None
    column_id: int | None
    options: tuple[BondFilterOption, ...]
    model: BondFilterModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: BondFilterModel) -> BondFilter:
        return cls(
            name=str_or_none(model.display_text, "displayText"),
            column_id=int_or_none(model.column_id, "columnId"),
            options=tuple(
                BondFilterOption(
                    value=required(str_or_none(o.value, "options[].value"), "options[].value"),
                    text=str_or_none(o.text, "options[].text"),
                )
                for o in items(model.options, "options")
            ),
            model=model,
        )


@attrs.frozen(kw_only=True)
class ExchangeContract:
    """One contract of an exchange (``/trsrv/all-conids``)."""

    conid: int
    ticker: str | None
    exchange: str | None

    @classmethod
    def from_model(cls, model: ExchangeConidModel) -> ExchangeContract:
        return cls(
            conid=required(int_or_none(model.conid, "conid"), "conid"),
            ticker=str_or_none(model.ticker, "ticker"),
            exchange=str_or_none(model.exchange, "exchange"),
        )
