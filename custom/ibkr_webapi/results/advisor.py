"""Financial-advisor results: allocation accounts, groups and presets, and model portfolios."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ibkr_webapi_client.models import AllocationAccount as AllocationAccountModel
from ibkr_webapi_client.models import AllocationGroup as AllocationGroupModel
from ibkr_webapi_client.models import AllocationGroupSummary, InvestDivestStarted, ModelSummaryItem
from ibkr_webapi_client.models import AllocationPresets as AllocationPresetsModel
from ibkr_webapi_client.models import InvestedAccount as InvestedAccountModel
from ibkr_webapi_client.models import ModelAccount as ModelAccountModel
from ibkr_webapi_client.models import ModelCashPosition as ModelCashPositionModel
from ibkr_webapi_client.models import ModelPosition as ModelPositionModel
from ibkr_webapi_client.models import ModelPositions as ModelPositionsModel
from ibkr_webapi_client.models import ModelPresets as ModelPresetsModel
from ibkr_webapi_client.models import ModelSummary as ModelSummaryModel
from ibkr_webapi_client.types import Unset

from ..seam import (
    bool_or_none,
    float_or_none,
    int_id,
    int_or_none,
    model_or_none,
    number_or_none,
    required,
    str_or_none,
)

__all__ = [
    "AllocationAccount",
    "AllocationGroup",
    "AllocationGroupInfo",
    "AllocationPresets",
    "InvestedAccount",
    "ModelAccount",
    "ModelCash",
    "ModelHolding",
    "ModelHoldings",
    "ModelInfo",
    "ModelPresets",
    "ModelTransfers",
]

_NOT_A_NUMBER = frozenset({"", "none", "n/a", "null"})


def _number(value: float | str | Unset | None, field: str) -> float | None:
    """A figure sent as a number or text; the gateway's ``"None"`` placeholder reads as absent."""
    if isinstance(value, str) and value.strip().lower() in _NOT_A_NUMBER:
        return None
    return number_or_none(value, field)


@attrs.frozen(kw_only=True)
class AllocationAccount:
    """A sub-account orders can be allocated to, with the figures allocation methods use."""

    account_id: str
    values: Mapping[str, float | None]
    """``NetLiquidation``, ``AvailableEquity`` ... in the base currency."""
    model: AllocationAccountModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: AllocationAccountModel) -> AllocationAccount:
        values: dict[str, float | None] = {}
        for item in model_or_none(model.data) or []:
            key = required(str_or_none(item.key, "accounts[].data[].key"), "data[].key")
            values[key] = _number(item.value, f"accounts[].data[].{key}")
        return cls(
            account_id=required(str_or_none(model.name, "accounts[].name"), "accounts[].name"),
            values=MappingProxyType(values),
            model=model,
        )


@attrs.frozen(kw_only=True)
class AllocationGroupInfo:
    """An allocation group as listed: name, default method and how many accounts it holds."""

    name: str
    method: str | None
    size: int | None

    @classmethod
    def from_model(cls, model: AllocationGroupSummary) -> AllocationGroupInfo:
        return cls(
            name=required(str_or_none(model.name, "data[].name"), "data[].name"),
            method=str_or_none(model.allocation_method, "data[].allocation_method"),
            size=int_or_none(model.size, "data[].size"),
        )


@attrs.frozen(kw_only=True)
class AllocationGroup:
    """An allocation group: its default method and each member account's amount (``None`` for
    methods that compute it: ``A`` available equity, ``E`` equal, ``N`` net liquidation ...)."""

    name: str
    method: str | None
    members: Mapping[str, float | None]
    model: AllocationGroupModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: AllocationGroupModel) -> AllocationGroup:
        members: dict[str, float | None] = {}
        for item in model_or_none(model.accounts) or []:
            name = required(str_or_none(item.name, "accounts[].name"), "accounts[].name")
            members[name] = float_or_none(item.amount, "accounts[].amount")
        return cls(
            name=required(str_or_none(model.name, "name"), "name"),
            method=str_or_none(model.default_method, "default_method"),
            members=MappingProxyType(members),
            model=model,
        )


@attrs.frozen(kw_only=True)
class AllocationPresets:
    """How the gateway allocates an advisor's orders by default."""

    default_method: str | None
    group_auto_close_positions: bool | None
    profiles_auto_close_positions: bool | None
    strict_credit_check: bool | None
    group_proportional_allocation: bool | None
    model: AllocationPresetsModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: AllocationPresetsModel) -> AllocationPresets:
        return cls(
            default_method=str_or_none(model.default_method_for_all, "default_method_for_all"),
            group_auto_close_positions=bool_or_none(
                model.group_auto_close_positions, "group_auto_close_positions"
            ),
            profiles_auto_close_positions=bool_or_none(
                model.profiles_auto_close_positions, "profiles_auto_close_positions"
            ),
            strict_credit_check=bool_or_none(model.strict_credit_check, "strict_credit_check"),
            group_proportional_allocation=bool_or_none(
                model.group_proportional_allocation, "group_proportional_allocation"
            ),
            model=model,
        )


@attrs.frozen(kw_only=True)
class ModelInfo:
    """A model portfolio: its description, value and how many accounts are invested in it."""

    name: str
    description: str | None
    is_static: bool | None
    net_liquidation: float | None
    accounts: int | None
    mismatch: bool | None
    """The accounts' holdings differ from the model's targets."""
    model: ModelSummaryItem | ModelSummaryModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: ModelSummaryItem | ModelSummaryModel) -> ModelInfo:
        return cls(
            name=required(str_or_none(model.model, "model"), "model"),
            description=str_or_none(model.desc, "desc"),
            is_static=bool_or_none(model.is_static, "isStatic"),
            net_liquidation=_number(model.nlv, "nlv"),
            accounts=int_or_none(model.num_accounts, "numAccounts"),
            mismatch=bool_or_none(model.mismatch, "mismatch"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class ModelHolding:
    """One contract of a model: its target and actual share of the model (fractions of 1)."""

    conid: int
    symbol: str | None
    currency: str | None
    position: float | None
    market_value: float | None
    target: float | None
    actual: float | None
    imbalance: float | None

    @classmethod
    def from_model(cls, model: ModelPositionModel) -> ModelHolding:
        return cls(
            conid=required(int_id(model.cid, "positionList[].cid"), "positionList[].cid"),
            symbol=str_or_none(model.instrument, "positionList[].instrument"),
            currency=str_or_none(model.ccy, "positionList[].ccy"),
            position=_number(model.position, "positionList[].position"),
            market_value=_number(model.mv, "positionList[].mv"),
            target=_number(model.trgt, "positionList[].trgt"),
            actual=_number(model.actl, "positionList[].actl"),
            imbalance=_number(model.instr_imbalance, "positionList[].instrImbalance"),
        )


@attrs.frozen(kw_only=True)
class ModelCash:
    """Cash of a model in one currency: target and actual share (fractions of 1)."""

    currency: str
    market_value: float | None
    target: float | None
    actual: float | None

    @classmethod
    def from_model(cls, model: ModelCashPositionModel) -> ModelCash:
        return cls(
            currency=required(str_or_none(model.ccy, "cash[].ccy"), "cash[].ccy"),
            market_value=_number(model.mv, "cash[].mv"),
            target=_number(model.trgt, "cash[].trgt"),
            actual=_number(model.actl, "cash[].actl"),
        )


@attrs.frozen(kw_only=True)
class ModelHoldings:
    """What a model holds across its accounts."""

    name: str
    net_liquidation: float | None
    holdings: tuple[ModelHolding, ...]
    cash: tuple[ModelCash, ...]
    mismatched: bool | None
    model: ModelPositionsModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, name: str, model: ModelPositionsModel) -> ModelHoldings:
        return cls(
            name=str_or_none(model.model, "model") or name,
            net_liquidation=float_or_none(model.nlv, "nlv"),
            holdings=tuple(
                ModelHolding.from_model(p) for p in model_or_none(model.position_list) or []
            ),
            cash=tuple(ModelCash.from_model(c) for c in model_or_none(model.cash) or []),
            mismatched=bool_or_none(model.mismatched, "mismatched"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class ModelAccount:
    """One account's part in a model (``"TOTAL"`` sums them)."""

    account_id: str
    net_liquidation: float | None
    independent_cash: float | None
    cost_basis: float | None
    unrealized_pnl: float | None
    imbalance: float | None

    @classmethod
    def from_model(cls, model: ModelAccountModel) -> ModelAccount:
        return cls(
            account_id=required(str_or_none(model.account, "account"), "account"),
            net_liquidation=_number(model.nlv, "nlv"),
            independent_cash=_number(model.ind_cash, "indCash"),
            cost_basis=_number(model.cost_basis, "costBasis"),
            unrealized_pnl=_number(model.unreal_pn_l, "unrealPnL"),
            imbalance=_number(model.acct_imbalance, "acctImbalance"),
        )


@attrs.frozen(kw_only=True)
class InvestedAccount:
    """A sub-account's value in a model, in other models and outside any (independent)."""

    account_id: str
    net_liquidation: float | None
    in_model: float | None
    in_other_models: float | None
    independent_cash: float | None
    independent_positions: float | None

    @classmethod
    def from_model(cls, model: InvestedAccountModel) -> InvestedAccount:
        return cls(
            account_id=required(str_or_none(model.account, "account"), "account"),
            net_liquidation=_number(model.nlv, "nlv"),
            in_model=_number(model.account_model_nlv, "accountModelNlv"),
            in_other_models=_number(model.account_other_models_nlv, "accountOtherModelsNlv"),
            independent_cash=_number(model.ind_cash_nlv, "indCashNlv"),
            independent_positions=_number(model.ind_pos_nlv, "indPosNlv"),
        )


@attrs.frozen(kw_only=True)
class ModelPresets:
    """How model investments are carried out (the gateway's model presets)."""

    values: Mapping[str, bool | int]
    """By the gateway's names: ``keepModelOpen``, ``useToleranceRange``, ``cashQtyEstimateFactor`` ..."""
    model: ModelPresetsModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: ModelPresetsModel) -> ModelPresets:
        wire = model.to_dict()
        values: dict[str, bool | int] = {}
        for key, value in wire.items():
            if key in ("reqID", "subscriptionStatus"):
                continue
            if isinstance(value, int):  # flags (bool) and counts
                values[key] = value
        return cls(values=MappingProxyType(values), model=model)


@attrs.frozen(kw_only=True)
class ModelTransfers:
    """Transfers drafted by an investment or divestment, to carry out with ``submit_transfers``."""

    instruction_id: int
    model: InvestDivestStarted = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: InvestDivestStarted) -> ModelTransfers:
        instruction = int_id(model.transfers_instruction_id, "transfersInstructionId")
        return cls(
            instruction_id=required(instruction, "transfersInstructionId"),
            model=model,
        )
