"""The per-subscription buffers: conflation and a bounded FIFO that fails instead of dropping."""

from __future__ import annotations

import asyncio

import pytest

from ibkr_webapi import errors
from ibkr_webapi.streaming.buffers import BoundedBuffer, ConflatingBuffer


async def test_conflation_keeps_the_latest_value_per_key_in_first_pending_order() -> None:
    buffer: ConflatingBuffer[int, str] = ConflatingBuffer()
    buffer.put(1, lambda: "a1")
    buffer.put(2, lambda: "b1")
    buffer.put(1, lambda: "a2")
    assert len(buffer) == 2 and buffer.conflated == 1
    assert [await buffer.get(), await buffer.get()] == ["a2", "b1"]


async def test_values_are_built_only_when_taken() -> None:
    built: list[int] = []
    buffer: ConflatingBuffer[int, int] = ConflatingBuffer()
    for value in range(100):
        buffer.put(7, lambda v=value: built.append(v) or v)
    assert await buffer.get() == 99 and built == [99]


async def test_a_waiting_consumer_is_woken_by_a_put() -> None:
    buffer: BoundedBuffer[str] = BoundedBuffer(3, "orders")
    waiter = asyncio.create_task(buffer.get())
    await asyncio.sleep(0)
    buffer.put("x")
    assert await waiter == "x"


async def test_overflow_delivers_everything_before_the_gap_then_raises() -> None:
    buffer: BoundedBuffer[int] = BoundedBuffer(2, "orders")
    for item in range(5):
        buffer.put(item)
    assert [await buffer.get(), await buffer.get()] == [0, 1]
    with pytest.raises(errors.StreamOverflowError, match="orders consumer fell 2 updates behind"):
        await buffer.get()


async def test_a_failure_wakes_the_consumer() -> None:
    buffer: ConflatingBuffer[int, int] = ConflatingBuffer()
    waiter = asyncio.create_task(buffer.get())
    await asyncio.sleep(0)
    buffer.fail(errors.StreamClosedError("closed"))
    with pytest.raises(errors.StreamClosedError):
        await waiter


def test_a_buffer_needs_room_for_one() -> None:
    with pytest.raises(errors.ConfigurationError):
        BoundedBuffer(0, "orders")
