"""Serve a simulator over loopback HTTP(S) with uvicorn, as a task in the running event loop."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
import socket
import ssl
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Generator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from ._app import ABORT_EXTENSION, ADMIN_PATH, BASE_PATH
from ._clock import Clock
from ._config import SimulatorConfig
from ._gateway import GatewaySimulator
from ._tls import write_certificates


class _DroppableH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, plus a scope extension that drops the connection unanswered."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        app = self.app

        def abort() -> None:
            if self.cycle is not None:
                self.cycle.disconnected = True  # so uvicorn does not try to answer 500
            transport.abort()

        async def app_with_abort(scope: Any, receive: Any, send: Any) -> None:
            extensions = cast(MutableMapping[str, Any], scope).setdefault("extensions", {})
            extensions[ABORT_EXTENSION] = abort
            await app(scope, receive, send)

        self.app = app_with_abort


class _DroppableWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, plus the same extension: drop the socket without a close frame."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if isinstance(scope, dict):
            scope.setdefault("extensions", {})[ABORT_EXTENSION] = self.transport.abort


class _Server(uvicorn.Server):
    """uvicorn's server; leaves signal handlers alone unless it runs the whole program."""

    def __init__(self, config: uvicorn.Config, *, handle_signals: bool) -> None:
        super().__init__(config)
        self._handle_signals = handle_signals

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if self._handle_signals:
            with super().capture_signals():
                yield
        else:
            yield


@dataclass
class GatewayServer:
    """A running simulated gateway: where it listens and how to trust its certificate."""

    simulator: GatewaySimulator
    host: str
    port: int
    ca_path: Path | None  # the CA certificate to verify with; None without TLS
    cert_path: Path | None
    key_path: Path | None
    _server: _Server
    _task: asyncio.Task[None]

    @property
    def tls(self) -> bool:
        return self.ca_path is not None

    @property
    def origin(self) -> str:
        """Scheme, host and port, e.g. https://127.0.0.1:5000."""
        host = self.host
        with contextlib.suppress(ValueError):
            if ipaddress.ip_address(host).version == 6:
                host = f"[{host}]"
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The API base URL, e.g. "https://127.0.0.1:PORT/v1/api"."""
        return self.origin + BASE_PATH

    @property
    def admin_url(self) -> str:
        return self.origin + ADMIN_PATH

    @property
    def verify(self) -> str | bool:
        """What to pass as a client's `verify`: the CA certificate's path (True without TLS)."""
        return str(self.ca_path) if self.ca_path is not None else True

    def ssl_context(self) -> ssl.SSLContext:
        """A client-side SSL context that trusts this server's certificate."""
        if self.ca_path is None:
            raise RuntimeError("the gateway runs without TLS")
        return ssl.create_default_context(cafile=str(self.ca_path))

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client for the API, trusting the simulator's certificate."""
        if self.tls:
            kwargs.setdefault("verify", self.ssl_context())
        return httpx.AsyncClient(base_url=self.url, **kwargs)

    def stop(self) -> None:
        """Ask the server to shut down (`wait_closed` returns once it has)."""
        self._server.should_exit = True

    async def wait_closed(self) -> None:
        await asyncio.shield(self._task)


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _client_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to `host`."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


@contextlib.asynccontextmanager
async def serve_gateway(
    config: SimulatorConfig | None = None,
    *,
    simulator: GatewaySimulator | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = True,
    clock: Clock | None = None,
    log_level: str = "warning",
    handle_signals: bool = False,
    uvicorn_log_config: dict[str, Any] | None = None,
) -> AsyncIterator[GatewayServer]:
    """Run a simulated gateway over HTTP(S) in this event loop for the duration of the block.

    Port 0 picks a free port (see `.port`/`.url`). With TLS a fresh CA and server certificate
    are written to a temporary directory; clients verify with `.ca_path`.
    """
    if simulator is None:
        simulator = GatewaySimulator(config, clock=clock)
    elif config is not None or clock is not None:
        raise ValueError("pass either a simulator or config/clock, not both")
    with tempfile.TemporaryDirectory(prefix="ibkr-webapi-sim-") as directory:
        url_host = _client_host(host)
        files = None
        if tls:
            hosts = tuple(dict.fromkeys(("localhost", "127.0.0.1", "::1", url_host)))
            files = write_certificates(Path(directory), hosts)
        sock = _bind(host, port)
        uv_config = uvicorn.Config(
            simulator.app,
            http=_DroppableH11Protocol,
            ws=_DroppableWebSocketProtocol,
            lifespan="off",
            log_level=log_level,
            log_config=uvicorn_log_config,
            access_log=uvicorn_log_config is not None,
            ssl_certfile=str(files.cert_path) if files else None,
            ssl_keyfile=str(files.key_path) if files else None,
            timeout_graceful_shutdown=2,
        )
        server = _Server(uv_config, handle_signals=handle_signals)
        task = asyncio.create_task(server.serve(sockets=[sock]), name="ibkr-webapi-simulator")
        try:
            while not server.started:
                if task.done():
                    _raise_startup_failure(task)
                await asyncio.sleep(0.005)
            yield GatewayServer(
                simulator,
                url_host,
                sock.getsockname()[1],
                files.ca_path if files else None,
                files.cert_path if files else None,
                files.key_path if files else None,
                server,
                task,
            )
        finally:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
            sock.close()


def _raise_startup_failure(task: asyncio.Task[None]) -> None:
    try:
        task.result()
    except SystemExit as exit_:  # uvicorn exits the process when start-up fails
        raise RuntimeError("the simulated gateway failed to start (see the uvicorn log)") from exit_
    raise RuntimeError("the simulated gateway stopped while starting")


def _announce(gateway: GatewayServer) -> None:
    print(f"IBKR gateway simulator listening on {gateway.url}", flush=True)
    if gateway.ca_path:
        print(f"  verify TLS with the CA certificate: {gateway.ca_path}", flush=True)
    print(f"  control routes: {gateway.admin_url}/state", flush=True)
    print("  press Ctrl+C to stop", flush=True)


_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _on_stop_signals(
    loop: asyncio.AbstractEventLoop, callback: Callable[[int], None]
) -> Callable[[], None]:
    """Route Ctrl+C, SIGTERM and SIGHUP to ``callback``; returns what undoes it."""
    installed = []
    for sig in _STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, callback, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            continue
        installed.append(sig)

    def undo() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)

    return undo


def run(
    host: str = "127.0.0.1",
    port: int = 5000,
    config: SimulatorConfig | None = None,
    *,
    tls: bool = True,
    log_level: str = "info",
    on_ready: Callable[[GatewayServer], None] | None = None,
) -> None:
    """Serve a simulated gateway until Ctrl+C, SIGTERM or SIGHUP (blocking; for the command line).

    `on_ready` is called once the server listens (default: print the URL and CA path). Whatever
    stops it, the server shuts down first and its temporary certificate folder is removed; a
    second signal cuts the graceful shutdown short.
    """

    async def main() -> None:
        stop = asyncio.Event()
        running: list[GatewayServer] = []

        def on_signal(_sig: int) -> None:
            if stop.is_set() and running:
                running[0]._server.force_exit = True  # second signal: do not wait for requests
            stop.set()

        undo = _on_stop_signals(asyncio.get_running_loop(), on_signal)
        try:
            async with serve_gateway(
                config,
                host=host,
                port=port,
                tls=tls,
                log_level=log_level,
                uvicorn_log_config=LOGGING_CONFIG,
            ) as gateway:
                running.append(gateway)
                if not stop.is_set():
                    (on_ready or _announce)(gateway)
                    stopping = asyncio.ensure_future(stop.wait())
                    closed = asyncio.ensure_future(gateway.wait_closed())
                    await asyncio.wait({stopping, closed}, return_when=asyncio.FIRST_COMPLETED)
                    stopping.cancel()
                    closed.cancel()
        finally:
            undo()

    with contextlib.suppress(KeyboardInterrupt):  # a Ctrl+C before the handlers were in place
        asyncio.run(main())
    print("simulator stopped", file=sys.stderr)
