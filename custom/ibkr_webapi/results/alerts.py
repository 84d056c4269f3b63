"""Alert results: listed alerts, one alert with its conditions, and what a change did.

IBKR stores alerts as orders: an alert's id is an order id (``int``). Flags the gateway sends as
0/1 are ``bool`` here.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ibkr_webapi_client.models import AlertActivation, AlertCreated, AlertDeletion
from ibkr_webapi_client.models import AlertCondition as AlertConditionModel
from ibkr_webapi_client.models import AlertDetails as AlertDetailsModel
from ibkr_webapi_client.models import AlertSummary as AlertSummaryModel
from ibkr_webapi_client.types import Unset

from ..alert_conditions import CONDITION_TYPES
from ..dates import IBKRTimeError, parse_ibkr_time
from ..errors import UnexpectedResponseError
from ..seam import bool_or_none, int_or_none, required, str_or_none
from ._common import flag, listed

__all__ = ["Alert", "AlertChange", "AlertConditionInfo", "AlertSummary"]

_LOGIC = {"a": "and", "o": "or", "n": None}


def _time(value: str | None, field: str) -> datetime | None:
    if not value or value == "*":
        return None
    try:
        return parse_ibkr_time(value)
    except IBKRTimeError:
        raise UnexpectedResponseError(
            f"the gateway sent {field}={value[:40]!r}, which is not a time; the answer's shape "
            "changed or is damaged"
        ) from None


def _text(value: int | str | bool | Unset | None, field: str) -> str | None:
    """A value the gateway sends as text or as a number (``"0"`` or ``0``)."""
    raw: object = value
    if raw is None or isinstance(raw, Unset):
        return None
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, int | str):
        return str(raw)
    raise UnexpectedResponseError(
        f"the gateway sent {field} that is neither text nor a number; the answer's shape changed "
        "or is damaged"
    )


@attrs.frozen(kw_only=True)
class AlertSummary:
    """An alert as ``ib.alerts.list()`` shows it."""

    alert_id: int
    account: str | None
    name: str | None
    active: bool
    triggered: bool
    repeatable: bool | None
    order_time: datetime | None
    model: AlertSummaryModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: AlertSummaryModel) -> AlertSummary:
        w = "alerts[]."
        return cls(
            alert_id=required(int_or_none(model.order_id, w + "order_id"), w + "order_id"),
            account=str_or_none(model.account, w + "account"),
            name=str_or_none(model.alert_name, w + "alert_name"),
            active=flag(model.alert_active, w + "alert_active") is True,
            triggered=flag(model.alert_triggered, w + "alert_triggered") is True,
            repeatable=flag(model.alert_repeatable, w + "alert_repeatable"),
            order_time=_time(str_or_none(model.order_time, w + "order_time"), w + "order_time"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class AlertConditionInfo:
    """One condition of a stored alert (see :mod:`ibkr_webapi.alert_conditions` for making one)."""

    type: int
    kind: str
    """``"price"``, ``"time"``, ``"margin"``, ``"trade"``, ``"volume"``, ``"mta_market"`` ... or
    ``"unknown"``."""
    conid: int | None
    exchange: str | None
    description: str | None
    operator: str | None
    value: str | None
    trigger_method: str | None
    logic: str | None
    """How it joins the next condition: ``"and"``, ``"or"``, or ``None`` for the last one."""
    time_zone: str | None
    model: AlertConditionModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: AlertConditionModel) -> AlertConditionInfo:
        w = "conditions[]."
        kind = required(int_or_none(model.condition_type, w + "condition_type"), w + "type")
        conidex = str_or_none(model.conidex, w + "conidex") or ""
        head, _, exchange = conidex.partition("@")
        conid = int(head) if head.isdecimal() and head.isascii() and len(head) <= 19 else None
        bind = model.condition_logic_bind
        logic = _LOGIC.get(bind.strip().lower(), bind) if isinstance(bind, str) else None
        return cls(
            type=kind,
            kind=CONDITION_TYPES.get(kind, "unknown"),
            conid=conid or None,
            exchange=exchange if exchange and exchange != "*" else None,
            description=str_or_none(model.contract_description_1, w + "contract_description_1"),
            operator=str_or_none(model.condition_operator, w + "condition_operator"),
            value=str_or_none(model.condition_value, w + "condition_value"),
            trigger_method=_text(model.condition_trigger_method, w + "condition_trigger_method"),
            logic=logic,
            time_zone=str_or_none(model.condition_time_zone, w + "condition_time_zone"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class Alert:
    """One alert with its conditions and how it notifies (``ib.alerts.get()``, ``ib.alerts.mta()``)."""

    alert_id: int
    account: str | None
    name: str | None
    message: str | None
    active: bool
    triggered: bool
    repeatable: bool
    tif: str | None
    expire_time: datetime | None
    email: str | None
    send_message: bool | None
    show_popup: bool | None
    play_audio: str | None
    outside_rth: bool | None
    itws_orders_only: bool | None
    order_status: str | None
    tool_id: int | None
    """Only the mobile trading assistant (MTA) alert has one."""
    time_zone: str | None
    mta_currency: str | None
    mta_defaults: str | None
    editable: bool | None
    conditions: tuple[AlertConditionInfo, ...]
    model: AlertDetailsModel = attrs.field(repr=False, eq=False)

    @property
    def is_mta(self) -> bool:
        """This is the login's mobile trading assistant alert (modify it; it cannot be deleted)."""
        return self.tool_id is not None

    @classmethod
    def from_model(cls, model: AlertDetailsModel) -> Alert:
        name = str_or_none(model.alert_name, "alert_name") or str_or_none(
            model.alertName, "alertName"
        )
        not_editable = bool_or_none(model.order_not_editable, "order_not_editable")
        return cls(
            alert_id=required(int_or_none(model.order_id, "order_id"), "order_id"),
            account=str_or_none(model.account, "account"),
            name=name,
            message=str_or_none(model.alert_message, "alert_message"),
            active=flag(model.alert_active, "alert_active") is True,
            triggered=flag(model.alert_triggered, "alert_triggered") is True,
            repeatable=flag(model.alert_repeatable, "alert_repeatable") is True,
            tif=str_or_none(model.tif, "tif"),
            expire_time=_time(str_or_none(model.expire_time, "expire_time"), "expire_time"),
            email=str_or_none(model.alert_email, "alert_email"),
            send_message=flag(model.alert_send_message, "alert_send_message"),
            show_popup=flag(model.alert_show_popup, "alert_show_popup"),
            play_audio=_text(model.alert_play_audio, "alert_play_audio"),
            outside_rth=flag(model.condition_outside_rth, "condition_outside_rth"),
            itws_orders_only=flag(model.itws_orders_only, "itws_orders_only"),
            order_status=str_or_none(model.order_status, "order_status"),
            tool_id=int_or_none(model.tool_id, "tool_id"),
            time_zone=str_or_none(model.time_zone, "time_zone"),
            mta_currency=str_or_none(model.alert_mta_currency, "alert_mta_currency"),
            mta_defaults=str_or_none(model.alert_mta_defaults, "alert_mta_defaults"),
            editable=None if not_editable is None else not not_editable,
            conditions=tuple(AlertConditionInfo.from_model(c) for c in listed(model.conditions)),
            model=model,
        )


@attrs.frozen(kw_only=True)
class AlertChange:
    """What creating, modifying, activating or deleting an alert did."""

    alert_id: int | None
    """The alert's id (a modified alert may get a new one: use this id from now on)."""
    text: str | None
    model: AlertCreated | AlertActivation | AlertDeletion = attrs.field(repr=False, eq=False)
    already_done: bool = False
    """A deletion the gateway refused because the alert was already gone (e.g. a DELETE retried
    after its first answer was lost)."""

    @classmethod
    def from_model(
        cls,
        model: AlertCreated | AlertActivation | AlertDeletion,
        *,
        already_done: bool = False,
    ) -> AlertChange:
        return cls(
            alert_id=int_or_none(model.order_id, "order_id") or None,
            text=str_or_none(model.text, "text"),
            model=model,
            already_done=already_done,
        )
