"""What makes an alert fire: price, time, margin, trade and volume conditions, checked when made.

Pass them to ``ib.alerts.create(...)``; each becomes one entry of IBKR's ``conditions`` list
(``{"type": 1, "conidex": "265598@SMART", "operator": ">=", "value": "195", ...}``).
Conditions of one alert are joined by ``combine="and"`` (all must hold) or ``"or"`` (any).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ibkr_webapi_client.models import AlertConditionRequest

from .errors import InvalidRequestError
from .ids import check_conid, check_number

__all__ = [
    "CONDITION_TYPES",
    "TRIGGER_METHODS",
    "AlertCondition",
    "MarginCondition",
    "Operator",
    "PriceCondition",
    "TimeCondition",
    "TradeCondition",
    "TriggerMethod",
    "VolumeCondition",
]

Operator = Literal[">=", "<="]
TriggerMethod = Literal[
    "default", "double_bid_ask", "last", "double_last", "bid_ask", "last_or_bid_ask", "midpoint"
]
# How a price condition reads the market (IBKR's trigger method codes, the same as TWS's).
TRIGGER_METHODS: dict[str, str] = {
    "default": "0",
    "double_bid_ask": "1",
    "last": "2",
    "double_last": "3",
    "bid_ask": "4",
    "last_or_bid_ask": "7",
    "midpoint": "8",
}
# IBKR's condition type codes, by name (7-9 are the mobile trading assistant's).
CONDITION_TYPES: dict[int, str] = {
    1: "price",
    3: "time",
    4: "margin",
    5: "trade",
    6: "volume",
    7: "mta_market",
    8: "mta_position",
    9: "mta_daily_pnl",
}
# Conditions about no contract (time, margin) name every contract on every exchange. (IBKR's MTA
# alert shows this form; that the gateway wants it for time and margin conditions is unverified,
# hence a field that can be changed.)
ANY_CONTRACT = "*@*"
_EXCHANGE = re.compile(r"[A-Z0-9.*]{1,32}")


def _operator(value: object) -> str:
    if value in (">=", "<="):
        return str(value)
    raise InvalidRequestError(
        f"operator must be '>=' (at or above) or '<=' (at or below), got {value!r}"
    )


def _exchange(value: object) -> str:
    if isinstance(value, str) and _EXCHANGE.fullmatch(value.strip().upper()):
        return value.strip().upper()
    raise InvalidRequestError(f"exchange must be an exchange code such as 'SMART', got {value!r}")


def _plain(number: float) -> str:
    """``195.0`` as ``"195"``, ``0.1`` as ``"0.1"``: a decimal text without exponent or float noise."""
    return format(Decimal(repr(number)).normalize(), "f")


def _positive(value: object, what: str) -> float:
    number = check_number(value, what)
    if number <= 0:
        raise InvalidRequestError(f"{what} must be above 0, got {value!r}")
    return number


def _conidex(conid: object, exchange: object) -> str:
    return f"{check_conid(conid)}@{_exchange(exchange)}"


@attrs.frozen(kw_only=True)
class PriceCondition:
    """Fires when the price of ``conid`` is ``operator`` ``price`` (``">="`` at or above).

    ``trigger_method`` is how the price is read: ``"default"``, ``"last"``, ``"double_last"``,
    ``"bid_ask"``, ``"double_bid_ask"``, ``"last_or_bid_ask"`` or ``"midpoint"``.
    """

    conid: int
    operator: Operator
    price: float
    exchange: str = "SMART"
    trigger_method: TriggerMethod = "default"

    def __attrs_post_init__(self) -> None:
        _conidex(self.conid, self.exchange)
        _operator(self.operator)
        _positive(self.price, "price")
        if self.trigger_method not in TRIGGER_METHODS:
            raise InvalidRequestError(
                f"trigger_method must be one of {', '.join(TRIGGER_METHODS)}, "
                f"got {self.trigger_method!r}"
            )

    def to_wire(self, logic_bind: str) -> AlertConditionRequest:
        return AlertConditionRequest(
            conidex=_conidex(self.conid, self.exchange),
            logic_bind=logic_bind,
            operator=_operator(self.operator),
            type_=1,
            value=_plain(_positive(self.price, "price")),
            trigger_method=TRIGGER_METHODS[self.trigger_method],
        )


@attrs.frozen(kw_only=True)
class TimeCondition:
    """Fires at (``">="``) or until (``"<="``) the instant ``at`` (a timezone-aware datetime).

    The gateway reads the time as a wall-clock time in ``time_zone`` (an IANA name such as
    ``"US/Eastern"``, IBKR's own example); ``at`` is converted to that zone.
    """

    at: datetime
    operator: Operator = ">="
    time_zone: str = "US/Eastern"
    conidex: str = ANY_CONTRACT

    def __attrs_post_init__(self) -> None:
        _operator(self.operator)
        self._wall_time()

    def _zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidRequestError(
                f"time_zone must be an IANA zone name such as 'US/Eastern', got {self.time_zone!r}"
            ) from None

    def _wall_time(self) -> str:
        at = self.at
        if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
            raise InvalidRequestError(
                f"at must be a timezone-aware datetime, got {at!r}; e.g. "
                "datetime(2024, 5, 1, 15, 30, tzinfo=ZoneInfo('US/Eastern'))"
            )
        return at.astimezone(self._zone()).strftime("%Y%m%d-%H:%M:%S")

    def to_wire(self, logic_bind: str) -> AlertConditionRequest:
        return AlertConditionRequest(
            conidex=self.conidex,
            logic_bind=logic_bind,
            operator=_operator(self.operator),
            type_=3,
            value=self._wall_time(),
            time_zone=self.time_zone,
        )


@attrs.frozen(kw_only=True)
class MarginCondition:
    """Fires when the account's margin cushion is ``operator`` ``cushion_percent`` (e.g. ``<= 5``).

    The cushion is (equity with loan value - maintenance margin) / net liquidation value, in percent.
    """

    cushion_percent: float
    operator: Operator = "<="
    conidex: str = ANY_CONTRACT

    def __attrs_post_init__(self) -> None:
        _operator(self.operator)
        self._value()

    def _value(self) -> str:
        number = check_number(self.cushion_percent, "cushion_percent")
        if not 0 <= number <= 100:
            raise InvalidRequestError(
                f"cushion_percent must be from 0 to 100, got {self.cushion_percent!r}"
            )
        return _plain(number)

    def to_wire(self, logic_bind: str) -> AlertConditionRequest:
        return AlertConditionRequest(
            conidex=self.conidex,
            logic_bind=logic_bind,
            operator=_operator(self.operator),
            type_=4,
            value=self._value(),
        )


@attrs.frozen(kw_only=True)
class TradeCondition:
    """Fires when one of the account's orders in ``conid`` executes."""

    conid: int
    exchange: str = "SMART"

    def __attrs_post_init__(self) -> None:
        _conidex(self.conid, self.exchange)

    def to_wire(self, logic_bind: str) -> AlertConditionRequest:
        return AlertConditionRequest(
            conidex=_conidex(self.conid, self.exchange),
            logic_bind=logic_bind,
            operator=">=",
            type_=5,
            value="*",
        )


@attrs.frozen(kw_only=True)
class VolumeCondition:
    """Fires when the day's traded volume of ``conid`` is ``operator`` ``volume`` (shares)."""

    conid: int
    operator: Operator
    volume: int
    exchange: str = "SMART"

    def __attrs_post_init__(self) -> None:
        _conidex(self.conid, self.exchange)
        _operator(self.operator)
        self._value()

    def _value(self) -> str:
        volume = self.volume
        if isinstance(volume, bool) or not isinstance(volume, int) or volume <= 0:
            raise InvalidRequestError(f"volume must be a whole number above 0, got {volume!r}")
        return str(volume)

    def to_wire(self, logic_bind: str) -> AlertConditionRequest:
        return AlertConditionRequest(
            conidex=_conidex(self.conid, self.exchange),
            logic_bind=logic_bind,
            operator=_operator(self.operator),
            type_=6,
            value=self._value(),
        )


AlertCondition: TypeAlias = (
    PriceCondition | TimeCondition | MarginCondition | TradeCondition | VolumeCondition
)
CONDITION_CLASSES = (
    PriceCondition,
    TimeCondition,
    MarginCondition,
    TradeCondition,
    VolumeCondition,
)
