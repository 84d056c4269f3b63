"""A tiny HTTP/1.1 server over real sockets (h11) whose misbehaviour a test chooses per request:
answer, close the connection after reading the request, or never answer."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import h11

from ibkr_webapi.testing._tls import write_certificates


@dataclass(frozen=True)
class Seen:
    """One request as the server read it (``connection`` numbers the TCP connections)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)


Action = Reply | Literal["close", "hang"]
Handler = Callable[[Seen], Awaitable[Action] | Action]


@dataclass
class RawServer:
    port: int
    ca_path: Path | None
    seen: list[Seen] = field(default_factory=list)

    @property
    def origin(self) -> str:
        scheme = "https" if self.ca_path is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/v1/api"


async def _serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    handler: Handler,
    server: RawServer,
    number: int,
) -> None:
    conn = h11.Connection(h11.SERVER)
    try:
        while True:
            request: h11.Request | None = None
            body = b""
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await reader.read(65536)
                    if not data:
                        return
                    conn.receive_data(data)
                    continue
                if isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    return
            assert request is not None
            seen = Seen(
                request.method.decode(),
                request.target.decode(),
                {k.decode().lower(): v.decode() for k, v in request.headers},
                body,
                number,
            )
            server.seen.append(seen)
            action = handler(seen)
            if not isinstance(action, Reply | str):
                action = await action
            if action == "close":
                return
            if action == "hang":
                await asyncio.Event().wait()
            assert isinstance(action, Reply)
            headers = [*action.headers, ("Content-Length", str(len(action.body)))]
            writer.write(conn.send(h11.Response(status_code=action.status, headers=headers)))
            writer.write(conn.send(h11.Data(data=action.body)))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            conn.start_next_cycle()
    except (ConnectionError, h11.RemoteProtocolError, ssl.SSLError):
        return
    finally:
        writer.close()


@contextlib.asynccontextmanager
async def raw_server(handler: Handler, *, tls: bool = True) -> AsyncIterator[RawServer]:
    """Serve ``handler`` on a free loopback port (HTTPS with its own CA unless ``tls=False``)."""
    with tempfile.TemporaryDirectory(prefix="ibkr-raw-") as directory:
        context: ssl.SSLContext | None = None
        ca_path: Path | None = None
        if tls:
            files = write_certificates(Path(directory), ("127.0.0.1", "localhost"))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(files.cert_path, files.key_path)
            ca_path = files.ca_path
        tasks: set[asyncio.Task[None]] = set()
        state = RawServer(port=0, ca_path=ca_path)
        numbers = itertools.count(1)

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                await _serve_connection(reader, writer, handler, state, next(numbers))
            finally:
                tasks.discard(task)

        server = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=context)
        state.port = server.sockets[0].getsockname()[1]
        try:
            yield state
        finally:
            server.close()
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await server.wait_closed()
