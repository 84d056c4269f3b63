"""Readable result types the client builds from the generated models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from ibkr_webapi_client.models import (
    AuthStatus,
    HistoricalData,
    LiveOrder,
    SummaryValue,
    TickleResponse,
)
from ibkr_webapi_client.types import Unset

from ._dates import parse_ibkr_time
from ._orders import Question


def unset_to_none(value: object) -> object:
    """Generated models mark absent fields with UNSET; users see None."""
    return None if isinstance(value, Unset) else value


@attrs.frozen
class PlacedOrder:
    """An order the gateway accepted (after any confirmation questions)."""

    order_id: str
    order_status: str | None
    c_oid: str | None
    answered: tuple[Question, ...] = ()
    recovered: bool = False
    """True when the answer was lost in transit and the order was found among live orders."""


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
        stamp = unset_to_none(model.timestamp)
        amount = unset_to_none(model.amount)
        severity = unset_to_none(model.severity)
        currency = unset_to_none(model.currency)
        value = unset_to_none(model.value)
        return cls(
            name=name,
            amount=float(amount) if isinstance(amount, int | float) else None,
            currency=currency if isinstance(currency, str) else None,
            value=value if isinstance(value, str) else None,
            timestamp=parse_ibkr_time(stamp) if isinstance(stamp, int) and stamp > 0 else None,
            is_null=unset_to_none(model.is_null) is True,
            severity=severity if isinstance(severity, int) else None,
        )


@attrs.frozen
class Bar:
    """One historical bar with a timezone-aware start time (UTC)."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float


@attrs.frozen
class History:
    """Historical bars for one contract, plus the gateway's answer as received."""

    conid: int
    symbol: str | None
    text: str | None
    bars: Sequence[Bar]
    bar_length_seconds: int | None
    model: HistoricalData

    @classmethod
    def from_model(cls, conid: int, model: HistoricalData) -> History:
        bars = []
        for item in model.data if not isinstance(model.data, Unset) else []:
            stamp = unset_to_none(item.t)
            if not isinstance(stamp, int):
                continue  # a bar without a time cannot be placed; the raw model still has it
            bars.append(
                Bar(
                    time=parse_ibkr_time(stamp),
                    open=_num(item.o),
                    high=_num(item.h),
                    low=_num(item.l),
                    close=_num(item.c),
                    volume=_num(item.v),
                )
            )
        symbol = unset_to_none(model.symbol)
        text = unset_to_none(model.text)
        length = unset_to_none(model.bar_length)
        return cls(
            conid=conid,
            symbol=symbol if isinstance(symbol, str) else None,
            text=text if isinstance(text, str) else None,
            bars=tuple(bars),
            bar_length_seconds=length if isinstance(length, int) else None,
            model=model,
        )


def _num(value: object) -> float:
    value = unset_to_none(value)
    return float(value) if isinstance(value, int | float) else float("nan")


def live_order_ref(order: LiveOrder) -> str | None:
    """The cOID a live order was placed with (the gateway calls it order_ref)."""
    ref = unset_to_none(order.order_ref)
    return ref if isinstance(ref, str) else None


@attrs.frozen
class TickleResult:
    """The keepalive answer, with the session token kept out of reprs and logs.

    ``session`` is the value the websocket wants as its ``api`` cookie: treat it as a secret.
    """

    session: str | None = attrs.field(repr=False)
    sso_expires_ms: int | None
    user_id: int | None
    auth_status: AuthStatus | None
    model: TickleResponse = attrs.field(repr=False)

    @property
    def authenticated(self) -> bool | None:
        """Whether the brokerage session is open, when the answer says."""
        if self.auth_status is None:
            return None
        value = unset_to_none(self.auth_status.authenticated)
        return value if isinstance(value, bool) else None

    @classmethod
    def from_model(cls, model: TickleResponse) -> TickleResult:
        session = unset_to_none(model.session)
        expires = unset_to_none(model.sso_expires)
        user = unset_to_none(model.user_id)
        iserver = model.iserver
        status = None if isinstance(iserver, Unset) else unset_to_none(iserver.auth_status)
        return cls(
            session=session if isinstance(session, str) else None,
            sso_expires_ms=expires if isinstance(expires, int) else None,
            user_id=user if isinstance(user, int) else None,
            auth_status=status if isinstance(status, AuthStatus) else None,
            model=model,
        )
