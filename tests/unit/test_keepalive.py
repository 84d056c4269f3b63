"""The keepalive task: tickles on schedule, survives failures, stops cleanly."""

from __future__ import annotations

import asyncio

import pytest

from ibkr_webapi.auth.keepalive import Keepalive


async def test_tickles_repeatedly_until_stopped() -> None:
    calls = 0
    third = asyncio.Event()

    async def tickle() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            third.set()

    keepalive = Keepalive(tickle, 0.01)
    keepalive.start()
    await asyncio.wait_for(third.wait(), 5)
    await keepalive.stop()
    seen = calls
    await asyncio.sleep(0.03)
    assert calls == seen
    assert not keepalive.running


async def test_a_failing_tickle_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0
    second = asyncio.Event()

    async def tickle() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            second.set()
        raise RuntimeError("gateway away")

    keepalive = Keepalive(tickle, 0.01)
    keepalive.start()
    await asyncio.wait_for(second.wait(), 5)
    await keepalive.stop()
    assert "keepalive tickle failed: gateway away" in caplog.text


async def test_non_positive_interval_is_refused() -> None:
    async def tickle() -> None:
        return None

    with pytest.raises(ValueError, match="keepalive=None"):
        Keepalive(tickle, 0)


async def test_stop_before_start_is_harmless() -> None:
    async def tickle() -> None:
        return None

    await Keepalive(tickle, 1).stop()
