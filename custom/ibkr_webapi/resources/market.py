"""Market data calls: snapshots with readable fields, historical bars, unsubscribing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from ibkr_webapi_client.api.market_data import (
    get_hmds_history,
    get_market_data_history,
    get_market_data_snapshot,
    get_regulatory_snapshot,
    unsubscribe_all_market_data,
    unsubscribe_market_data,
)
from ibkr_webapi_client.models import (
    RegulatorySnapshot,
    UnsubscribeAllResponse,
    UnsubscribeRequest,
    UnsubscribeResponse,
)

from .. import errors
from .._core import ClientCore
from ..dates import format_ibkr_time
from ..fields import DEFAULT_FIELDS, resolve_fields
from ..ids import check_choice, check_conid, check_conids, check_count, check_flag, check_text
from ..pacing import Pacer
from ..results.market import History
from ..seam import (
    bool_or_none,
    expect_one,
    int_or_none,
    json_body,
    json_list,
    json_object,
    send_unparsed,
    unexpected,
    unset_if_none,
)
from ..snapshot import Quote, merge_rows
from ._base import Resource

logger = logging.getLogger("ibkr_webapi")

_PERIOD = re.compile(r"^\d{1,4}(min|h|d|w|m|y)$")
_BAR = re.compile(r"^\d{1,2}(min|h|d|w|m)$")
HistorySource = Literal["Trades", "Midpoint", "Bid_Ask"]
BarType = Literal["Last", "Bid", "Ask", "Midpoint", "FeeRate", "Inventory"]
# What one snapshot call may ask for (the gateway's limits).
_MAX_CONIDS, _MAX_FIELDS = 100, 50


def _row_conid(row: dict[str, Any]) -> int | None:
    value = row.get("conid")
    if value.__class__ is int:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdecimal():
        return int(value)
    return None


class MarketResource(Resource):
    """``ib.market``: snapshots, historical bars, and ending market data subscriptions."""

    __slots__ = ("_no_data",)

    def __init__(self, core: ClientCore) -> None:
        super().__init__(core)
        # conid -> session generation in which it gave no data at all (not polled again then).
        self._no_data: dict[int, int] = {}

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
        50 fields. Quotes come back in the order of ``conids``. A conid that sends no data at all
        (an unknown contract, or no market data permission) comes back with ``has_data`` false, is
        named in a warning, and is not polled again in this session.
        """
        wanted = check_conids(conids)
        field_ids = resolve_fields(fields if fields is not None else DEFAULT_FIELDS)
        if max_polls is not None:
            check_count(max_polls, "max_polls", maximum=1_000)
        polls = max(1, max_polls if max_polls is not None else self._core.preflight.max_polls)
        generation = self._core.stack.session.generation
        field_chunks = [
            field_ids[i : i + _MAX_FIELDS] for i in range(0, len(field_ids), _MAX_FIELDS)
        ]
        quotes: dict[int, Quote] = {}
        for start in range(0, len(wanted), _MAX_CONIDS):
            conid_chunk = wanted[start : start + _MAX_CONIDS]
            rows: dict[int, dict[str, Any]] = {}
            for field_chunk in field_chunks:
                await self._poll(conid_chunk, field_chunk, rows, polls, generation)
            # Quotes are made batch by batch, so that thousands of conids never hold the loop.
            batch = [rows.pop(c) if c in rows else {"conid": c} for c in conid_chunk]
            quotes.update(zip(conid_chunk, Quote._from_owned_rows(batch), strict=True))
        result = [quotes[conid] for conid in wanted]
        self._note_empty(result, generation)
        return result

    async def _poll(
        self,
        conids: list[int],
        fields: list[str],
        rows: dict[int, dict[str, Any]],
        polls: int,
        generation: int,
    ) -> None:
        """Ask for ``fields`` of ``conids`` until they have arrived or the polls run out."""
        no_data = self._no_data
        known_empty = {c for c in conids if no_data.get(c) == generation} if no_data else set()
        asked = set(conids)
        pending = conids
        late_polls: dict[int, int] = {}  # conid -> calls made since its first field arrived
        for attempt in range(polls):
            with Pacer.follow_up() if attempt else contextlib.nullcontext():
                got = await self._snapshot_rows(pending, fields)
            for row in got:
                conid = row.get("conid")
                if conid.__class__ is not int:
                    conid = _row_conid(row)
                if conid not in asked:
                    continue
                old = rows.get(conid)
                rows[conid] = row if old is None else merge_rows(old, row)
            pending = [
                c
                for c in self._still_missing(pending, fields, rows, late_polls)
                if c not in known_empty
            ]
            if not pending:
                return
            if attempt + 1 < polls:
                await asyncio.sleep(self._core.preflight.interval)

    def _note_empty(self, quotes: list[Quote], generation: int) -> None:
        empty = [
            q.conid for q in quotes if not q.has_data and self._no_data.get(q.conid) != generation
        ]
        for conid in empty:
            self._no_data[conid] = generation
        if empty:
            logger.warning(
                "snapshot: no market data for conid(s) %s after polling: unknown contracts, or no "
                "market data permission; they will not be polled again in this session",
                ", ".join(map(str, empty)),
            )

    def _still_missing(
        self,
        conids: list[int],
        fields: list[str],
        rows: dict[int, dict[str, Any]],
        late_polls: dict[int, int],
    ) -> list[int]:
        """Conids worth asking again: some asked field is missing and its late-field budget is left."""
        pending = []
        late_budget = self._core.preflight.late_field_polls
        asked = frozenset(fields)
        for conid in conids:
            row = rows.get(conid)
            if row is None:
                pending.append(conid)
                continue
            if row.keys() >= asked:
                continue
            if not asked.isdisjoint(row):
                late_polls[conid] = late_polls.get(conid, -1) + 1
                if late_polls[conid] >= late_budget:
                    continue  # data flows, but these fields are not coming
            pending.append(conid)
        return pending

    async def _snapshot_rows(self, conids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        request = get_market_data_snapshot._get_kwargs(
            conids=",".join(map(str, conids)), fields=",".join(fields)
        )
        # The wire rows are keyed by field-id strings: decoded once and read as sent, not through
        # the generated named model.
        response = await self._core.call(lambda c: send_unparsed(c, request))
        answer = json_list(json_body(response, "snapshot"), "snapshot")
        return [row for row in answer if isinstance(row, dict)]

    async def unsubscribe(self, conid: int) -> bool:
        """Stop the gateway streaming one conid."""
        body = UnsubscribeRequest(conid=check_conid(conid))
        response = await self._core.call(
            lambda c: unsubscribe_market_data.asyncio_detailed(client=c, body=body)
        )
        answer = expect_one(response, UnsubscribeResponse, "unsubscribe")
        return bool_or_none(answer.success, "success") is True

    async def unsubscribe_all(self) -> bool:
        """Stop the gateway streaming every conid."""
        response = await self._core.call(
            lambda c: unsubscribe_all_market_data.asyncio_detailed(client=c)
        )
        answer = expect_one(response, UnsubscribeAllResponse, "unsubscribeall")
        return bool_or_none(answer.unsubscribed, "unsubscribed") is True

    async def history(
        self,
        conid: int,
        *,
        period: str = "1d",
        bar: str = "5min",
        exchange: str | None = None,
        start_time: datetime | None = None,
        outside_rth: bool | None = None,
        source: HistorySource | None = None,
    ) -> History:
        """Historical bars (at most 1000) with timezone-aware times.

        ``period`` like ``"1d"``, ``"2w"``, ``"6m"``, ``"1y"``; ``bar`` like ``"1min"``, ``"5min"``,
        ``"1h"``, ``"1d"``. At most 5 history calls run at once (the gateway's limit).
        """
        if not isinstance(period, str) or not _PERIOD.match(period):
            raise errors.InvalidRequestError(
                f"period {period!r} is not valid; use a number and a unit: min, h, d, w, m or y (e.g. '1d')"
            )
        if not isinstance(bar, str) or not _BAR.match(bar):
            raise errors.InvalidRequestError(
                f"bar {bar!r} is not valid; use e.g. '1min', '5min', '1h', '1d', '1w' or '1m'"
            )
        contract = check_conid(conid)
        if exchange is not None:
            check_text(exchange, "exchange", max_length=32)
        if outside_rth is not None:
            check_flag(outside_rth, "outside_rth")
        if source is not None:
            check_choice(source, "source", ("Trades", "Midpoint", "Bid_Ask"))
        start = format_ibkr_time(start_time) if start_time is not None else None
        request = get_market_data_history._get_kwargs(
            conid=str(contract),
            period=period,
            bar=bar,
            exchange=unset_if_none(exchange),
            start_time=unset_if_none(start),
            outside_rth=unset_if_none(outside_rth),
            source=unset_if_none(source),
        )
        # Up to 1,000 bars: decoded once and read by a typed reader, not into 1,000 models.
        response = await self._core.call(lambda c: send_unparsed(c, request))
        return History.from_json(contract, json_object(json_body(response, "history"), "history"))

    async def hmds_history(
        self,
        conid: int,
        *,
        period: str = "1d",
        bar: str = "5min",
        bar_type: BarType = "Last",
        start_time: datetime | None = None,
        direction: Literal[-1, 1] | None = None,
        outside_rth: bool | None = None,
    ) -> History:
        """Historical bars from the HMDS farm (``/hmds/history``), the same shape as :meth:`history`.

        ``bar_type`` also offers ``"FeeRate"`` and ``"Inventory"`` (short-selling data);
        ``direction`` -1 reads backwards from ``start_time``, 1 forwards. At most 5 history calls
        run at once (this and :meth:`history` share the gateway's limit).
        """
        if not isinstance(period, str) or not _PERIOD.match(period):
            raise errors.InvalidRequestError(
                f"period {period!r} is not valid; use a number and a unit: min, h, d, w, m or y (e.g. '1d')"
            )
        if not isinstance(bar, str) or not _BAR.match(bar):
            raise errors.InvalidRequestError(
                f"bar {bar!r} is not valid; use e.g. '1min', '5min', '1h', '1d', '1w' or '1m'"
            )
        contract = check_conid(conid)
        check_choice(
            bar_type, "bar_type", ("Last", "Bid", "Ask", "Midpoint", "FeeRate", "Inventory")
        )
        if direction is not None and (type(direction) is not int or direction not in (-1, 1)):
            raise errors.InvalidRequestError(
                f"direction must be -1 (backwards) or 1 (forwards), got {direction!r}"
            )
        if outside_rth is not None:
            check_flag(outside_rth, "outside_rth")
        start = format_ibkr_time(start_time) if start_time is not None else None
        request = get_hmds_history._get_kwargs(
            conid=contract,
            period=period,
            bar=bar,
            bar_type=bar_type,
            start_time=unset_if_none(start),
            direction=unset_if_none(direction),
            outside_rth=unset_if_none(outside_rth),
        )
        response = await self._core.call(lambda c: send_unparsed(c, request))
        data = json_object(json_body(response, "hmds history"), "hmds history")
        return History.from_json(contract, data)

    async def regulatory_snapshot(self, conid: int, *, accept_fee: bool) -> Quote:
        """A regulatory snapshot of one contract: **each call costs money** (0.01 USD at IBKR, paper
        accounts included, unless the account subscribes to the exchange's data).

        Nothing is sent unless ``accept_fee=True`` is passed on every call; for free quotes use
        :meth:`snapshot`.
        """
        if accept_fee is not True:
            raise errors.InvalidRequestError(
                "a regulatory snapshot is charged per call (0.01 USD at IBKR); pass "
                "accept_fee=True to pay for it, or use ib.market.snapshot() for a free quote"
            )
        contract = check_conid(conid)
        response = await self._core.call(
            lambda c: get_regulatory_snapshot.asyncio_detailed(client=c, conid=contract)
        )
        answer = expect_one(response, RegulatorySnapshot, "regulatory snapshot")
        sent = int_or_none(answer.conid, "conid")
        if sent is not None and sent != contract:
            raise unexpected("regulatory snapshot", f"it is for conid {sent}, not {contract}")
        row = answer.to_dict()
        row["conid"] = contract
        try:
            return Quote.from_row(row)
        except ValueError as exc:  # a value the snapshot parser cannot read
            raise unexpected("regulatory snapshot", str(exc)) from None
