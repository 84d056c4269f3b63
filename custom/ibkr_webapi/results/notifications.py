"""FYI notification results: notifications, per-type settings, disclaimers, delivery options.

The gateway answers in two-letter keys (``FC`` type code, ``MS`` title, ``MD`` body, ``R`` read ...);
these types give them names. Type codes (``"PF"``, ``"M8"`` ...) stay as IBKR writes them.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ibkr_webapi_client.models import DeliveryDevice as DeliveryDeviceModel
from ibkr_webapi_client.models import DeliveryOptions as DeliveryOptionsModel
from ibkr_webapi_client.models import Disclaimer as DisclaimerModel
from ibkr_webapi_client.models import Notification as NotificationModel
from ibkr_webapi_client.models import NotificationSetting as NotificationSettingModel

from ..dates import IBKRTimeError, parse_ibkr_time
from ..errors import UnexpectedResponseError
from ..seam import required, str_or_none
from ._common import flag, listed

__all__ = [
    "DeliveryDevice",
    "DeliveryOptions",
    "Disclaimer",
    "Notification",
    "NotificationSetting",
]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_ibkr_time(value, epoch_unit="s")  # "1710847062.0": epoch seconds as text
    except IBKRTimeError:
        raise UnexpectedResponseError(
            f"the gateway sent D={value[:40]!r}, which is not a time in epoch seconds; the "
            "answer's shape changed or is damaged"
        ) from None


def _text_field(value: object, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise UnexpectedResponseError(
        f"the gateway sent {field} that is not text; the answer's shape changed or is damaged"
    )


@attrs.frozen(kw_only=True)
class Notification:
    """One FYI notification, newest first in a list."""

    id: str
    type_code: str | None
    title: str | None
    body: str | None
    """The text, often HTML (``is_html``)."""
    is_html: bool
    read: bool
    date: datetime | None
    model: NotificationModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: NotificationModel) -> Notification:
        body = str_or_none(model.md, "MD")
        html = flag(model.ht, "HT")
        return cls(
            id=required(str_or_none(model.id, "ID"), "ID"),
            type_code=str_or_none(model.fc, "FC"),
            title=str_or_none(model.ms, "MS"),
            body=body,
            # HT is 0 on IBKR's own examples whose body is <html>...</html>: trust the body too.
            is_html=html is True or (body or "").lstrip()[:6].lower() == "<html>",
            read=flag(model.r, "R") is True,
            # D is left undeclared in the spec (see the overlay), so it is an additional property.
            date=_date(_text_field(model.additional_properties.get("D"), "D")),
            model=model,
        )


@attrs.frozen(kw_only=True)
class NotificationSetting:
    """A notification type and whether it is on."""

    type_code: str
    title: str | None
    description: str | None
    enabled: bool | None
    """``None``: this type cannot be turned off."""
    disclaimer_read: bool
    model: NotificationSettingModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: NotificationSettingModel) -> NotificationSetting:
        return cls(
            type_code=required(str_or_none(model.fc, "FC"), "FC"),
            title=str_or_none(model.fn, "FN"),
            description=str_or_none(model.fd, "FD"),
            enabled=flag(model.a, "A"),
            disclaimer_read=flag(model.h, "H") is True,
            model=model,
        )


@attrs.frozen(kw_only=True)
class Disclaimer:
    """The disclaimer of a notification type."""

    type_code: str
    text: str | None
    model: DisclaimerModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: DisclaimerModel, type_code: str) -> Disclaimer:
        return cls(
            type_code=str_or_none(model.fc, "FC") or type_code,
            text=str_or_none(model.dt, "DT"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class DeliveryDevice:
    """A device notifications can be pushed to."""

    name: str | None
    device_id: str
    unique_id: str | None
    enabled: bool | None
    model: DeliveryDeviceModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: DeliveryDeviceModel) -> DeliveryDevice:
        return cls(
            name=str_or_none(model.nm, "E[].NM"),
            device_id=required(str_or_none(model.i, "E[].I"), "E[].I"),
            unique_id=str_or_none(model.ui, "E[].UI"),
            enabled=flag(model.a, "E[].A"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class DeliveryOptions:
    """Where notifications go: email on or off, and each device."""

    email: bool | None
    devices: tuple[DeliveryDevice, ...]
    model: DeliveryOptionsModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, model: DeliveryOptionsModel) -> DeliveryOptions:
        return cls(
            email=flag(model.m, "M"),
            devices=tuple(DeliveryDevice.from_model(d) for d in listed(model.e)),
            model=model,
        )
