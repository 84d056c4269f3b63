"""Malformed frames are reported on the events stream and never stop the reader."""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient
from ibkr_webapi.streaming import ErrorFrame, MalformedFrame, StreamEvent
from ibkr_webapi.testing import GatewayServer

from .conftest import AAPL, eventually


async def test_malformed_frames_are_reported_and_quotes_keep_coming(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    hub = gateway.simulator.websocket
    events: list[StreamEvent] = []
    async with (
        ib.stream.quotes([AAPL], fields=["last_price"]) as quotes,
        ib.stream.events() as stream,
    ):

        async def collect() -> None:
            async for event in stream:
                events.append(event)

        reader = asyncio.create_task(collect())
        await anext(quotes)
        hub.send_malformed(5)  # cut-short JSON, a list, no conid, bad args, binary garbage
        await eventually(lambda: ib.stream.stats["malformed"] >= 5)
        for _ in range(3):
            await anext(quotes)
        reader.cancel()
    malformed = [e for e in events if isinstance(e, MalformedFrame)]
    assert len(malformed) >= 5
    reasons = " ".join(m.reason for m in malformed)
    assert "not JSON" in reasons and "not an object" in reasons and "conid" in reasons
    assert ib.stream.stats["reconnects"] == 0  # the reader carried on; no reconnect was needed


async def test_an_error_frame_from_the_server_is_an_event(
    ib: IBKRClient, gateway: GatewayServer
) -> None:
    async with ib.stream.events() as events:
        ws = ib.stream._ws
        assert ws is not None
        await ws.send("zzz+nonsense")
        async for event in events:
            if isinstance(event, ErrorFrame):
                assert "Topic unknown" in event.message and event.code == 1
                break
