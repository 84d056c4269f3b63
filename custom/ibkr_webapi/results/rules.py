"""What orders a contract accepts: its order rules and the IB algos it supports."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ibkr_webapi_client.models import AlgoParameter as AlgoParameterModel
from ibkr_webapi_client.models import ContractAlgo as ContractAlgoModel
from ibkr_webapi_client.models import ContractInfoAndRules as ContractInfoAndRulesModel
from ibkr_webapi_client.models import ContractRules as ContractRulesModel
from ibkr_webapi_client.models import ContractRulesOrderDefaults
from ibkr_webapi_client.types import Unset

from ..seam import (
    bool_or_none,
    float_or_none,
    model_or_none,
    required,
    str_or_none,
    str_tuple,
    unexpected,
)
from ._fields import items
from .contracts import ContractDetails

__all__ = ["Algo", "AlgoParameter", "ContractInfoAndRules", "ContractRules", "IncrementRule"]

Scalar = str | float | bool


@attrs.frozen
class IncrementRule:
    """From ``lower_edge`` upwards, prices move in steps of ``increment``."""

    lower_edge: float
    increment: float


def _defaults(value: ContractRulesOrderDefaults | Unset) -> Mapping[str, Mapping[str, Scalar]]:
    """``{"LMT": {"LP": "198.22"}}``: default values by order type."""
    found = model_or_none(value)
    if found is None:
        return MappingProxyType({})
    result: dict[str, Mapping[str, Scalar]] = {}
    for order_type, entry in found.additional_properties.items():
        values: dict[str, Scalar] = {}
        for key, item in entry.additional_properties.items():
            if isinstance(item, bool | str):
                values[key] = item
            elif isinstance(item, int | float):
                values[key] = float(item)
            elif item is not None:
                raise unexpected(
                    "contract rules", f"orderDefaults.{order_type}.{key} is not a value"
                )
        result[order_type] = MappingProxyType(values)
    return MappingProxyType(result)


@attrs.frozen(kw_only=True)
class ContractRules:
    """What orders a contract accepts (``/iserver/contract/rules``): order types, time in force,
    sizes, and the price increments an order's price must respect."""

    order_types: tuple[str, ...]
    """Lower-case names: ``"limit"``, ``"market"``, ``"stop"``, ``"stop_limit"`` ..."""
    order_types_outside_rth: tuple[str, ...]
    algo_order_types: tuple[str, ...]
    fractional_order_types: tuple[str, ...]
    cash_quantity_order_types: tuple[str, ...]
    tif_types: tuple[str, ...]
    """As sent: ``"GTC/o,a"`` (the time in force, then the order types it applies to)."""
    default_tif: str | None
    default_size: float | None
    size_increment: float | None
    cash_size: float | None
    limit_price: float | None
    """The price an order ticket would start from."""
    stop_price: float | None
    increment: float | None
    increment_rules: tuple[IncrementRule, ...]
    order_defaults: Mapping[str, Mapping[str, Scalar]]
    can_trade_account_ids: tuple[str, ...]
    algo_eligible: bool | None
    all_or_none_eligible: bool | None
    force_order_preview: bool | None
    negative_capable: bool | None
    error: str | None
    model: ContractRulesModel = attrs.field(repr=False, eq=False)

    @property
    def time_in_force(self) -> tuple[str, ...]:
        """The time-in-force names allowed: ``("IOC", "GTC", "OPG", "GTD", "DAY")``."""
        return tuple(dict.fromkeys(t.split("/", 1)[0] for t in self.tif_types if t))

    def increment_at(self, price: float) -> float | None:
        """The price step in force at ``price`` (the rule with the highest edge at or below it)."""
        steps = [r for r in self.increment_rules if r.lower_edge <= price]
        if steps:
            return max(steps, key=lambda r: r.lower_edge).increment
        return self.increment

    @classmethod
    def from_model(cls, model: ContractRulesModel) -> ContractRules:
        defaults = model_or_none(model.tif_defaults)
        return cls(
            order_types=str_tuple(model.order_types, "orderTypes"),
            order_types_outside_rth=str_tuple(model.order_types_outside, "orderTypesOutside"),
            algo_order_types=str_tuple(model.ib_algo_types, "ibAlgoTypes"),
            fractional_order_types=str_tuple(model.fraq_types, "fraqTypes"),
            cash_quantity_order_types=str_tuple(model.cqt_types, "cqtTypes"),
            tif_types=str_tuple(model.tif_types, "tifTypes"),
            default_tif=None if defaults is None else str_or_none(defaults.tif, "tifDefaults.TIF"),
            default_size=float_or_none(model.default_size, "defaultSize"),
            size_increment=float_or_none(model.size_increment, "sizeIncrement"),
            cash_size=float_or_none(model.cash_size, "cashSize"),
            limit_price=float_or_none(model.limit_price, "limitPrice"),
            stop_price=float_or_none(model.stop_price, "stopPrice"),
            increment=float_or_none(model.increment, "increment"),
            increment_rules=tuple(
                IncrementRule(
                    required(
                        float_or_none(r.lower_edge, "incrementRules[].lowerEdge"), "lowerEdge"
                    ),
                    required(float_or_none(r.increment, "incrementRules[].increment"), "increment"),
                )
                for r in items(model.increment_rules, "incrementRules")
            ),
            order_defaults=_defaults(model.order_defaults),
            can_trade_account_ids=str_tuple(model.can_trade_acct_ids, "canTradeAcctIds"),
            algo_eligible=bool_or_none(model.algo_eligible, "algoEligible"),
            all_or_none_eligible=bool_or_none(model.all_or_none_eligible, "allOrNoneEligible"),
            force_order_preview=bool_or_none(model.force_order_preview, "forceOrderPreview"),
            negative_capable=bool_or_none(model.negative_capable, "negativeCapable"),
            error=str_or_none(model.error, "error"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class ContractInfoAndRules:
    """A contract's details and its order rules, from one call."""

    details: ContractDetails
    rules: ContractRules | None

    @classmethod
    def from_model(cls, model: ContractInfoAndRulesModel) -> ContractInfoAndRules:
        rules = model_or_none(model.rules)
        return cls(
            details=ContractDetails.from_model(model),
            rules=None if rules is None else ContractRules.from_model(rules),
        )


def _default(value: bool | float | str | Unset) -> Scalar | None:
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if isinstance(raw, bool | str):
        return raw
    if isinstance(raw, int | float):
        return float(raw)
    raise unexpected("contract algos", "parameters[].defaultValue is not a value")


@attrs.frozen(kw_only=True)
class AlgoParameter:
    """One setting of an algo; ``id`` is its key in an order's ``strategy_parameters``."""

    id: str
    name: str | None
    value_type: str | None
    """``"String"``, ``"Double"``, ``"Boolean"``, ``"Time"`` ..."""
    required: bool | None
    default: Scalar | None
    choices: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    description: str | None

    @classmethod
    def from_model(cls, model: AlgoParameterModel) -> AlgoParameter:
        needed = str_or_none(model.required, "parameters[].required")
        return cls(
            id=required(str_or_none(model.id, "parameters[].id"), "parameters[].id"),
            name=str_or_none(model.name, "parameters[].name"),
            value_type=str_or_none(model.value_class_name, "parameters[].valueClassName"),
            required=None if needed is None else needed.strip().lower() == "true",
            default=_default(model.default_value),
            choices=str_tuple(model.legal_strings, "parameters[].legalStrings"),
            minimum=float_or_none(model.min_value, "parameters[].minValue"),
            maximum=float_or_none(model.max_value, "parameters[].maxValue"),
            description=str_or_none(model.description, "parameters[].description"),
        )


@attrs.frozen(kw_only=True)
class Algo:
    """An IB algo a contract supports; ``id`` is the order's ``strategy``."""

    id: str
    name: str | None
    description: str | None
    parameters: tuple[AlgoParameter, ...]
    model: ContractAlgoModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: ContractAlgoModel) -> Algo:
        return cls(
            id=required(str_or_none(model.id, "algos[].id"), "algos[].id"),
            name=str_or_none(model.name, "algos[].name"),
            description=str_or_none(model.description, "algos[].description"),
            parameters=tuple(
                AlgoParameter.from_model(p) for p in items(model.parameters, "algos[].parameters")
            ),
            model=model,
        )
