"""The websocket's wire format: client frames built, server frames read. Pure functions.

Client frames are text, ``TOPIC+TARGET+{json}`` (``smd+265598+{"fields":["31"]}``); server frames
are JSON objects routed by their ``topic``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from .. import errors

__all__ = [
    "TIC",
    "account_summary",
    "book",
    "ledger",
    "market_data",
    "orders",
    "parse",
    "pnl",
    "session",
    "trades",
    "unsubscribe",
]

TIC = "tic"
_EXCERPT = 200


def _args(value: Mapping[str, object]) -> str:
    return json.dumps(dict(value), separators=(",", ":"))


def market_data(conid: int, fields: Iterable[str]) -> str:
    """Level-1 stream of one contract, field ids as strings."""
    return f"smd+{int(conid)}+{_args({'fields': list(fields)})}"


def orders() -> str:
    return "sor+{}"


def pnl() -> str:
    return "spl+{}"


def trades(*, days: int | None = None, realtime_only: bool = False) -> str:
    """Executions; ``days`` 1-7 of history first unless ``realtime_only``."""
    args: dict[str, object] = {}
    if realtime_only:
        args["realtimeUpdatesOnly"] = True
    if days is not None:
        args["days"] = int(days)
    return f"str+{_args(args)}"


def account_summary(
    account: str, keys: Iterable[str] | None = None, fields: Iterable[str] | None = None
) -> str:
    args: dict[str, object] = {}
    if keys is not None:
        args["keys"] = list(keys)
    if fields is not None:
        args["fields"] = list(fields)
    return f"ssd+{account}+{_args(args)}"


def ledger(account: str, keys: Iterable[str] | None = None) -> str:
    args: dict[str, object] = {} if keys is None else {"keys": list(keys)}
    return f"sld+{account}+{_args(args)}"


def book(account: str, conid: int, exchange: str | None = None) -> str:
    """BookTrader price ladder; no JSON part."""
    return f"sbd+{account}+{int(conid)}" + (f"+{exchange}" if exchange else "")


def unsubscribe(key: str) -> str:
    """The cancel frame of a stream key (``md+265598``, ``or``, ``sd+U1``, ``bd+U1+265598``...)."""
    kind, _, target = key.partition("+")
    if kind == "md":
        return f"umd+{target}+{{}}"
    if kind == "bd":
        return f"ubd+{target.partition('+')[0]}"
    if kind == "tr":
        return "utr"
    if kind in ("or", "pl"):
        return f"u{kind}+{{}}"
    if kind in ("sd", "ld"):
        return f"u{kind}+{target}+{{}}"
    raise ValueError(f"no unsubscribe frame for stream key {key!r}")


def session(token: str) -> str:
    """The in-band session hand-over frame."""
    return _args({"session": token})


def excerpt(text: str | bytes) -> str:
    """The start of a frame for a report (never the whole of a large frame)."""
    if isinstance(text, bytes):
        text = text[:_EXCERPT].decode("utf-8", "replace")
    return text[:_EXCERPT]


def parse(text: str | bytes) -> dict[str, object]:
    """A server frame as a dict; :class:`errors.StreamProtocolError` when it is not a JSON object."""
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.StreamProtocolError(f"frame is not JSON ({exc})") from None
    if type(value) is not dict:
        raise errors.StreamProtocolError(
            f"frame is JSON {type(value).__name__}, not an object with a topic"
        )
    return value
