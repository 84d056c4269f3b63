"""FYI routes: unread count, notifications, settings, disclaimers, delivery options.

FYIs need the login (the read-only session), not the brokerage session.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .._routing import ApiRoute, Call, Handler


async def unread(call: Call) -> Any:
    return call.sim.notifications.unread()


async def listing(call: Call) -> Any:
    return call.sim.notifications.listing(
        call.query("max"), call.query("include"), call.query("exclude"), call.query("id")
    )


async def mark_read(call: Call) -> Any:
    return call.sim.notifications.mark_read(call.path_param("notificationId"))


async def settings(call: Call) -> Any:
    return call.sim.notifications.settings()


async def set_setting(call: Call) -> Any:
    return call.sim.notifications.set_enabled(call.path_param("typecode"), call.json_object())


async def disclaimer(call: Call) -> Any:
    return call.sim.notifications.disclaimer(call.path_param("typecode"))


async def read_disclaimer(call: Call) -> Any:
    return call.sim.notifications.read_disclaimer(call.path_param("typecode"))


async def delivery(call: Call) -> Any:
    return call.sim.notifications.delivery()


async def email(call: Call) -> Any:
    return call.sim.notifications.set_email(call.query("enabled"))


async def device(call: Call) -> Any:
    return call.sim.notifications.set_device(call.json_object())


async def delete_device(call: Call) -> Any:
    call.sim.notifications.delete_device(call.path_param("deviceId"))
    return Response(b"", status_code=200)  # IBKR answers an empty body


def _fyi(method: str, path: str, handler: Handler) -> ApiRoute:
    return ApiRoute(method, path, handler, tier="read_only")


ROUTES: tuple[ApiRoute, ...] = (
    _fyi("GET", "/fyi/unreadnumber", unread),
    _fyi("GET", "/fyi/notifications", listing),
    _fyi("PUT", "/fyi/notifications/{notificationId}", mark_read),
    _fyi("GET", "/fyi/settings", settings),
    _fyi("POST", "/fyi/settings/{typecode}", set_setting),
    _fyi("GET", "/fyi/disclaimer/{typecode}", disclaimer),
    _fyi("PUT", "/fyi/disclaimer/{typecode}", read_disclaimer),
    _fyi("GET", "/fyi/deliveryoptions", delivery),
    _fyi("PUT", "/fyi/deliveryoptions/email", email),
    _fyi("POST", "/fyi/deliveryoptions/device", device),
    _fyi("DELETE", "/fyi/deliveryoptions/{deviceId:path}", delete_device),
)
