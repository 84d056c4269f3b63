"""Shared look-up reads and the record of sent cOIDs."""

from __future__ import annotations

import asyncio
import time

import pytest

from ibkr_webapi import errors
from ibkr_webapi.orders.lookup import SharedRead
from ibkr_webapi.orders.sent import SentRecord, SentRecords


class Reader:
    def __init__(self) -> None:
        self.started = 0
        self.release = asyncio.Event()

    async def read(self) -> int:
        self.started += 1
        number = self.started
        await self.release.wait()
        return number


async def test_callers_whose_loss_came_before_a_read_began_share_it() -> None:
    reader = Reader()
    shared = SharedRead(reader.read)
    first = asyncio.ensure_future(shared.fresh(0.0))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(shared.fresh(0.0))
    await asyncio.sleep(0)
    reader.release.set()
    assert await first == await second == 1
    assert reader.started == 1


async def test_a_read_that_began_before_the_loss_is_not_fresh_enough() -> None:
    reader = Reader()
    shared = SharedRead(reader.read)
    early = asyncio.ensure_future(shared.fresh(0.0))
    await asyncio.sleep(0)
    lost_at = time.monotonic()  # an answer is lost while the early read is in flight
    late = asyncio.ensure_future(shared.fresh(lost_at))
    await asyncio.sleep(0)
    reader.release.set()
    assert await early == 1
    assert await late == 2  # it waited for the early read to end, then read again
    assert reader.started == 2


async def test_a_caller_that_leaves_does_not_cancel_the_read_for_the_others() -> None:
    reader = Reader()
    shared = SharedRead(reader.read)
    leaving = asyncio.ensure_future(shared.fresh(0.0))
    staying = asyncio.ensure_future(shared.fresh(0.0))
    await asyncio.sleep(0)
    leaving.cancel()
    await asyncio.sleep(0)
    reader.release.set()
    assert await staying == 1
    assert leaving.cancelled()


async def test_the_last_caller_leaving_stops_the_read_and_a_newcomer_starts_another() -> None:
    reader = Reader()
    shared = SharedRead(reader.read)
    alone = asyncio.ensure_future(shared.fresh(0.0))
    await asyncio.sleep(0)
    alone.cancel()
    await asyncio.sleep(0)
    newcomer = asyncio.ensure_future(shared.fresh(0.0))
    await asyncio.sleep(0)
    reader.release.set()
    assert await newcomer == 2 and reader.started == 2


async def test_a_failed_read_fails_its_fresh_callers() -> None:
    async def fail() -> int:
        raise errors.ServerError("down", status_code=500)

    with pytest.raises(errors.ServerError):
        await SharedRead(fail).fresh(0.0)


def test_sent_records_are_bounded_and_forget_the_oldest() -> None:
    records = SentRecords(capacity=3)
    for n in range(5):
        records.note(f"c{n}", SentRecord("sending", 0, None))
    assert len(records) == 3 and records.get("c0") is None and records.get("c4") is not None
    records.mark("c4", "placed", 77)
    record = records.get("c4")
    assert record is not None and (record.state, record.order_id) == ("placed", 77)
    records.forget("c4")
    assert records.get("c4") is None
