"""Account results: the accounts a login can trade and their portfolio view."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ibkr_webapi_client.models import AccountsList
from ibkr_webapi_client.models import PortfolioAccount as PortfolioAccountModel

from ..seam import bool_or_none, model_or_none, required, str_or_none, str_tuple

__all__ = ["AccountProperties", "Accounts", "PortfolioAccount"]


@attrs.frozen(kw_only=True)
class AccountProperties:
    """What an account supports."""

    has_child_accounts: bool | None
    supports_cash_qty: bool | None
    supports_fractions: bool | None


@attrs.frozen(kw_only=True)
class Accounts:
    """The brokerage accounts this login can trade (``/iserver/accounts``)."""

    accounts: tuple[str, ...]
    selected_account: str | None
    aliases: Mapping[str, str] = attrs.field(factory=dict)
    properties: Mapping[str, AccountProperties] = attrs.field(factory=dict)
    is_paper: bool | None = None
    is_financial_advisor: bool | None = None
    """An FA/IBroker login that manages several accounts (``isFT`` is the gateway's name)."""
    model: AccountsList = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: AccountsList) -> Accounts:
        aliases = model_or_none(model.aliases)
        props = model_or_none(model.acct_props)
        properties: dict[str, AccountProperties] = {}
        if props is not None:
            for account, entry in sorted(props.additional_properties.items()):
                properties[account] = AccountProperties(
                    has_child_accounts=bool_or_none(entry.has_child_accounts, "hasChildAccounts"),
                    supports_cash_qty=bool_or_none(entry.supports_cash_qty, "supportsCashQty"),
                    supports_fractions=bool_or_none(entry.supports_fractions, "supportsFractions"),
                )
        alias_map: dict[str, str] = {}
        if aliases is not None:
            for account, alias in sorted(aliases.additional_properties.items()):
                alias_map[account] = required(str_or_none(alias, "aliases"), "aliases")
        return cls(
            accounts=str_tuple(model.accounts, "accounts"),
            selected_account=str_or_none(model.selected_account, "selectedAccount"),
            aliases=MappingProxyType(alias_map),
            properties=MappingProxyType(properties),
            is_paper=bool_or_none(model.is_paper, "isPaper"),
            is_financial_advisor=bool_or_none(model.is_ft, "isFT"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class PortfolioAccount:
    """One account in the portfolio (read-only) view (``/portfolio/accounts``)."""

    account_id: str
    title: str | None
    display_name: str | None
    alias: str | None
    currency: str | None
    type: str | None
    trading_type: str | None
    is_fa_client: bool | None
    model: PortfolioAccountModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: PortfolioAccountModel) -> PortfolioAccount:
        account = str_or_none(model.account_id, "accountId") or str_or_none(model.id, "id")
        return cls(
            account_id=required(account, "accountId"),
            title=str_or_none(model.account_title, "accountTitle"),
            display_name=str_or_none(model.display_name, "displayName"),
            alias=str_or_none(model.account_alias, "accountAlias"),
            currency=str_or_none(model.currency, "currency"),
            type=str_or_none(model.type_, "type"),
            trading_type=str_or_none(model.trading_type, "tradingType"),
            is_fa_client=bool_or_none(model.faclient, "faclient"),
            model=model,
        )
