"""Derivative results: strikes of a month, futures of a symbol, option contracts and chains."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Literal

import attrs

from ibkr_webapi_client.models import Future as FutureModel
from ibkr_webapi_client.models import SecDefInfo as SecDefInfoModel
from ibkr_webapi_client.models import Strikes as StrikesModel

from ..seam import int_or_none, required, str_or_none
from ._fields import number_tuple, ymd
from .contracts import DerivativeDefinition

__all__ = ["Future", "OptionChain", "OptionContract", "Strikes"]

OptionRight = Literal["C", "P"]


@attrs.frozen(kw_only=True)
class Strikes:
    """The strikes of calls and puts for one month (``/iserver/secdef/strikes``)."""

    calls: tuple[float, ...]
    puts: tuple[float, ...]

    @property
    def all(self) -> tuple[float, ...]:
        """Every strike of calls or puts, low to high."""
        return tuple(sorted(set(self.calls) | set(self.puts)))

    @classmethod
    def from_model(cls, model: StrikesModel) -> Strikes:
        return cls(
            calls=tuple(sorted(number_tuple(model.call, "call"))),
            puts=tuple(sorted(number_tuple(model.put, "put"))),
        )


@attrs.frozen(kw_only=True)
class Future:
    """One non-expired future of a symbol (``/trsrv/futures``)."""

    conid: int
    symbol: str | None
    underlying_conid: int | None
    expiry: date | None
    last_trading_day: date | None
    model: FutureModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: FutureModel) -> Future:
        return cls(
            conid=required(int_or_none(model.conid, "conid"), "conid"),
            symbol=str_or_none(model.symbol, "symbol"),
            underlying_conid=int_or_none(model.underlying_conid, "underlyingConid"),
            expiry=ymd(model.expiration_date, "expirationDate"),
            last_trading_day=ymd(model.ltd, "ltd"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class OptionContract:
    """One option (or warrant, or future option) of a chain, ready to quote or trade by ``conid``."""

    conid: int
    symbol: str | None
    """The underlying's symbol (``"AAPL"``)."""
    right: OptionRight
    strike: float
    expiry: date
    multiplier: float | None
    trading_class: str | None
    sec_type: str
    exchange: str | None
    listing_exchange: str | None
    currency: str | None
    underlying_conid: int
    description: str | None
    """As the gateway shows it: ``"MAR 15 '24 187.5 Call"``."""
    model: SecDefInfoModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_definition(
        cls, definition: DerivativeDefinition, underlying_conid: int
    ) -> OptionContract | None:
        """The option a secdef answer describes; ``None`` for an item that is not one (no
        expiry, strike or right)."""
        expiry, strike, right = definition.expiry, definition.strike, definition.right
        if expiry is None or strike is None or right not in ("C", "P"):
            return None
        return cls(
            conid=definition.conid,
            symbol=definition.symbol,
            right="C" if right == "C" else "P",
            strike=strike,
            expiry=expiry,
            multiplier=definition.multiplier,
            trading_class=definition.trading_class,
            sec_type=definition.sec_type or "OPT",
            exchange=definition.exchange,
            listing_exchange=definition.listing_exchange,
            currency=definition.currency,
            underlying_conid=underlying_conid,
            description=definition.description,
            model=definition.model,
        )


def _order(contract: OptionContract) -> tuple[date, float, str]:
    return contract.expiry, contract.strike, contract.right


def _sorted(contracts: Iterable[OptionContract]) -> tuple[OptionContract, ...]:
    return tuple(sorted(contracts, key=_order))


@attrs.frozen(kw_only=True)
class OptionChain:
    """The options of one underlying for one month, filtered as asked: by expiry, strike, right.

    Iterating gives the contracts by expiry, strike, then call before put.
    """

    underlying_conid: int
    symbol: str | None
    sec_type: str
    month: str
    """The gateway's month (``"MAR24"``)."""
    exchange: str | None
    listed_strikes: tuple[float, ...]
    """Every strike the month lists, before the strike filter."""
    contracts: tuple[OptionContract, ...] = attrs.field(converter=_sorted)

    def __iter__(self) -> Iterator[OptionContract]:
        return iter(self.contracts)

    def __len__(self) -> int:
        return len(self.contracts)

    @property
    def calls(self) -> tuple[OptionContract, ...]:
        return tuple(c for c in self.contracts if c.right == "C")

    @property
    def puts(self) -> tuple[OptionContract, ...]:
        return tuple(c for c in self.contracts if c.right == "P")

    @property
    def expiries(self) -> tuple[date, ...]:
        """The expiry dates in the chain (a month can hold weeklies besides the monthly)."""
        return tuple(sorted({c.expiry for c in self.contracts}))

    @property
    def strikes(self) -> tuple[float, ...]:
        """The strikes in the chain, low to high."""
        return tuple(sorted({c.strike for c in self.contracts}))

    @property
    def conids(self) -> list[int]:
        """Every contract's conid, e.g. for ``ib.snapshot(chain.conids)``."""
        return [c.conid for c in self.contracts]

    def find(
        self, strike: float, right: OptionRight, expiry: date | None = None
    ) -> OptionContract | None:
        """The contract at ``strike`` and ``right`` (and ``expiry``, when the chain has several)."""
        for contract in self.contracts:
            if (
                abs(contract.strike - strike) < 1e-9
                and contract.right == right
                and (expiry is None or contract.expiry == expiry)
            ):
                return contract
        return None
