"""``ib.notifications``: FYI notifications: unread count, list, mark read, settings, disclaimers, delivery.

Every ``/fyi`` route is limited to one request a second (the client's pacing counts them together).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import AsyncIterator, Iterable

from ibkr_webapi_client.api.notifications import (
    delete_device,
    get_delivery_options,
    get_disclaimer,
    get_notification_settings,
    get_notifications,
    get_unread_count,
    mark_disclaimer_read,
    mark_notification_read,
    set_device_delivery,
    set_email_delivery,
    set_notification_setting,
)
from ibkr_webapi_client.models import (
    DeliveryOptions as DeliveryOptionsModel,
)
from ibkr_webapi_client.models import (
    DeviceOption,
    NotificationAck,
    NotificationRead,
    NotificationSettingRequest,
    UnreadCount,
)
from ibkr_webapi_client.models import Disclaimer as DisclaimerModel

from .. import errors
from ..ids import check_count, check_flag, check_text, check_text_id
from ..results._common import flag
from ..results.notifications import (
    DeliveryOptions,
    Disclaimer,
    Notification,
    NotificationSetting,
)
from ..seam import expect_list, expect_one, int_or_none, model_or_none, unset_if_none
from ._base import Resource

__all__ = ["MAX_PAGE_SIZE", "NotificationsResource"]

MAX_PAGE_SIZE = 10  # IBKR's most notifications per request
_TYPE_CODE = re.compile(r"[A-Za-z0-9]{1,16}")


def _type_code(value: object) -> str:
    if isinstance(value, str) and _TYPE_CODE.fullmatch(value.strip()):
        return value.strip()
    raise errors.InvalidRequestError(
        f"type_code must be a notification type code such as 'PF' or 'M8' (see "
        f"ib.notifications.settings()), got {value!r}"
    )


def _codes(values: Iterable[str] | None, what: str) -> str | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [part for part in values.split(",") if part.strip()]
    if not isinstance(values, Iterable):
        raise errors.InvalidRequestError(f"{what} must be type codes, e.g. ['PF', 'M8']")
    codes = [_type_code(value) for value in values]
    return ",".join(codes) if codes else None


def _device_id(value: object) -> str:
    if (
        isinstance(value, str)
        and 0 < len(value.strip()) <= 256
        and value.strip() not in (".", "..")
        and value.isprintable()
        and not any(ch.isspace() for ch in value.strip())
    ):
        return value.strip()
    raise errors.InvalidRequestError(
        f"device_id must be a device's id from ib.notifications.delivery_options(), got {value!r}"
    )


def _accepted(ack: NotificationAck | NotificationRead) -> bool:
    return int_or_none(ack.v, "V") == 1


class NotificationsResource(Resource):
    """``ib.notifications``: FYI notifications: unread count, list, mark read, settings,
    disclaimers, delivery options. Type codes are IBKR's (``"PF"`` portfolio FYIs ...)."""

    __slots__ = ()

    async def unread_count(self) -> int:
        """How many notifications are unread."""
        response = await self._core.call(lambda c: get_unread_count.asyncio_detailed(client=c))
        answer = expect_one(response, UnreadCount, "unread notifications")
        count = int_or_none(answer.bn, "BN")
        return max(count or 0, 0)

    async def list(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        before: str | None = None,
    ) -> builtins.list[Notification]:
        """The newest notifications (at most ``limit``, up to 10), newest first.

        ``include`` / ``exclude`` keep or drop type codes; ``before`` (a notification's id)
        gives the ones older than it: ``iterate()`` walks every page that way.
        """
        size = check_count(limit, "limit", maximum=MAX_PAGE_SIZE)
        kept, dropped = _codes(include, "include"), _codes(exclude, "exclude")
        older = None if before is None else check_text_id(before, "before")
        response = await self._core.call(
            lambda c: get_notifications.asyncio_detailed(
                client=c,
                max_=size,
                include=unset_if_none(kept),
                exclude=unset_if_none(dropped),
                id=unset_if_none(older),
            )
        )
        return [Notification.from_model(n) for n in expect_list(response, "notifications")]

    async def iterate(
        self,
        *,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> AsyncIterator[Notification]:
        """Every notification, newest first, page after page (each page is one request, at most
        one a second). Stops after ``max_items`` when given."""
        size = check_count(page_size, "page_size", maximum=MAX_PAGE_SIZE)
        cap = None if max_items is None else check_count(max_items, "max_items", maximum=100_000)
        kept = _codes(include, "include")
        dropped = _codes(exclude, "exclude")
        seen: set[str] = set()
        before: str | None = None
        while True:
            page = await self.list(
                limit=size,
                include=None if kept is None else kept.split(","),
                exclude=None if dropped is None else dropped.split(","),
                before=before,
            )
            fresh = [n for n in page if n.id not in seen]
            for notification in fresh:
                seen.add(notification.id)
                yield notification
                if cap is not None and len(seen) >= cap:
                    return
            if len(page) < size or not fresh:  # the last page, or a gateway that repeats itself
                return
            before = fresh[-1].id

    async def mark_read(self, notification_id: str) -> bool:
        """Mark a notification read; ``True`` when the gateway says it now is."""
        ident = check_text_id(notification_id, "notification_id")
        response = await self._core.call(
            lambda c: mark_notification_read.asyncio_detailed(ident, client=c)
        )
        answer = expect_one(response, NotificationRead, "mark notification read")
        state = model_or_none(answer.p)
        if state is not None:
            return flag(state.r, "P.R") is True
        return _accepted(answer)

    async def settings(self) -> builtins.list[NotificationSetting]:
        """Every notification type and whether it is on."""
        response = await self._core.call(
            lambda c: get_notification_settings.asyncio_detailed(client=c)
        )
        return [
            NotificationSetting.from_model(s)
            for s in expect_list(response, "notification settings")
        ]

    async def set_setting(self, type_code: str, *, enabled: bool) -> bool:
        """Turn a notification type on or off; ``True`` when the gateway accepted it."""
        code = _type_code(type_code)
        body = NotificationSettingRequest(enabled=check_flag(enabled, "enabled"))
        response = await self._core.call(
            lambda c: set_notification_setting.asyncio_detailed(code, client=c, body=body)
        )
        return _accepted(expect_one(response, NotificationAck, "notification setting"))

    async def disclaimer(self, type_code: str) -> Disclaimer:
        """The disclaimer of a notification type."""
        code = _type_code(type_code)
        response = await self._core.call(lambda c: get_disclaimer.asyncio_detailed(code, client=c))
        return Disclaimer.from_model(expect_one(response, DisclaimerModel, "disclaimer"), code)

    async def mark_disclaimer_read(self, type_code: str) -> bool:
        """Mark the disclaimer of a notification type read."""
        code = _type_code(type_code)
        response = await self._core.call(
            lambda c: mark_disclaimer_read.asyncio_detailed(code, client=c)
        )
        return _accepted(expect_one(response, NotificationAck, "mark disclaimer read"))

    async def delivery_options(self) -> DeliveryOptions:
        """Where notifications go: email on or off, and the devices they are pushed to."""
        response = await self._core.call(lambda c: get_delivery_options.asyncio_detailed(client=c))
        return DeliveryOptions.from_model(
            expect_one(response, DeliveryOptionsModel, "delivery options")
        )

    async def set_email_delivery(self, enabled: bool) -> bool:
        """Turn delivery by email on or off."""
        on = check_flag(enabled, "enabled")
        response = await self._core.call(
            lambda c: set_email_delivery.asyncio_detailed(client=c, enabled=on)
        )
        return _accepted(expect_one(response, NotificationAck, "email delivery"))

    async def set_device_delivery(
        self,
        device_id: str,
        *,
        enabled: bool,
        device_name: str | None = None,
        ui_name: str | None = None,
    ) -> bool:
        """Turn delivery to a device (from ``delivery_options()``) on or off."""
        body = DeviceOption(
            device_id=_device_id(device_id),
            enabled=check_flag(enabled, "enabled"),
            device_name=unset_if_none(
                None if device_name is None else check_text(device_name, "device_name")
            ),
            ui_name=unset_if_none(None if ui_name is None else check_text(ui_name, "ui_name")),
        )
        response = await self._core.call(
            lambda c: set_device_delivery.asyncio_detailed(client=c, body=body)
        )
        return _accepted(expect_one(response, NotificationAck, "device delivery"))

    async def delete_device(self, device_id: str) -> None:
        """Stop delivering to a device and forget it (the gateway answers with an empty body)."""
        ident = _device_id(device_id)
        await self._core.call(lambda c: delete_device.asyncio_detailed(ident, client=c))
