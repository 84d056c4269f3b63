"""Alerts: stored like IBKR stores them (as orders with conditions), checked against the market.

Each request brings time forward (``SimulatorState.settle``): active alerts whose conditions hold
fire; a fired alert is ``alert_triggered`` and shows up as an FYI notification. A repeatable alert
fires again once its conditions stopped holding and hold again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._catalogue import Catalogue
from ._errors import bad_request
from ._market import Market

FIRST_ALERT_ID = 1_408_549_184
MTA_ORDER_ID = 167_426_254
MTA_TOOL_ID = 55_834_574_848
MTA_DEFAULTS = (
    "9:STATE=1,MIN=-260000,MAX=260000,STEP=500,DEF_MIN=-26000,DEF_MAX=26000|"
    "8:STATE=0,MIN=-15,MAX=15,STEP=0.5,DEF_MIN=-2,DEF_MAX=2|"
    "7:STATE=1,MIN=-5,MAX=5,STEP=0.5,DEF_MIN=-2,DEF_MAX=2|4:STATE=1,MIN=1,MAX=50,STEP=1,DEF_VAL=10|"
    "5:STATE=0"
)
_TIME_FORMAT = "%Y%m%d-%H:%M:%S"
CONDITION_TYPES = {1, 3, 4, 5, 6, 7, 8, 9}
_MTA_TYPES = {7, 8, 9}


@dataclass
class Condition:
    type: int
    conidex: str
    operator: str | None
    value: str
    trigger_method: str | None
    logic_bind: str
    time_zone: str | None
    description: str | None

    @property
    def conid(self) -> int | None:
        head = self.conidex.partition("@")[0]
        return int(head) if head.isdecimal() else None

    def to_json(self) -> dict[str, Any]:
        return {
            "condition_type": self.type,
            "conidex": self.conidex,
            "contract_description_1": self.description,
            "condition_operator": self.operator,
            "condition_trigger_method": self.trigger_method,
            "condition_value": self.value,
            "condition_logic_bind": self.logic_bind,
            "condition_time_zone": self.time_zone,
        }


@dataclass
class SimAlert:
    """One stored alert (the MTA alert is one too, with a ``tool_id``)."""

    order_id: int
    account: str
    name: str
    message: str | None
    tif: str
    expire_time: str | None
    repeatable: bool
    outside_rth: bool
    email: str | None
    send_message: bool
    show_popup: bool
    itws_orders_only: bool
    conditions: list[Condition]
    created_at: float
    active: bool = True
    triggered: bool = False
    fired: int = 0
    armed: bool = True  # a repeatable alert re-arms once its conditions stop holding
    tool_id: int | None = None
    fills: set[int] = field(default_factory=set)  # conids with a fill since the alert was armed

    def summary(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "account": self.account,
            "alert_name": self.name,
            "alert_active": int(self.active),
            "order_time": datetime.fromtimestamp(self.created_at, UTC).strftime(_TIME_FORMAT),
            "alert_triggered": self.triggered,
            "alert_repeatable": int(self.repeatable),
        }

    def details(self) -> dict[str, Any]:
        mta = self.tool_id is not None
        return {
            "account": self.account,
            "order_id": self.order_id,
            "alert_name": self.name,
            "tif": self.tif,
            "expire_time": self.expire_time,
            "alert_active": int(self.active),
            "alert_repeatable": int(self.repeatable),
            "alert_email": self.email,
            "alert_send_message": int(self.send_message),
            "alert_message": self.message,
            "alert_show_popup": int(self.show_popup),
            "alert_play_audio": None,
            "order_status": "Submitted" if self.active else "Inactive",
            "alert_triggered": self.triggered,
            "fg_color": "#FFFFFF",
            "bg_color": "#0000CC",
            "order_not_editable": False,
            "itws_orders_only": int(self.itws_orders_only),
            "alert_mta_currency": "USD" if mta else None,
            "alert_mta_defaults": MTA_DEFAULTS if mta else None,
            "tool_id": self.tool_id,
            "time_zone": None,
            "alert_default_type": None,
            "condition_size": len(self.conditions),
            "condition_outside_rth": int(self.outside_rth),
            "conditions": [c.to_json() for c in self.conditions],
        }


def _flag(body: dict[str, Any], key: str, default: int | None = None) -> bool:
    value = body.get(key, default)
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    raise bad_request(f"{key} must be 0 or 1")


def _wall_time(value: str, zone: str | None) -> float:
    try:
        tz = ZoneInfo(zone) if zone else UTC
        return datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=tz).timestamp()
    except (ValueError, ZoneInfoNotFoundError):
        raise bad_request(
            f"'{value}' in time zone '{zone}' is not a YYYYMMDD-hh:mm:ss time"
        ) from None


def _compare(operator: str | None, value: float, limit: float) -> bool:
    return value >= limit if operator == ">=" else value <= limit


class AlertBook:
    """Alerts of every account, the login's MTA alert, and the rules that fire them."""

    def __init__(self, accounts: tuple[str, ...], catalogue: Catalogue, now: float) -> None:
        self._catalogue = catalogue
        self.alerts: dict[int, SimAlert] = {}
        self._next_id = FIRST_ALERT_ID
        self.mta = SimAlert(
            order_id=MTA_ORDER_ID,
            account=accounts[0],
            name="MTA (AutoAlert)",
            message=None,
            tif="GTC",
            expire_time=None,
            repeatable=True,
            outside_rth=False,
            email="user@example.com",
            send_message=True,
            show_popup=False,
            itws_orders_only=False,
            conditions=[Condition(5, "*@*", None, "*", None, "n", None, "Unknown")],
            created_at=now,
            tool_id=MTA_TOOL_ID,
        )

    # --- reading
    def of_account(self, account: str) -> list[dict[str, Any]]:
        """Body of GET /iserver/account/{accountId}/alerts (the MTA alert is not listed)."""
        return [a.summary() for a in self.alerts.values() if a.account == account]

    def get(self, order_id: int) -> SimAlert:
        if order_id == self.mta.order_id:
            return self.mta
        found = self.alerts.get(order_id)
        if found is None:
            raise bad_request(f"alert {order_id} not found")
        return found

    # --- changing
    def _conditions(self, raw: object, itws_only: bool) -> list[Condition]:
        if not isinstance(raw, list) or not raw:
            raise bad_request("conditions must be a non-empty list")
        made = []
        for index, item in enumerate(raw, 1):
            if not isinstance(item, dict):
                raise bad_request(f"Condition #{index}: not an object")
            kind = item.get("type")
            if kind not in CONDITION_TYPES or isinstance(kind, bool):
                raise bad_request(f"Condition #{index}: can't recognize type [{kind}]")
            if kind in _MTA_TYPES and not itws_only:
                raise bad_request(f"Condition #{index}: MTA conditions need iTWSOrdersOnly=1")
            conidex, operator, value = item.get("conidex"), item.get("operator"), item.get("value")
            bind, zone = item.get("logicBind"), item.get("timeZone")
            if not isinstance(conidex, str) or not isinstance(value, str) or not value:
                raise bad_request(f"Condition #{index}: conidex and value are required")
            if operator not in (">=", "<="):
                raise bad_request(f"Condition #{index}:can't recognize fix [{operator}]")
            last = index == len(raw)
            if not isinstance(bind, str) or bind not in (("n",) if last else ("a", "o")):
                raise bad_request(
                    f"Condition #{index}: logicBind must be {'n' if last else 'a or o'}"
                )
            description = None
            if kind in (1, 5, 6):
                head = conidex.partition("@")[0]
                contract = self._catalogue.get(int(head)) if head.isdecimal() else None
                if contract is None:
                    raise bad_request(f"Condition #{index}: unknown contract '{conidex}'")
                description = contract.symbol
            if kind in (1, 4, 6):
                try:
                    float(value)
                except ValueError:
                    raise bad_request(f"Condition #{index}: '{value}' is not a number") from None
            if kind == 3:
                _wall_time(value, zone if isinstance(zone, str) else None)
            method = item.get("triggerMethod")
            made.append(
                Condition(
                    type=kind,
                    conidex=conidex,
                    operator=operator,
                    value=value,
                    trigger_method=None if method is None else str(method),
                    logic_bind=bind,
                    time_zone=zone if isinstance(zone, str) else None,
                    description=description,
                )
            )
        return made

    def submit(self, account: str, body: dict[str, Any], now: float) -> dict[str, Any]:
        """Body of POST /iserver/account/{accountId}/alert: create, or modify (``orderId``)."""
        for key in (
            "alertName",
            "alertMessage",
            "alertRepeatable",
            "conditions",
            "outsideRth",
            "tif",
        ):
            if key not in body:
                raise bad_request(f"{key} is required")
        name, message, tif = body["alertName"], body["alertMessage"], body["tif"]
        if not isinstance(name, str) or not name.strip() or not isinstance(message, str):
            raise bad_request("alertName and alertMessage must be texts")
        if tif not in ("GTC", "GTD"):
            raise bad_request("tif must be GTC or GTD")
        expire = body.get("expireTime")
        if tif == "GTD":
            if not isinstance(expire, str):
                raise bad_request("a GTD alert needs expireTime")
            _wall_time(expire, None)
        itws_only = _flag(body, "iTWSOrdersOnly", 0)
        email = body.get("email")
        conditions = self._conditions(body["conditions"], itws_only)

        def made(order_id: int, account: str, active: bool, tool_id: int | None) -> SimAlert:
            return SimAlert(
                order_id=order_id,
                account=account,
                name=name.strip(),
                message=message,
                tif=tif,
                expire_time=expire if tif == "GTD" and isinstance(expire, str) else None,
                repeatable=_flag(body, "alertRepeatable"),
                outside_rth=_flag(body, "outsideRth"),
                email=email if isinstance(email, str) else None,
                send_message=_flag(body, "sendMessage", 0),
                show_popup=_flag(body, "showPopup", 0),
                itws_orders_only=itws_only,
                conditions=conditions,
                created_at=now,
                active=active,
                tool_id=tool_id,
            )

        target = body.get("orderId")
        if target is None:
            alert = made(self._new_id(), account, True, None)
            self.alerts[alert.order_id] = alert
            return self._answer(alert.order_id)
        if isinstance(target, str) and target.isdecimal():
            target = int(target)
        if not isinstance(target, int) or isinstance(target, bool):
            raise bad_request("orderId must be an alert's order_id")
        old = self.get(target)
        if name.strip() != old.name:
            raise bad_request("Alert name cannot be modified")
        # A modification is a new order: the alert gets a new id (the MTA keeps its tool id).
        alert = made(self._new_id(), old.account, old.active, old.tool_id)
        if old is self.mta:
            self.mta = alert
        else:
            del self.alerts[old.order_id]
            self.alerts[alert.order_id] = alert
        return self._answer(alert.order_id)

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    @staticmethod
    def _answer(order_id: int) -> dict[str, Any]:
        return {
            "request_id": None,
            "order_id": order_id,
            "success": True,
            "text": "Submitted",
            "order_status": None,
            "warning_message": None,
        }

    @staticmethod
    def _outcome(order_id: int, ok: bool, text: str) -> dict[str, Any]:
        return {
            "request_id": None,
            "order_id": order_id,
            "success": ok,
            "text": text,
            "failure_list": None if ok else str(order_id),
        }

    def activate(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        """Body of POST /iserver/account/{accountId}/alert/activate."""
        order_id, active = body.get("alertId"), body.get("alertActive")
        if not isinstance(order_id, int) or isinstance(order_id, bool) or active not in (0, 1):
            raise bad_request("alertId and alertActive (0 or 1) are required")
        alert = self.alerts.get(order_id)
        if order_id == self.mta.order_id:
            alert = self.mta
        if alert is None or alert.account != account:
            return self._outcome(order_id, False, f"Alert {order_id} not found")
        alert.active = bool(active)
        if alert.active:
            alert.armed = True
        return self._outcome(order_id, True, "Request was submitted")

    def delete(self, account: str, order_id: int) -> dict[str, Any]:
        """Body of DELETE /iserver/account/{accountId}/alert/{alertId} (0: every alert)."""
        if order_id == 0:
            for ident in [i for i, a in self.alerts.items() if a.account == account]:
                del self.alerts[ident]
            return self._outcome(0, True, "Request was submitted")
        if order_id == self.mta.order_id:
            return self._outcome(order_id, False, "The MTA alert cannot be deleted")
        alert = self.alerts.get(order_id)
        if alert is None or alert.account != account:
            return self._outcome(order_id, False, f"Alert {order_id} not found")
        del self.alerts[order_id]
        return self._outcome(order_id, True, "Request was submitted")

    # --- firing
    def note_fill(self, account: str, conid: int) -> None:
        """An order of ``account`` in ``conid`` executed: trade conditions on it now hold."""
        for alert in self.alerts.values():
            if alert.account == account and alert.active:
                alert.fills.add(conid)

    def _holds(
        self,
        alert: SimAlert,
        condition: Condition,
        market: Market,
        now: float,
        cushion: Callable[[str], float],
    ) -> bool:
        kind = condition.type
        if kind == 3:
            return _compare(
                condition.operator, now, _wall_time(condition.value, condition.time_zone)
            )
        if kind == 4:
            return _compare(
                condition.operator, cushion(alert.account) * 100, float(condition.value)
            )
        conid = condition.conid
        contract = self._catalogue.get(conid) if conid is not None else None
        if contract is None:
            return False
        if kind == 5:
            return conid in alert.fills
        quote = market.quote(contract, now)
        if kind == 6:
            return _compare(condition.operator, float(quote.volume), float(condition.value))
        if kind == 1:
            price = {
                "4": quote.ask if condition.operator == ">=" else quote.bid,
                "8": quote.mid,
            }.get(condition.trigger_method or "0", quote.last)
            return _compare(condition.operator, price, float(condition.value))
        return False  # MTA market / position / P&L conditions are never met here

    def _all_hold(
        self, alert: SimAlert, market: Market, now: float, cushion: Callable[[str], float]
    ) -> bool:
        result = self._holds(alert, alert.conditions[0], market, now, cushion)
        for previous, condition in zip(alert.conditions, alert.conditions[1:], strict=False):
            value = self._holds(alert, condition, market, now, cushion)
            result = (result and value) if previous.logic_bind == "a" else (result or value)
        return result

    def _expired(self, alert: SimAlert, now: float) -> bool:
        return alert.expire_time is not None and now >= _wall_time(alert.expire_time, None)

    def evaluate(
        self, market: Market, now: float, cushion: Callable[[str], float]
    ) -> list[SimAlert]:
        """Fire every active alert whose conditions hold now; returns those that fired."""
        fired = []
        for alert in self.alerts.values():
            if not alert.active or self._expired(alert, now):
                continue
            if alert.triggered and not alert.repeatable:
                continue
            holds = self._all_hold(alert, market, now, cushion)
            if holds and alert.armed:
                self.fire(alert)
                fired.append(alert)
            elif not holds:
                alert.armed = True
        return fired

    def fire(self, alert: SimAlert) -> None:
        alert.triggered = True
        alert.fired += 1
        alert.armed = False
        alert.fills.clear()
