"""Portfolio results: positions, account summary items, the cash ledger and P&L."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import attrs

from ibkr_webapi_client.models import LedgerEntry as LedgerEntryModel
from ibkr_webapi_client.models import PnlEntry as PnlEntryModel
from ibkr_webapi_client.models import Position as PositionModel
from ibkr_webapi_client.models import SummaryValue

from ..dates import parse_ibkr_time
from ..errors import UnexpectedResponseError
from ..seam import (
    bool_or_none,
    float_or_none,
    int_or_none,
    json_object,
    number_or_none,
    required,
    str_or_none,
    wire_bool,
    wire_int,
    wire_number,
    wire_text,
)
from ..wire_columns import int_column, number_column, numeric_text_column, text_column

__all__ = ["LedgerEntry", "PnlEntry", "Position", "SummaryItem"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DICT_ONLY = frozenset({dict})


_last_time: tuple[int, datetime] = (0, _EPOCH)


def _time_ms(value: int | None, owner: str | None = None) -> datetime | None:
    """Epoch milliseconds as an aware UTC datetime; ``None`` for absent or 0.

    The items of one answer usually share their time: the last one converted is kept.
    """
    global _last_time
    if value is None or value <= 0:
        return None
    if value == _last_time[0]:
        return _last_time[1]
    try:
        when = _EPOCH + timedelta(milliseconds=value)
        _last_time = (value, when)
        return when
    except OverflowError:
        raise UnexpectedResponseError(
            f"the gateway sent {owner + '.' if owner else ''}timestamp={value}, which is not a time in epoch milliseconds; "
            "the answer's shape changed or is damaged"
        ) from None


def _share_nested(rows: Sequence[dict[str, object]]) -> None:
    """Entries of a page that carry equal nested values (``incrementRules``, ``displayRule``,
    ``conExchMap``: the same for most contracts) are made to hold one shared copy.

    Each position keeps its entry, so a large portfolio would otherwise keep six small lists and
    dicts per position for the garbage collector to trace again and again: shared, 10,000
    positions hold 30,000 fewer objects, and the collector runs half as often. ``Position.model``
    hands out copies, so nothing shared is ever handed out.
    """
    for key, first in rows[0].items() if rows else ():
        if first.__class__ is not list and first.__class__ is not dict:
            continue
        kept = [first]  # the distinct values seen, a handful at most
        for row in rows:
            value = row.get(key)
            if value.__class__ is not list and value.__class__ is not dict:
                continue
            for known in kept:
                if known.__class__ is value.__class__ and known == value:
                    if known is not value:
                        row[key] = known
                    break
            else:
                if len(kept) < 8:
                    kept.append(value)


@attrs.frozen(kw_only=True)
class Position:
    """One position of an account. Everything but the contract and the size may be missing."""

    account_id: str
    conid: int
    position: float
    """Signed size: negative for a short position."""
    contract_desc: str | None = None
    ticker: str | None = None
    name: str | None = None
    asset_class: str | None = None
    currency: str | None = None
    market_price: float | None = None
    market_value: float | None = None
    avg_cost: float | None = None
    avg_price: float | None = None
    realized_pnl: float | None = None
    unrealized_pnl: float | None = None
    expiry: str | None = None
    put_or_call: str | None = None
    strike: float | None = None
    multiplier: float | None = None
    underlying_conid: int | None = None
    listing_exchange: str | None = None
    sector: str | None = None
    group: str | None = None
    _source: PositionModel | Mapping[str, object] = attrs.field(
        repr=False, eq=False, alias="source"
    )

    @property
    def model(self) -> PositionModel:
        """The position as the generated ``ibkr_webapi_client.models.Position`` (made on demand)."""
        if isinstance(self._source, PositionModel):
            return self._source
        return PositionModel.from_dict(copy.deepcopy(dict(self._source)))  # nothing shared

    @classmethod
    def from_json(cls, data: Mapping[str, object], account_id: str) -> Position:
        """Read one entry of a positions page as decoded from JSON, checking every value.

        A page of one for the page reader (a copy: the caller's dict stays theirs). No generated
        model is made (``model`` makes one when asked), and the same checks as :meth:`from_model`.
        """
        return cls._from_owned_page([dict(data)], account_id)[0]

    @classmethod
    def _from_owned_page(cls, items: list[object], account_id: str) -> list[Position]:
        """:meth:`from_json` of every entry of a page the client decoded itself (kept uncopied).

        A page holds up to 100 entries with the same keys: each key's values are gathered and
        checked in a few C-level passes (:mod:`~ibkr_webapi.wire_columns`) instead of through
        twenty-odd reader calls per position.
        """
        if set(map(type, items)) != _DICT_ONLY:  # the typed error names the odd entry
            for item in items:
                json_object(item, "positions[]")
        rows = cast("list[dict[str, object]]", items)
        w = "positions[]."
        conids = int_column(rows, "conid", w)
        sizes = number_column(rows, "position", w)
        if None in conids or None in sizes:  # always sent: a typed error names the missing one
            required(None, "conid" if None in conids else "position")
        _share_nested(rows)
        return [
            cls(
                account_id=account or account_id,
                conid=conid,
                position=size,
                contract_desc=desc,
                ticker=ticker,
                name=name,
                asset_class=asset_class,
                currency=currency,
                market_price=price,
                market_value=value,
                avg_cost=avg_cost,
                avg_price=avg_price,
                realized_pnl=realized,
                unrealized_pnl=unrealized,
                expiry=expiry,
                put_or_call=right,
                strike=strike or None,
                multiplier=multiplier,
                underlying_conid=underlying or None,
                listing_exchange=exchange,
                sector=sector,
                group=group,
                source=row,  # decoded here, held by nothing else: kept as it is
            )
            for (
                account, conid, size, desc, ticker, name, asset_class, currency, price, value,
                avg_cost, avg_price, realized, unrealized, expiry, right, strike, multiplier,
                underlying, exchange, sector, group, row,
            ) in zip(
                text_column(rows, "acctId", w), conids, sizes,
                text_column(rows, "contractDesc", w), text_column(rows, "ticker", w),
                text_column(rows, "name", w), text_column(rows, "assetClass", w),
                text_column(rows, "currency", w), number_column(rows, "mktPrice", w),
                number_column(rows, "mktValue", w), number_column(rows, "avgCost", w),
                number_column(rows, "avgPrice", w), number_column(rows, "realizedPnl", w),
                number_column(rows, "unrealizedPnl", w), text_column(rows, "expiry", w),
                text_column(rows, "putOrCall", w), numeric_text_column(rows, "strike", w),
                number_column(rows, "multiplier", w), int_column(rows, "undConid", w),
                text_column(rows, "listingExchange", w), text_column(rows, "sector", w),
                text_column(rows, "group", w), rows,
                strict=True,
            )
        ]  # fmt: skip

    @classmethod
    def from_model(cls, model: PositionModel, account_id: str) -> Position:
        return cls(
            account_id=str_or_none(model.acct_id, "acctId") or account_id,
            conid=required(int_or_none(model.conid, "conid"), "conid"),
            position=required(float_or_none(model.position, "position"), "position"),
            contract_desc=str_or_none(model.contract_desc, "contractDesc"),
            ticker=str_or_none(model.ticker, "ticker"),
            name=str_or_none(model.name, "name"),
            asset_class=str_or_none(model.asset_class, "assetClass"),
            currency=str_or_none(model.currency, "currency"),
            market_price=float_or_none(model.mkt_price, "mktPrice"),
            market_value=float_or_none(model.mkt_value, "mktValue"),
            avg_cost=float_or_none(model.avg_cost, "avgCost"),
            avg_price=float_or_none(model.avg_price, "avgPrice"),
            realized_pnl=float_or_none(model.realized_pnl, "realizedPnl"),
            unrealized_pnl=float_or_none(model.unrealized_pnl, "unrealizedPnl"),
            expiry=str_or_none(model.expiry, "expiry"),
            put_or_call=str_or_none(model.put_or_call, "putOrCall"),
            # "0" for contracts that have no strike.
            strike=number_or_none(model.strike, "strike") or None,
            multiplier=float_or_none(model.multiplier, "multiplier"),
            underlying_conid=int_or_none(model.und_conid, "undConid") or None,
            listing_exchange=str_or_none(model.listing_exchange, "listingExchange"),
            sector=str_or_none(model.sector, "sector"),
            group=str_or_none(model.group, "group"),
            source=model,
        )


@attrs.frozen
class SummaryItem:
    """One account summary value: a number in ``amount`` or a text in ``value``."""

    name: str
    amount: float | None
    currency: str | None
    value: str | None
    timestamp: datetime | None
    is_null: bool
    severity: int | None

    @classmethod
    def from_model(cls, name: str, model: SummaryValue) -> SummaryItem:
        return cls(
            name=name,
            amount=float_or_none(model.amount, f"{name}.amount"),
            currency=str_or_none(model.currency, f"{name}.currency"),
            value=str_or_none(model.value, f"{name}.value"),
            timestamp=_time_ms(int_or_none(model.timestamp, f"{name}.timestamp")),
            is_null=bool_or_none(model.is_null, f"{name}.isNull") is True,
            severity=int_or_none(model.severity, f"{name}.severity"),
        )

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, object]) -> SummaryItem:
        """Read one item of the account summary as decoded from JSON, checking every value.

        The usual types are checked inline; anything else goes to the ``wire_*`` readers, which
        convert what they can (an integer amount) and raise on the rest.
        """
        amount = data.get("amount")
        if not (amount is None or isinstance(amount, float)):
            amount = wire_number(data, "amount", name + ".")
        currency = data.get("currency")
        if not (currency is None or isinstance(currency, str)):
            currency = wire_text(data, "currency", name + ".")
        value = data.get("value")
        if not (value is None or isinstance(value, str)):
            value = wire_text(data, "value", name + ".")
        is_null = data.get("isNull")
        if not (is_null is None or isinstance(is_null, bool)):
            is_null = wire_bool(data, "isNull", name + ".")
        stamp = data.get("timestamp")
        if not (stamp is None or (isinstance(stamp, int) and not isinstance(stamp, bool))):
            stamp = wire_int(data, "timestamp", name + ".")
        severity = data.get("severity")
        if not (severity is None or (isinstance(severity, int) and not isinstance(severity, bool))):
            severity = wire_int(data, "severity", name + ".")
        # positional (name, amount, currency, value, timestamp, is_null, severity): ~90 a call
        return cls(name, amount, currency, value, _time_ms(stamp, name), is_null is True, severity)

    def __str__(self) -> str:
        if self.value is not None:
            return self.value
        if self.amount is None:
            return ""
        return f"{self.amount:,.2f} {self.currency}" if self.currency else f"{self.amount:,.2f}"


@attrs.frozen(kw_only=True)
class LedgerEntry:
    """Cash and values in one currency (``BASE`` converts everything to the base currency)."""

    currency: str
    cash_balance: float | None
    settled_cash: float | None
    net_liquidation_value: float | None
    stock_market_value: float | None
    unrealized_pnl: float | None
    realized_pnl: float | None
    exchange_rate: float | None
    interest: float | None
    dividends: float | None
    timestamp: datetime | None
    model: LedgerEntryModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, key: str, model: LedgerEntryModel) -> LedgerEntry:
        stamp = int_or_none(model.timestamp, "timestamp")
        return cls(
            currency=str_or_none(model.currency, "currency") or key,
            cash_balance=float_or_none(model.cashbalance, "cashbalance"),
            settled_cash=float_or_none(model.settledcash, "settledcash"),
            net_liquidation_value=float_or_none(model.netliquidationvalue, "netliquidationvalue"),
            stock_market_value=float_or_none(model.stockmarketvalue, "stockmarketvalue"),
            unrealized_pnl=float_or_none(model.unrealizedpnl, "unrealizedpnl"),
            realized_pnl=float_or_none(model.realizedpnl, "realizedpnl"),
            exchange_rate=float_or_none(model.exchangerate, "exchangerate"),
            interest=float_or_none(model.interest, "interest"),
            dividends=float_or_none(model.dividends, "dividends"),
            # The ledger counts seconds, not milliseconds.
            timestamp=parse_ibkr_time(stamp, epoch_unit="s") if stamp else None,
            model=model,
        )


@attrs.frozen(kw_only=True)
class PnlEntry:
    """Daily and unrealized P&L of one account segment (``U1234567.Core``)."""

    key: str
    daily_pnl: float | None
    unrealized_pnl: float | None
    net_liquidation: float | None
    market_value: float | None
    excess_liquidity: float | None
    model: PnlEntryModel = attrs.field(repr=False, eq=False)

    @property
    def account_id(self) -> str:
        return self.key.partition(".")[0]

    @classmethod
    def from_model(cls, key: str, model: PnlEntryModel) -> PnlEntry:
        return cls(
            key=key,
            daily_pnl=float_or_none(model.dpl, "dpl"),
            unrealized_pnl=float_or_none(model.upl, "upl"),
            net_liquidation=float_or_none(model.nl, "nl"),
            market_value=float_or_none(model.mv, "mv"),
            excess_liquidity=float_or_none(model.el, "el"),
            model=model,
        )
