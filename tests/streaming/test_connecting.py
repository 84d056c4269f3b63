"""How the socket proves its session, and TLS exactly as for HTTP."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import pytest

from ibkr_webapi import IBKRClient, errors
from ibkr_webapi.streaming import SessionHandover, StreamOptions
from ibkr_webapi.testing import GatewayServer, WebsocketSettings, serve_gateway

from .conftest import AAPL, FAST_SOCKET, fast_options, make_client, sim_config


@pytest.mark.parametrize("mode", ["cookie", "cookie-json", "frame", "auto"])
async def test_each_session_hand_over_is_accepted(
    gateway: GatewayServer, mode: SessionHandover
) -> None:
    async with (
        make_client(gateway, fast_options(session_handover=mode)) as client,
        client.stream.quotes([AAPL], fields=["last_price"]) as quotes,
    ):
        await anext(quotes)
    assert gateway.simulator.websocket.accepted == 1


async def test_waiting_for_session_gets_the_session_frame(gateway: GatewayServer) -> None:
    # "none" sends no cookie; the server says "waiting for session"; the client answers in-band.
    async with (
        make_client(gateway, fast_options(session_handover="none")) as client,
        client.stream.quotes([AAPL], fields=["last_price"]) as quotes,
    ):
        await anext(quotes)
    received = list(gateway.simulator.websocket.received)
    assert any(frame.startswith('{"session":') for frame in received)


@pytest.fixture
async def gateway_mode() -> AsyncIterator[GatewayServer]:
    settings = WebsocketSettings(
        heartbeat_interval=FAST_SOCKET.heartbeat_interval,
        push_interval=FAST_SOCKET.push_interval,
        market_data_interval=FAST_SOCKET.market_data_interval,
        session_modes=(),
        allow_no_session=True,
    )
    async with serve_gateway(sim_config(websocket=settings), port=0) as server:
        yield server


async def test_a_gateway_that_needs_no_session_proof(gateway_mode: GatewayServer) -> None:
    async with (
        make_client(gateway_mode, fast_options(session_handover="none")) as client,
        client.stream.quotes([AAPL], fields=["last_price"]) as quotes,
    ):
        await anext(quotes)


async def test_an_untrusted_certificate_fails_at_once_with_a_typed_error(
    gateway: GatewayServer,
) -> None:
    # verify=True trusts the system CAs only, not the simulator's throwaway CA.
    client = IBKRClient(gateway.url, verify=True, keepalive=None, streaming=fast_options())
    async with client:
        client.stream._host = _Tickle()  # type: ignore[assignment]
        with pytest.raises(errors.StreamConnectionError, match="certificate"):
            async with client.stream.quotes([AAPL]):
                pass


async def test_the_socket_uses_the_clients_own_ssl_context(gateway: GatewayServer) -> None:
    context = ssl.create_default_context(cafile=str(gateway.ca_path))
    client = IBKRClient(gateway.url, verify=context, keepalive=None, streaming=fast_options())
    async with client:
        assert client.ssl_context is context
        assert client.stream._ssl is context
        async with client.stream.quotes([AAPL], fields=["last_price"]) as quotes:
            await anext(quotes)


async def test_an_oauth_query_token_goes_on_the_upgrade_url(gateway: GatewayServer) -> None:
    async def token() -> dict[str, str]:
        return {"oauth_token": "a1b2c3"}

    options: StreamOptions = fast_options(query_token=token)
    async with (
        make_client(gateway, options) as client,
        client.stream.quotes([AAPL], fields=["last_price"]) as quotes,
    ):
        await anext(quotes)
        ws = client.stream._ws
        assert ws is not None and ws.request is not None
        assert ws.request.path.endswith("/v1/api/ws?oauth_token=a1b2c3")
        # With a query token the session goes as a plain cookie.
        assert "api=" in ws.request.headers["Cookie"]
        assert "{" not in ws.request.headers["Cookie"]


class _Tickle:
    """A host whose REST side works without TLS (only the socket's TLS is under test)."""

    async def tickle(self) -> object:
        class Answer:
            session = "0" * 32

        return Answer()

    async def auth_status(self, *, recover: bool = True) -> object:
        raise AssertionError("not reached")

    async def live_orders(self, *, force: bool = False) -> list[object]:
        return []
