"""FYI notifications: the inbox, per-type settings and disclaimers, and where they are delivered.

``AL`` (triggered alerts) is the simulator's own type code: a fired alert lands here as an FYI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ._errors import bad_request

MAX_PER_REQUEST = 10
ALERT_TYPE = "AL"


@dataclass
class FyiType:
    code: str
    title: str
    about: str
    disclaimer: str
    enabled: bool | None  # None: cannot be turned off
    disclaimer_read: bool = False


def _types() -> list[FyiType]:
    return [
        FyiType(
            "PF",
            "Portfolio FYIs",
            "Notify me of recent activity affecting my portfolio holdings.",
            "For information only; not advice to buy, sell or hold any product.",
            True,
        ),
        FyiType(
            "PT",
            "Position Transfer",
            "Notify me of settings I may need to change after positions are transferred in.",
            "For information only; check the transfer's details in your statements.",
            True,
        ),
        FyiType(
            "BA",
            "Short Borrow Availability",
            "Notify me when shares I am short become harder or costlier to borrow.",
            "For information only. Short selling carries the risk of losing more than you invest.",
            True,
        ),
        FyiType(
            "M8",
            "Margin Warnings",
            "Notify me when my account comes close to a margin deficiency.",
            "Positions may be closed without notice when the account is under-margined.",
            None,
        ),
        FyiType(
            ALERT_TYPE,
            "Triggered Alerts",
            "Notify me when one of my price, time, margin, trade or volume alerts fires.",
            "Alerts are checked on a best-effort basis and may fire late or not at all.",
            True,
        ),
    ]


@dataclass
class Fyi:
    id: str
    code: str
    title: str
    body: str
    at: float
    read: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "R": int(self.read),
            "D": f"{self.at:.1f}",
            "MS": self.title,
            "MD": self.body,
            "ID": self.id,
            "HT": 1 if self.body.startswith("<html>") else 0,
            "FC": self.code,
        }


@dataclass
class Device:
    name: str
    device_id: str
    ui_name: str
    enabled: bool


def _ack(took_ms: int = 10) -> dict[str, Any]:
    return {"V": 1, "T": took_ms}


class NotificationCenter:
    """The login's FYI inbox and preferences."""

    def __init__(self, now: float) -> None:
        self.types: dict[str, FyiType] = {t.code: t for t in _types()}
        self.inbox: list[Fyi] = []  # oldest first
        self._serial = 0
        self.email = True
        self.devices: dict[str, Device] = {
            "apn://mtws@SIMPHONE0001": Device(
                "iPhone", "apn://mtws@SIMPHONE0001", "apn://mtws@SIMPHONE0001", True
            )
        }
        self.deliver(
            "PF",
            "FYI: Changes in Analyst Ratings",
            "<html>Analysts changed their ratings of companies you hold: AAPL@NASDAQ Buy: 24(+1), "
            "Hold: 9(-1). IBM@NYSE Buy: 6(0), Hold: 10(+1).</html>",
            now - 3 * 86_400,
            read=True,
        )
        self.deliver(
            "PT",
            "FYI: Positions transferred in",
            "<html>Positions arrived in your account; review the cost basis we recorded.</html>",
            now - 2 * 86_400,
        )
        self.deliver(
            "PF",
            "FYI: Dividend announced",
            "<html>KO@NYSE announced a quarterly dividend of 0.485 USD per share.</html>",
            now - 86_400,
        )

    # --- inbox
    def deliver(
        self, code: str, title: str, body: str, at: float, *, read: bool = False
    ) -> Fyi | None:
        """Put a notification in the inbox, unless its type is turned off."""
        kind = self.types.get(code)
        if kind is not None and kind.enabled is False:
            return None
        self._serial += 1
        day = datetime.fromtimestamp(at, UTC).strftime("%Y%m%d")
        fyi = Fyi(f"{day}{self._serial:08d}", code, title, body, at, read)
        self.inbox.append(fyi)
        return fyi

    def unread(self) -> dict[str, Any]:
        return {"BN": sum(1 for n in self.inbox if not n.read)}

    def listing(self, size: str, include: str, exclude: str, before: str) -> list[dict[str, Any]]:
        """Body of GET /fyi/notifications: newest first, filtered, older than ``before``."""
        try:
            count = int(size)
        except ValueError:
            raise bad_request("max must be a number") from None
        if not 1 <= count <= MAX_PER_REQUEST:
            raise bad_request(f"max must be from 1 to {MAX_PER_REQUEST}")
        kept = {c for c in include.split(",") if c}
        dropped = {c for c in exclude.split(",") if c}
        newest_first = list(reversed(self.inbox))
        if before:
            index = next((i for i, n in enumerate(newest_first) if n.id == before), None)
            if index is None:
                raise bad_request(f"notification {before} not found")
            newest_first = newest_first[index + 1 :]
        chosen = [n for n in newest_first if (not kept or n.code in kept) and n.code not in dropped]
        return [n.to_json() for n in chosen[:count]]

    def mark_read(self, ident: str) -> dict[str, Any]:
        found = next((n for n in self.inbox if n.id == ident), None)
        if found is None:
            raise bad_request(f"notification {ident} not found")
        found.read = True
        return {"V": 1, "T": 5, "P": {"R": 1, "ID": ident}}

    # --- types
    def _type(self, code: str) -> FyiType:
        found = self.types.get(code)
        if found is None:
            raise bad_request(f"unknown notification type '{code}'")
        return found

    def settings(self) -> list[dict[str, Any]]:
        out = []
        for kind in self.types.values():
            entry: dict[str, Any] = {"FC": kind.code, "H": int(kind.disclaimer_read)}
            if kind.enabled is not None:
                entry["A"] = int(kind.enabled)
            entry.update({"FD": kind.about, "FN": kind.title})
            out.append(entry)
        return out

    def set_enabled(self, code: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = self._type(code)
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise bad_request("enabled must be true or false")
        if kind.enabled is None:
            raise bad_request(f"notifications of type '{code}' cannot be turned off")
        kind.enabled = enabled
        return _ack()

    def disclaimer(self, code: str) -> dict[str, Any]:
        kind = self._type(code)
        return {"FC": kind.code, "DT": kind.disclaimer}

    def read_disclaimer(self, code: str) -> dict[str, Any]:
        self._type(code).disclaimer_read = True
        return _ack()

    # --- delivery
    def delivery(self) -> dict[str, Any]:
        return {
            "E": [
                {"NM": d.name, "I": d.device_id, "UI": d.ui_name, "A": int(d.enabled)}
                for d in self.devices.values()
            ],
            "M": int(self.email),
        }

    def set_email(self, flag: str) -> dict[str, Any]:
        if flag.lower() not in ("true", "false"):
            raise bad_request("enabled must be true or false")
        self.email = flag.lower() == "true"
        return _ack()

    def set_device(self, body: dict[str, Any]) -> dict[str, Any]:
        ident, enabled = body.get("deviceId"), body.get("enabled")
        if not isinstance(ident, str) or not ident or not isinstance(enabled, bool):
            raise bad_request("deviceId and enabled are required")
        device = self.devices.get(ident)
        if device is None:
            name, ui_name = body.get("deviceName"), body.get("uiName")
            device = Device(
                name if isinstance(name, str) else ident,
                ident,
                ui_name if isinstance(ui_name, str) else ident,
                enabled,
            )
            self.devices[ident] = device
        device.enabled = enabled
        return _ack()

    def delete_device(self, ident: str) -> None:
        if self.devices.pop(ident, None) is None:
            raise bad_request(f"device '{ident}' not found")
