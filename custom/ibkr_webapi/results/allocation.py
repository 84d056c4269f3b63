"""How holdings are spread (by asset class, sector and group), and combination positions."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ibkr_webapi_client.models import AllocationSplit as AllocationSplitModel
from ibkr_webapi_client.models import ComboLeg as ComboLegModel
from ibkr_webapi_client.models import ComboPosition as ComboPositionModel
from ibkr_webapi_client.models import PortfolioAllocation

from ..seam import float_or_none, int_id, int_or_none, model_or_none, required, str_or_none
from .portfolio import Position

__all__ = ["Allocation", "AllocationSplit", "ComboLeg", "ComboPosition"]


def _values(values: Mapping[str, float], where: str) -> Mapping[str, float]:
    read: dict[str, float] = {}
    for name, value in values.items():
        read[str(name)] = required(float_or_none(value, f"{where}.{name}"), f"{where}.{name}")
    return MappingProxyType(dict(sorted(read.items(), key=lambda item: -abs(item[1]))))


@attrs.frozen(kw_only=True)
class AllocationSplit:
    """Market value by name (``STK``, ``"Technology"`` ...), long and short (short values are
    negative), largest first."""

    long: Mapping[str, float]
    short: Mapping[str, float]

    @property
    def net(self) -> Mapping[str, float]:
        """Long plus short, by name."""
        names = dict.fromkeys([*self.long, *self.short])
        return MappingProxyType({n: self.long.get(n, 0.0) + self.short.get(n, 0.0) for n in names})

    @classmethod
    def from_model(cls, model: AllocationSplitModel | None, where: str) -> AllocationSplit:
        if model is None:
            return cls(long=MappingProxyType({}), short=MappingProxyType({}))
        long = model_or_none(model.long)
        short = model_or_none(model.short)
        return cls(
            long=_values(long.additional_properties if long else {}, f"{where}.long"),
            short=_values(short.additional_properties if short else {}, f"{where}.short"),
        )


@attrs.frozen(kw_only=True)
class Allocation:
    """An account's (or several accounts') holdings by asset class, sector and group."""

    asset_class: AllocationSplit
    sector: AllocationSplit
    group: AllocationSplit
    model: PortfolioAllocation = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: PortfolioAllocation) -> Allocation:
        return cls(
            asset_class=AllocationSplit.from_model(model_or_none(model.asset_class), "assetClass"),
            sector=AllocationSplit.from_model(model_or_none(model.sector), "sector"),
            group=AllocationSplit.from_model(model_or_none(model.group), "group"),
            model=model,
        )


@attrs.frozen
class ComboLeg:
    """One leg of a combination: the contract and how many of it one combination holds."""

    conid: int
    ratio: int | None

    @classmethod
    def from_model(cls, model: ComboLegModel) -> ComboLeg:
        return cls(
            conid=required(int_id(model.conid, "legs[].conid"), "legs[].conid"),
            ratio=int_or_none(model.ratio, "legs[].ratio"),
        )


@attrs.frozen(kw_only=True)
class ComboPosition:
    """A combination (spread) position: its legs and the positions that make them up."""

    account_id: str
    name: str | None
    description: str | None
    """Legs as the gateway writes them, ``"<ratio>*<conid>"`` joined by ``-``."""
    legs: tuple[ComboLeg, ...]
    positions: tuple[Position, ...]
    model: ComboPositionModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, account_id: str, model: ComboPositionModel) -> ComboPosition:
        return cls(
            account_id=account_id,
            name=str_or_none(model.name, "name"),
            description=str_or_none(model.description, "description"),
            legs=tuple(ComboLeg.from_model(leg) for leg in model_or_none(model.legs) or []),
            positions=tuple(
                Position.from_model(p, account_id) for p in model_or_none(model.positions) or []
            ),
            model=model,
        )
