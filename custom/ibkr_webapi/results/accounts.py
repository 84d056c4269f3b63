"""Account results: the accounts a login can trade and their portfolio view."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ibkr_webapi_client.models import AccountOwner as AccountOwnerModel
from ibkr_webapi_client.models import AccountsList, AccountSwitched, SignaturesAndOwners
from ibkr_webapi_client.models import MatchedAccount as MatchedAccountModel
from ibkr_webapi_client.models import PortfolioAccount as PortfolioAccountModel
from ibkr_webapi_client.models import SubaccountsPage as SubaccountsPageModel

from ..seam import bool_or_none, int_or_none, model_or_none, required, str_or_none, str_tuple

__all__ = [
    "AccountOwner",
    "AccountOwners",
    "AccountProperties",
    "Accounts",
    "MatchedAccount",
    "PortfolioAccount",
    "SelectedAccount",
    "SubaccountsPage",
]


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
    groups: tuple[str, ...] = ()
    """An advisor's allocation groups (orders can go to a group instead of an account)."""
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
            groups=str_tuple(model.groups, "groups"),
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
    parent_account_id: str | None = None
    """The advisor's (master) account of an advisor's client account."""
    model: PortfolioAccountModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: PortfolioAccountModel) -> PortfolioAccount:
        account = str_or_none(model.account_id, "accountId") or str_or_none(model.id, "id")
        parent = model_or_none(model.parent)
        client = bool_or_none(model.faclient, "faclient")
        if client is None:
            client = bool_or_none(model.fa_client, "faClient")
        return cls(
            account_id=required(account, "accountId"),
            title=str_or_none(model.account_title, "accountTitle"),
            display_name=str_or_none(model.display_name, "displayName"),
            alias=str_or_none(model.account_alias, "accountAlias"),
            currency=str_or_none(model.currency, "currency"),
            type=str_or_none(model.type_, "type"),
            trading_type=str_or_none(model.trading_type, "tradingType"),
            is_fa_client=client,
            parent_account_id=(
                None if parent is None else str_or_none(parent.account_id, "parent.accountId")
            )
            or None,
            model=model,
        )


@attrs.frozen(kw_only=True)
class SelectedAccount:
    """The account later ``/iserver`` calls act on, as the gateway confirmed it."""

    account_id: str
    changed: bool
    """False when the gateway said the account was selected already."""
    model: AccountSwitched = attrs.field(repr=False, eq=False)


@attrs.frozen(kw_only=True)
class MatchedAccount:
    """An account found by the dynamic account search."""

    account_id: str
    alias: str | None
    allocation_id: str | None

    @classmethod
    def from_model(cls, model: MatchedAccountModel) -> MatchedAccount:
        return cls(
            account_id=required(str_or_none(model.account_id, "accountId"), "accountId"),
            alias=str_or_none(model.alias, "alias"),
            allocation_id=str_or_none(model.allocation_id, "allocationId"),
        )


@attrs.frozen(kw_only=True)
class AccountOwner:
    """A user with a role on an account, and the person or entity behind it."""

    user_name: str | None
    role: str | None
    """``OWNER``, ``TRADER``, ..."""
    has_right_code: bool | None
    entity_name: str | None
    entity_type: str | None
    """``INDIVIDUAL``, ``Joint`` or ``ORG``."""
    first_name: str | None
    last_name: str | None

    @classmethod
    def from_model(cls, model: AccountOwnerModel) -> AccountOwner:
        entity = model_or_none(model.entity)
        return cls(
            user_name=str_or_none(model.user_name, "users[].userName"),
            role=str_or_none(model.role_id, "users[].roleId"),
            has_right_code=bool_or_none(model.has_right_code_ind, "users[].hasRightCodeInd"),
            entity_name=None if entity is None else str_or_none(entity.entity_name, "entityName"),
            entity_type=None if entity is None else str_or_none(entity.entity_type, "entityType"),
            first_name=None if entity is None else str_or_none(entity.first_name, "firstName"),
            last_name=None if entity is None else str_or_none(entity.last_name, "lastName"),
        )


@attrs.frozen(kw_only=True)
class AccountOwners:
    """The users with a role on an account, and the applicant's signatures."""

    account_id: str
    users: tuple[AccountOwner, ...]
    signatures: tuple[str, ...]
    model: SignaturesAndOwners = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, account_id: str, model: SignaturesAndOwners) -> AccountOwners:
        applicant = model_or_none(model.applicant)
        return cls(
            account_id=str_or_none(model.account_id, "accountId") or account_id,
            users=tuple(AccountOwner.from_model(u) for u in model_or_none(model.users) or []),
            signatures=str_tuple(applicant.signatures, "applicant.signatures")
            if applicant is not None
            else (),
            model=model,
        )


@attrs.frozen(kw_only=True)
class SubaccountsPage:
    """One page of an advisor's or broker's sub-accounts (``/portfolio/subaccounts2``)."""

    number: int
    """The page number, from 0."""
    accounts: tuple[PortfolioAccount, ...]
    total: int | None
    """Sub-accounts in all pages."""
    page_size: int | None
    model: SubaccountsPageModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, number: int, model: SubaccountsPageModel) -> SubaccountsPage:
        meta = model_or_none(model.metadata)
        return cls(
            number=number,
            accounts=tuple(
                PortfolioAccount.from_model(a) for a in model_or_none(model.subaccounts) or []
            ),
            total=None if meta is None else int_or_none(meta.total, "metadata.total"),
            page_size=None if meta is None else int_or_none(meta.page_size, "metadata.pageSize"),
            model=model,
        )
