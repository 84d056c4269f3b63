"""Watchlists: the user's lists of contracts, kept for the simulator's life like IBKR keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._catalogue import Catalogue, Contract
from ._errors import bad_request

# IBKR's own lists (read-only): one, so clients meet a list they may not change.
_BUILT_IN = ("900001", "Popular US Stocks", (265598, 272093, 3691937, 4815747, 76792991))


@dataclass
class _Watchlist:
    id: str
    name: str
    rows: list[int | str]  # a conid, or a header's text
    modified_ms: int
    read_only: bool = False
    hash: str = field(default="")


class WatchlistBook:
    """Every watchlist of the login, by id (ids are digits the client chooses)."""

    def __init__(self, catalogue: Catalogue, now: float) -> None:
        self._catalogue = catalogue
        self._lists: dict[str, _Watchlist] = {}
        self._message_id = 0
        ident, name, conids = _BUILT_IN
        stamp = int(now * 1000)
        self._lists[ident] = _Watchlist(ident, name, list(conids), stamp, True, str(stamp))

    def __len__(self) -> int:
        return len(self._lists)

    def ids(self) -> list[str]:
        return list(self._lists)

    def _next_mid(self) -> str:
        self._message_id += 1
        return str(self._message_id)

    def summaries(self, scope: str) -> dict[str, Any]:
        """Body of GET /iserver/watchlists (``SC=USER_WATCHLIST``: the user's own lists only)."""
        user_only = scope.upper() == "USER_WATCHLIST"
        return {
            "data": {
                "scanners_only": False,
                "show_scanners": False,
                "bulk_delete": False,
                "user_lists": [
                    {
                        "is_open": False,
                        "read_only": w.read_only,
                        "name": w.name,
                        "modified": w.modified_ms,
                        "id": w.id,
                        "type": "watchlist",
                    }
                    for w in self._lists.values()
                    if not (user_only and w.read_only)
                ],
            },
            "action": "content",
            "MID": self._next_mid(),
        }

    def _found(self, ident: str) -> _Watchlist:
        found = self._lists.get(ident)
        if found is None:
            raise bad_request(f"watchlist {ident} not found")
        return found

    @staticmethod
    def _instrument(contract: Contract) -> dict[str, Any]:
        return {
            "ST": contract.sec_type,
            "C": str(contract.conid),
            "conid": contract.conid,
            "name": contract.company_name,
            "fullName": contract.symbol,
            "assetClass": contract.sec_type,
            "ticker": contract.symbol,
            "chineseName": "",
        }

    def get(self, ident: str) -> dict[str, Any]:
        """Body of GET /iserver/watchlist?id=..."""
        watchlist = self._found(ident)
        instruments: list[dict[str, Any]] = []
        for row in watchlist.rows:
            if isinstance(row, str):
                instruments.append({"H": row})
                continue
            contract = self._catalogue.get(row)
            if contract is not None:
                instruments.append(self._instrument(contract))
        return {
            "id": watchlist.id,
            "hash": watchlist.hash,
            "name": watchlist.name,
            "readOnly": watchlist.read_only,
            "instruments": instruments,
        }

    def create(self, body: dict[str, Any], now: float) -> dict[str, Any]:
        """Body of POST /iserver/watchlist: a new list, or a replaced one with the same id."""
        ident, name, rows = body.get("id"), body.get("name"), body.get("rows")
        if not (isinstance(ident, str) and ident.isdecimal() and ident.isascii()):
            raise bad_request("id must be a text of digits 0-9")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("name is required")
        if not isinstance(rows, list):
            raise bad_request("rows must be a list of {C: conid} or {H: header}")
        existing = self._lists.get(ident)
        if existing is not None and existing.read_only:
            raise bad_request(f"watchlist {ident} is read-only")
        kept: list[int | str] = []
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("H"), str):
                kept.append(row["H"])
                continue
            conid = row.get("C") if isinstance(row, dict) else None
            if isinstance(conid, str) and conid.isdecimal():
                conid = int(conid)
            if not isinstance(conid, int) or isinstance(conid, bool):
                raise bad_request("each row needs C (a conid) or H (a header)")
            if self._catalogue.get(conid) is None:
                raise bad_request(f"unknown conid '{conid}'")
            if conid in kept:
                raise bad_request(f"conid {conid} is in the list twice")
            kept.append(conid)
        stamp = int(now * 1000)
        self._lists[ident] = _Watchlist(ident, name.strip(), kept, stamp, False, str(stamp))
        return {
            "id": ident,
            "hash": str(stamp),
            "name": name.strip(),
            "readOnly": False,
            "instruments": [],
        }

    def delete(self, ident: str) -> dict[str, Any]:
        """Body of DELETE /iserver/watchlist?id=..."""
        watchlist = self._found(ident)
        if watchlist.read_only:
            raise bad_request(f"watchlist {ident} is read-only")
        del self._lists[ident]
        return {"data": {"deleted": ident}, "action": "context", "MID": self._next_mid()}
