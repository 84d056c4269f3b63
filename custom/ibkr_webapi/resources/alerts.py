"""``ib.alerts``: price and condition alerts: list, read, create, activate, delete; MTA."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import attrs

from ibkr_webapi_client.api.alerts import (
    activate_alert,
    create_alert,
    delete_alert,
    get_alert,
    get_alerts,
    get_mobile_trading_alert,
)
from ibkr_webapi_client.models import (
    AlertActivation,
    AlertActivationRequest,
    AlertCreated,
    AlertDeletion,
    AlertDetails,
    AlertRequest,
    EmptyObject,
)
from ibkr_webapi_client.types import UNSET

from .. import errors
from ..alert_conditions import CONDITION_CLASSES, AlertCondition
from ..dates import format_ibkr_time
from ..ids import check_choice, check_flag, check_order_id, check_text
from ..redact import redact_text
from ..results.alerts import Alert, AlertChange, AlertSummary
from ..seam import bool_or_none, expect_list, expect_one, str_or_none
from ._base import Resource

__all__ = ["MAX_CONDITIONS", "AlertsResource"]

MAX_CONDITIONS = 25  # a sanity bound on one alert, not a documented IBKR limit
Combine = Literal["and", "or"]


def _alert_id(alert_id: object) -> int:
    number = check_order_id(alert_id)
    if number <= 0:
        raise errors.InvalidRequestError(
            f"alert_id must be an alert's id (a positive number from ib.alerts.list()), got "
            f"{alert_id!r}; to delete every alert use ib.alerts.delete_all()"
        )
    return number


def _conditions(conditions: object) -> builtins.list[AlertCondition]:
    items: object = [conditions] if isinstance(conditions, CONDITION_CLASSES) else conditions
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise errors.InvalidRequestError(
            "conditions must be a condition or a list of them, e.g. "
            "[PriceCondition(conid=265598, operator='>=', price=200)]"
        )
    if not 1 <= len(items) <= MAX_CONDITIONS:
        raise errors.InvalidRequestError(
            f"an alert needs from 1 to {MAX_CONDITIONS} conditions, got {len(items)}"
        )
    for item in items:
        if not isinstance(item, CONDITION_CLASSES):
            raise errors.InvalidRequestError(
                f"{item!r} is not an alert condition; use PriceCondition, TimeCondition, "
                "MarginCondition, TradeCondition or VolumeCondition"
            )
    return list(items)


def _refused(what: str, model: AlertCreated | AlertActivation | AlertDeletion) -> None:
    """The gateway answers 200 with ``success: false`` (and why in ``text``) when it refuses."""
    if bool_or_none(model.success, "success") is True:
        return
    error = model.additional_properties.get("error")  # a refusal may come as {"error": "..."}
    text = str_or_none(model.text, "text") or (error if isinstance(error, str) else None)
    text = redact_text(text[:300]) if text else "no reason given"
    failed = (
        str_or_none(model.failure_list, "failure_list")
        if not isinstance(model, AlertCreated)
        else None
    )
    detail = f"{text} (failed: {failed})" if failed else text
    raise errors.BadRequestError(
        f"the gateway refused to {what}: {detail}", body=model.to_dict(), status_code=200
    )


class AlertsResource(Resource):
    """``ib.alerts``: price and condition alerts: list, read, create, activate, delete; MTA.

    IBKR keeps alerts as orders: an alert's id is an order id. ``account_id`` defaults to the
    client's account (``IBKR_ACCOUNT_ID``), or the login's only one.
    """

    __slots__ = ()

    async def list(self, *, account_id: str | None = None) -> builtins.list[AlertSummary]:
        """The account's alerts (without their conditions: ``get()`` has those)."""
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(lambda c: get_alerts.asyncio_detailed(account, client=c))
        return [AlertSummary.from_model(item) for item in expect_list(response, "alerts")]

    async def get(self, alert_id: int) -> Alert:
        """One alert with its conditions."""
        ident = _alert_id(alert_id)
        response = await self._core.call(
            lambda c: get_alert.asyncio_detailed(ident, client=c, type_="Q")
        )
        return Alert.from_model(expect_one(response, AlertDetails, "alert"))

    async def mta(self) -> Alert:
        """The login's mobile trading assistant (MTA) alert: there is one; modify it with
        ``modify(alert.alert_id, ...)`` (it gets a new id), it cannot be created or deleted."""
        response = await self._core.call(
            lambda c: get_mobile_trading_alert.asyncio_detailed(client=c)
        )
        return Alert.from_model(expect_one(response, AlertDetails, "MTA alert"))

    async def create(
        self,
        name: str,
        conditions: AlertCondition | Sequence[AlertCondition],
        *,
        message: str | None = None,
        combine: Combine = "and",
        repeatable: bool = False,
        outside_rth: bool = False,
        expires: datetime | None = None,
        email: str | None = None,
        show_popup: bool = False,
        itws_orders_only: bool = False,
        account_id: str | None = None,
    ) -> AlertChange:
        """Create an alert that fires when its conditions hold; returns its id.

        ``combine``: ``"and"`` (every condition must hold) or ``"or"`` (any one). ``message`` is
        what the alert says (default: its name). ``email`` sends that message to this address.
        ``expires`` (a timezone-aware datetime) ends the alert then (GTD); without it the alert
        stays until deleted (GTC). ``repeatable`` alerts fire again after they fired.
        """
        return await self._submit(
            None,
            name,
            conditions,
            message=message,
            combine=combine,
            repeatable=repeatable,
            outside_rth=outside_rth,
            expires=expires,
            email=email,
            show_popup=show_popup,
            itws_orders_only=itws_orders_only,
            account_id=account_id,
        )

    async def modify(
        self,
        alert_id: int,
        name: str,
        conditions: AlertCondition | Sequence[AlertCondition],
        *,
        message: str | None = None,
        combine: Combine = "and",
        repeatable: bool = False,
        outside_rth: bool = False,
        expires: datetime | None = None,
        email: str | None = None,
        show_popup: bool = False,
        itws_orders_only: bool = False,
        account_id: str | None = None,
    ) -> AlertChange:
        """Replace an alert's settings and conditions (the name cannot change). The answer's
        ``alert_id`` may be new: use it from now on."""
        return await self._submit(
            _alert_id(alert_id),
            name,
            conditions,
            message=message,
            combine=combine,
            repeatable=repeatable,
            outside_rth=outside_rth,
            expires=expires,
            email=email,
            show_popup=show_popup,
            itws_orders_only=itws_orders_only,
            account_id=account_id,
        )

    async def _submit(
        self,
        alert_id: int | None,
        name: str,
        conditions: object,
        *,
        message: str | None,
        combine: object,
        repeatable: bool,
        outside_rth: bool,
        expires: datetime | None,
        email: str | None,
        show_popup: bool,
        itws_orders_only: bool,
        account_id: str | None,
    ) -> AlertChange:
        title = check_text(name, "name", max_length=128).strip()
        text = title if message is None else check_text(message, "message", max_length=1024)
        items = _conditions(conditions)
        joiner = "a" if check_choice(combine, "combine", ("and", "or")) == "and" else "o"
        if email is not None:
            check_text(email, "email", max_length=256)
            if "@" not in email:
                raise errors.InvalidRequestError(f"email must be an email address, got {email!r}")
        expire_time = None
        if expires is not None:
            if not isinstance(expires, datetime) or expires.utcoffset() is None:
                raise errors.InvalidRequestError(
                    f"expires must be a timezone-aware datetime, got {expires!r}"
                )
            expire_time = format_ibkr_time(expires)
        body = AlertRequest(
            alert_name=title,
            alert_message=text,
            alert_repeatable=int(check_flag(repeatable, "repeatable")),
            outside_rth=int(check_flag(outside_rth, "outside_rth")),
            tif="GTD" if expire_time else "GTC",
            expire_time=expire_time if expire_time else UNSET,
            conditions=[
                item.to_wire(joiner if index < len(items) - 1 else "n")
                for index, item in enumerate(items)
            ],
            order_id=UNSET if alert_id is None else alert_id,
            email=UNSET if email is None else email.strip(),
            send_message=0 if email is None else 1,
            show_popup=int(check_flag(show_popup, "show_popup")),
            i_tws_orders_only=int(check_flag(itws_orders_only, "itws_orders_only")),
        )
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: create_alert.asyncio_detailed(account, client=c, body=body)
        )
        answer = expect_one(response, AlertCreated, "alert creation")
        _refused("create the alert" if alert_id is None else "modify the alert", answer)
        change = AlertChange.from_model(answer)
        if change.alert_id is None:
            raise errors.UnexpectedResponseError(
                "the gateway accepted the alert but did not say its id (order_id); list the "
                "alerts with ib.alerts.list() to find it"
            )
        return change

    async def _activation(
        self, alert_id: object, active: bool, account_id: str | None
    ) -> AlertChange:
        ident = _alert_id(alert_id)
        account = await self._core.resolve_account(account_id)
        body = AlertActivationRequest(alert_id=ident, alert_active=int(active))
        response = await self._core.call(
            lambda c: activate_alert.asyncio_detailed(account, client=c, body=body)
        )
        answer = expect_one(response, AlertActivation, "alert activation")
        _refused("activate the alert" if active else "deactivate the alert", answer)
        return AlertChange.from_model(answer)

    async def activate(self, alert_id: int, *, account_id: str | None = None) -> AlertChange:
        """Turn an alert on."""
        return await self._activation(alert_id, True, account_id)

    async def deactivate(self, alert_id: int, *, account_id: str | None = None) -> AlertChange:
        """Turn an alert off without deleting it (``activate()`` turns it back on)."""
        return await self._activation(alert_id, False, account_id)

    async def _delete(self, ident: int, account_id: str | None) -> AlertChange:
        account = await self._core.resolve_account(account_id)
        response = await self._core.call(
            lambda c: delete_alert.asyncio_detailed(
                account, str(ident), client=c, body=EmptyObject()
            )
        )
        answer = expect_one(response, AlertDeletion, "alert deletion")
        refused = bool_or_none(answer.success, "success") is not True
        # A DELETE is retried after a lost answer, and the retry finds the alert gone: gone is
        # what was asked. Only an alert that is verifiably absent counts as deleted.
        if refused and ident and not await self._listed(ident, account):
            change = AlertChange.from_model(answer, already_done=True)
            return attrs.evolve(change, alert_id=ident)
        _refused("delete the alert" if ident else "delete the alerts", answer)
        return AlertChange.from_model(answer)

    async def _listed(self, ident: int, account: str) -> bool:
        """Whether the alert still exists: among the account's alerts, or the MTA alert (which
        the list may leave out and which cannot be deleted)."""
        response = await self._core.call(lambda c: get_alerts.asyncio_detailed(account, client=c))
        listed = expect_list(response, "alerts")
        if any(AlertSummary.from_model(item).alert_id == ident for item in listed):
            return True
        return (await self.mta()).alert_id == ident

    async def delete(self, alert_id: int, *, account_id: str | None = None) -> AlertChange:
        """Delete one alert. An alert that is already gone is a success with ``already_done``
        (the gateway's refusal is checked against the account's alerts)."""
        return await self._delete(_alert_id(alert_id), account_id)

    async def delete_all(self, *, account_id: str | None = None) -> AlertChange:
        """Delete every alert of the account (IBKR's alert id 0). The MTA alert stays."""
        return await self._delete(0, account_id)
