"""Market data and contract calls: snapshots with readable fields, history, search."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from ibkr_webapi_client.api.contracts import get_contract_info, get_sec_def_info, search_contracts
from ibkr_webapi_client.api.market_data import (
    get_market_data_history,
    get_market_data_snapshot,
    unsubscribe_all_market_data,
    unsubscribe_market_data,
)
from ibkr_webapi_client.models import (
    ContractInfo,
    ContractSearchRequest,
    ContractSearchResult,
    HistoricalData,
    SecDefInfo,
    UnsubscribeAllResponse,
    UnsubscribeRequest,
    UnsubscribeResponse,
)
from ibkr_webapi_client.types import UNSET

from .. import errors
from .._core import ClientCore
from ..dates import format_ibkr_time
from ..fields import DEFAULT_FIELDS, resolve_fields
from ..results import History
from ..snapshot import Quote, merge_rows, split_request

_PERIOD = re.compile(r"^\d{1,4}(min|h|d|w|m|y)$")
_BAR = re.compile(r"^\d{1,2}(min|h|d|w|m)$")


def _conid_list(conids: int | str | Iterable[int | str]) -> list[int]:
    items = [conids] if isinstance(conids, int | str) else list(conids)
    result: list[int] = []
    for item in items:
        try:
            conid = int(item)
        except (TypeError, ValueError):
            raise errors.InvalidRequestError(
                f"conid {item!r} is not a number; find contract ids with search_contracts()"
            ) from None
        if conid <= 0:
            raise errors.InvalidRequestError(f"conid must be positive, got {conid}")
        if conid not in result:
            result.append(conid)
    if not result:
        raise errors.InvalidRequestError("give at least one conid")
    return result


class MarketDataAPI(ClientCore):
    """Market data and contract endpoints."""

    async def snapshot(
        self,
        conids: int | str | Iterable[int | str],
        fields: Iterable[str | int] | None = None,
        *,
        max_polls: int | None = None,
    ) -> list[Quote]:
        """Quotes for ``conids`` with ``fields`` given by name (``"last_price"``) or id (``31``).

        Handles the pre-flight (the first call for a conid returns no data) by asking again, at most
        ``max_polls`` times, until every asked field has arrived; splits calls above 100 conids or
        50 fields. Quotes come back in the order of ``conids``.
        """
        wanted = _conid_list(conids)
        field_ids = resolve_fields(fields if fields is not None else DEFAULT_FIELDS)
        polls = max_polls if max_polls is not None else self.preflight.max_polls
        rows: dict[int, dict[str, Any]] = {}
        for conid_chunk, field_chunk in split_request(wanted, field_ids):
            pending = list(conid_chunk)
            late_polls: dict[int, int] = {}  # conid -> calls made since its first field arrived
            for attempt in range(max(1, polls)):
                for row in await self._snapshot_rows(pending, field_chunk):
                    conid = int(row.get("conid", 0))
                    if conid in conid_chunk:
                        rows[conid] = merge_rows(rows.get(conid, {}), row)
                pending = self._still_missing(pending, field_chunk, rows, late_polls)
                if not pending:
                    break
                if attempt + 1 < polls:
                    await asyncio.sleep(self.preflight.interval)
        return [Quote.from_row(rows.get(conid, {"conid": conid})) for conid in wanted]

    def _still_missing(
        self,
        conids: list[int],
        fields: list[str],
        rows: dict[int, dict[str, Any]],
        late_polls: dict[int, int],
    ) -> list[int]:
        """Conids worth asking again: some asked field is missing and its late-field budget is left."""
        pending = []
        for conid in conids:
            row = rows.get(conid, {})
            if all(f in row for f in fields):
                continue
            if any(f in row for f in fields):
                late_polls[conid] = late_polls.get(conid, -1) + 1
                if late_polls[conid] >= self.preflight.late_field_polls:
                    continue  # data flows, but these fields are not coming
            pending.append(conid)
        return pending

    async def _snapshot_rows(self, conids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        response = await self._call(
            get_market_data_snapshot.asyncio_detailed,
            conids=",".join(map(str, conids)),
            fields=",".join(fields),
        )
        # The wire rows are keyed by field-id strings: read them as sent, not through the named model.
        answer = json.loads(response.content or b"[]")
        if not isinstance(answer, list):
            raise errors.UnexpectedResponseError(
                f"snapshot: expected a list of rows, got {type(answer).__name__}"
            )
        return [row for row in answer if isinstance(row, dict)]

    async def unsubscribe(self, conid: int) -> bool:
        """Stop the gateway streaming one conid."""
        response = await self._call(
            unsubscribe_market_data.asyncio_detailed, body=UnsubscribeRequest(conid=int(conid))
        )
        return self._parsed(response, UnsubscribeResponse, "unsubscribe").success is True

    async def unsubscribe_all(self) -> bool:
        """Stop the gateway streaming every conid."""
        response = await self._call(unsubscribe_all_market_data.asyncio_detailed)
        return self._parsed(response, UnsubscribeAllResponse, "unsubscribeall").unsubscribed is True

    async def history(
        self,
        conid: int,
        *,
        period: str = "1d",
        bar: str = "5min",
        exchange: str | None = None,
        start_time: datetime | None = None,
        outside_rth: bool | None = None,
        source: Literal["Trades", "Midpoint", "Bid_Ask"] | None = None,
    ) -> History:
        """Historical bars (at most 1000) with timezone-aware times.

        ``period`` like ``"1d"``, ``"2w"``, ``"6m"``, ``"1y"``; ``bar`` like ``"1min"``, ``"5min"``,
        ``"1h"``, ``"1d"``. At most 5 history calls run at once (the gateway's limit).
        """
        if not _PERIOD.match(period):
            raise errors.InvalidRequestError(
                f"period {period!r} is not valid; use a number and a unit: min, h, d, w, m or y (e.g. '1d')"
            )
        if not _BAR.match(bar):
            raise errors.InvalidRequestError(
                f"bar {bar!r} is not valid; use e.g. '1min', '5min', '1h', '1d', '1w' or '1m'"
            )
        response = await self._call(
            get_market_data_history.asyncio_detailed,
            conid=str(_conid_list(conid)[0]),
            period=period,
            bar=bar,
            exchange=exchange if exchange is not None else UNSET,
            start_time=format_ibkr_time(start_time) if start_time is not None else UNSET,
            outside_rth=outside_rth if outside_rth is not None else UNSET,
            source=source if source is not None else UNSET,
        )
        return History.from_model(int(conid), self._parsed(response, HistoricalData, "history"))

    async def search_contracts(
        self, symbol: str, *, sec_type: str | None = None, name: bool = False
    ) -> list[ContractSearchResult]:
        """Contracts matching a symbol (or a company name with ``name=True``)."""
        if not symbol or not symbol.strip():
            raise errors.InvalidRequestError("give a symbol to search for, e.g. 'AAPL'")
        body = ContractSearchRequest(symbol=symbol.strip(), name=name)
        if sec_type is not None:
            body.sec_type = sec_type
        response = await self._call(search_contracts.asyncio_detailed, body=body)
        return list(self._parsed(response, list, "contract search"))

    async def contract_info(self, conid: int) -> ContractInfo:
        """Full details of one contract."""
        response = await self._call(get_contract_info.asyncio_detailed, str(_conid_list(conid)[0]))
        return self._parsed(response, ContractInfo, "contract info")

    async def secdef_info(
        self,
        conid: int,
        sec_type: str,
        *,
        month: str | None = None,
        exchange: str | None = None,
        strike: float | None = None,
        right: Literal["C", "P"] | None = None,
    ) -> list[SecDefInfo]:
        """Security definitions of derivatives on ``conid`` (options, futures, warrants)."""
        response = await self._call(
            get_sec_def_info.asyncio_detailed,
            conid=str(_conid_list(conid)[0]),
            sectype=sec_type,
            month=month if month is not None else UNSET,
            exchange=exchange if exchange is not None else UNSET,
            strike=str(strike) if strike is not None else UNSET,
            right=right if right is not None else UNSET,
        )
        return list(self._parsed(response, list, "secdef info"))
