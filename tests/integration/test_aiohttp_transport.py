"""AiohttpTransport on its own, against real local servers (respx cannot mock aiohttp): bodies in
and out as sent, pool limits, timeouts, no silent resend, cookies left to httpx."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from ibkr_webapi import errors
from ibkr_webapi.transports.aiohttp import AiohttpTransport
from ibkr_webapi.transports.size import SizeLimitTransport
from tests.raw_server import Reply, Seen, raw_server


def _echo(seen: Seen) -> Reply:
    answer = {
        "method": seen.method,
        "target": seen.target,
        "body": seen.body.decode(),
        "headers": seen.headers,
    }
    return Reply(body=json.dumps(answer).encode())


async def test_bodies_headers_and_status_travel_as_sent() -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b'{"a": ', b"1, ", b'"b": 2}'):
            yield part

    async with raw_server(_echo, tls=False) as server:
        transport = AiohttpTransport()
        async with httpx.AsyncClient(base_url=server.origin, transport=transport) as http:
            got = (await http.post("/x?q=a%20b&r=%2F", json={"conid": 1})).json()
            assert got["method"] == "POST" and got["target"] == "/x?q=a%20b&r=%2F"
            assert json.loads(got["body"]) == {"conid": 1}
            assert got["headers"]["content-type"] == "application/json"
            assert got["headers"]["user-agent"].startswith("python-httpx")
            assert "aiohttp" not in json.dumps(got["headers"]).lower()
            streamed = (await http.post("/s", content=parts())).json()
            assert streamed["body"] == '{"a": 1, "b": 2}'
            assert streamed["headers"]["transfer-encoding"] == "chunked"
            empty = (await http.delete("/d")).json()
            assert empty["method"] == "DELETE" and empty["body"] == ""
        assert transport._session is None  # closed with the client
        with pytest.raises(errors.ConfigurationError, match="closed"):
            await transport.handle_async_request(httpx.Request("GET", server.origin))


async def test_compressed_answers_are_decoded_by_httpx_and_counted_as_sent() -> None:
    payload = json.dumps([{"conid": n, "31": "1.00"} for n in range(2000)]).encode()
    packed = gzip.compress(payload)

    def handle(seen: Seen) -> Reply:
        headers = (("Content-Type", "application/json"), ("Content-Encoding", "gzip"))
        return Reply(body=packed, headers=headers)

    async with raw_server(handle, tls=False) as server:
        # The cap is between the wire size and the decoded size: the wire size counts.
        capped = SizeLimitTransport(AiohttpTransport(), max_bytes=len(packed) + 10)
        async with httpx.AsyncClient(base_url=server.origin, transport=capped) as http:
            answer = await http.get("/big")
            assert answer.content == payload and len(payload) > len(packed) + 10
        tight = SizeLimitTransport(AiohttpTransport(), max_bytes=len(packed) - 10)
        async with httpx.AsyncClient(base_url=server.origin, transport=tight) as http:
            with pytest.raises(errors.ResponseTooLargeError):
                await http.get("/big")


async def test_cookies_are_httpxs_alone_and_repeated_headers_survive() -> None:
    def handle(seen: Seen) -> Reply:
        headers = (("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"))
        return Reply(body=json.dumps(seen.headers).encode(), headers=headers)

    async with (
        raw_server(handle, tls=False) as server,
        httpx.AsyncClient(base_url=server.origin, transport=AiohttpTransport()) as http,
    ):
        first = await http.get("/one")
        assert first.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
        second = (await http.get("/two")).json()
    assert sorted(second["cookie"].split("; ")) == ["a=1", "b=2"]  # sent once, by httpx


async def test_keep_alive_reuses_one_connection() -> None:
    async with (
        raw_server(_echo, tls=False) as server,
        httpx.AsyncClient(base_url=server.origin, transport=AiohttpTransport()) as http,
    ):
        for _ in range(5):
            await http.get("/k")
    assert {s.connection for s in server.seen} == {1}


async def test_a_delete_on_a_dropped_keep_alive_connection_is_not_resent() -> None:
    def handle(seen: Seen) -> Reply | str:
        return "close" if seen.method == "DELETE" else Reply()

    async with (
        raw_server(handle, tls=False) as server,
        httpx.AsyncClient(base_url=server.origin, transport=AiohttpTransport()) as http,
    ):
        await http.get("/warm")  # a kept-alive connection for the DELETE to go out on
        with pytest.raises(httpx.RemoteProtocolError):
            await http.delete("/iserver/account/U1/order/1")
    assert [s.method for s in server.seen] == ["GET", "DELETE"]  # aiohttp would resend it


async def test_no_free_connection_in_time_is_a_pool_timeout() -> None:
    release, arrived = asyncio.Event(), asyncio.Event()

    async def handle(seen: Seen) -> Reply:
        if seen.target == "/slow":
            arrived.set()
            await release.wait()
        return Reply()

    async with raw_server(handle, tls=False) as server:
        transport = AiohttpTransport(limits=httpx.Limits(max_connections=1))
        timeout = httpx.Timeout(5.0, pool=0.2)
        async with httpx.AsyncClient(
            base_url=server.origin, transport=transport, timeout=timeout
        ) as http:
            slow = asyncio.create_task(http.get("/slow"))
            await arrived.wait()
            with pytest.raises(httpx.PoolTimeout):
                await http.get("/fast")
            release.set()
            assert (await slow).status_code == 200
            assert (await http.get("/fast")).status_code == 200  # the slot came back
    assert [s.target for s in server.seen] == ["/slow", "/fast"]


async def test_a_read_timeout_midway_through_a_body_is_a_read_timeout() -> None:
    async def handle(seen: Seen) -> Reply | str:
        return "hang"

    async with (
        raw_server(handle, tls=False) as server,
        httpx.AsyncClient(
            base_url=server.origin, transport=AiohttpTransport(), timeout=httpx.Timeout(0.3)
        ) as http,
    ):
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/hang")


async def test_a_body_cut_short_is_a_protocol_error() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial": ')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=AiohttpTransport()) as http:
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(f"http://127.0.0.1:{port}/cut")
    finally:
        server.close()
        await server.wait_closed()
