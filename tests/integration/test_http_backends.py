"""Both network layers (httpx, aiohttp) over real loopback sockets: the same answers, and failures
that mean the same thing ("nothing was sent" vs "it may have reached the gateway")."""

from __future__ import annotations

import dataclasses
import gc
import socket
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from ibkr_webapi import (
    IBKRClient,
    Order,
    PreflightPolicy,
    RateLimitPolicy,
    RetryPolicy,
    errors,
)
from ibkr_webapi.settings import HttpBackend
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway
from ibkr_webapi.testing._tls import write_certificates
from tests.raw_server import Reply, Seen, raw_server

BACKENDS: tuple[HttpBackend, ...] = ("httpx", "aiohttp")
ACCOUNT = "U1234567"
AAPL = 265598
ACCOUNTS = b'{"accounts": ["U1234567"], "selectedAccount": "U1234567"}'
ORDERS_PATH = "/iserver/account/*/orders"

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def _client(url: str, verify: Any, backend: HttpBackend, **options: Any) -> IBKRClient:
    options.setdefault("retry", RetryPolicy(max_retries=0))
    return IBKRClient(
        url,
        verify=verify,
        http_backend=backend,
        keepalive=None,
        rate_limits=RateLimitPolicy.off(),
        reauth_poll_interval=0.01,
        **options,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accounts_then(action: Reply | str) -> Any:
    def handle(seen: Seen) -> Reply | str:
        return Reply(body=ACCOUNTS) if seen.target.endswith("/iserver/accounts") else action

    return handle


async def test_a_refused_connection_says_nothing_was_sent(backend: HttpBackend) -> None:
    async with _client(f"https://127.0.0.1:{_free_port()}/v1/api", True, backend) as ib:
        assert ib.http_backend == backend
        with pytest.raises(errors.APIConnectionError) as caught:
            await ib.accounts()
    assert caught.value.may_have_reached_gateway is False
    assert "nothing was sent" in str(caught.value)


async def test_a_connection_closed_after_the_request_may_have_reached(
    backend: HttpBackend,
) -> None:
    async with (
        raw_server(lambda seen: "close") as server,
        _client(server.url, server.ca_path, backend) as ib,
    ):
        with pytest.raises(errors.APIConnectionError) as caught:
            await ib.accounts()
    assert not isinstance(caught.value, errors.TLSError)
    assert caught.value.may_have_reached_gateway is True
    assert "may have reached" in str(caught.value)
    assert [s.target for s in server.seen] == ["/v1/api/iserver/accounts"]


@pytest.mark.parametrize("resend", [False, True])
async def test_an_order_whose_connection_closed_is_unknown_and_never_resent(
    backend: HttpBackend, resend: bool
) -> None:
    async with (
        raw_server(_accounts_then("close")) as server,
        _client(server.url, server.ca_path, backend) as ib,
    ):
        ib.orders.flow.settle_delay = 0.01
        order = Order(
            conid=AAPL, side="BUY", quantity=1, order_type="LMT", price=1.0, c_oid="raw-1"
        )
        with pytest.raises(errors.OrderStatusUnknown) as caught:
            await ib.place_order(ACCOUNT, order, resend_if_missing=resend)
    assert caught.value.c_oid == "raw-1"
    posts = [s for s in server.seen if s.method == "POST"]
    assert len(posts) == 1 and posts[0].target.endswith(f"/account/{ACCOUNT}/orders")
    assert b"raw-1" in posts[0].body
    looks = {s.target.split("?")[0].rsplit("/", 1)[-1] for s in server.seen if s.method == "GET"}
    assert {"orders", "trades"} <= looks  # it looked the cOID up instead


async def test_a_read_timeout_may_have_reached(backend: HttpBackend) -> None:
    async with (
        raw_server(_accounts_then("hang")) as server,
        _client(server.url, server.ca_path, backend, timeout=0.5) as ib,
    ):
        await ib.accounts()
        with pytest.raises(errors.APITimeoutError) as caught:
            await ib.live_orders()
    assert caught.value.may_have_reached_gateway is True


async def test_an_untrusted_certificate_is_the_same_tls_error(
    backend: HttpBackend, gateway: GatewayServer
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        other_ca = write_certificates(Path(directory)).ca_path
        messages = {}
        for each in BACKENDS:  # the message must not depend on the backend
            async with _client(gateway.url, other_ca, each) as ib:
                with pytest.raises(errors.TLSError) as caught:
                    await ib.accounts()
            assert caught.value.may_have_reached_gateway is False
            messages[each] = str(caught.value)
    assert messages["aiohttp"] == messages["httpx"]
    assert "does not trust" in messages[backend] and "verify=" in messages[backend]


async def test_https_to_a_plain_server_and_http_to_a_tls_one_are_named(
    backend: HttpBackend, gateway: GatewayServer
) -> None:
    async with serve_gateway(SimulatorConfig(rate_limits=False), port=0, tls=False) as plain:
        url = plain.url.replace("http://", "https://")
        async with _client(url, True, backend) as ib:
            with pytest.raises(errors.TLSError, match="plain HTTP"):
                await ib.accounts()
    url = gateway.url.replace("https://", "http://")
    async with _client(url, True, backend) as ib:
        with pytest.raises(errors.APIConnectionError, match="speaks HTTPS"):
            await ib.accounts()


async def test_an_answer_dropped_after_the_gateway_acted_is_found_not_resent(
    backend: HttpBackend,
) -> None:
    config = SimulatorConfig(rate_limits=False, order_submit_delay=0.01, order_fill_delay=0.02)
    async with serve_gateway(config, port=0, tls=True) as gateway:
        sim = gateway.simulator
        async with _client(
            gateway.url,
            gateway.ca_path,
            backend,
            account_id=ACCOUNT,
            preflight=PreflightPolicy(interval=0.01),
        ) as ib:
            ib.orders.flow.settle_delay = 0.05
            for n, resend in enumerate([False, True]):
                price = round(sim.quote(AAPL).last * 0.95, 2)
                c_oid = f"drop-{backend}-{n}"
                order = Order(
                    conid=AAPL, side="BUY", quantity=1, order_type="LMT", price=price, c_oid=c_oid
                )
                sim.lose_next_answer("drop", path=ORDERS_PATH)
                placed = await ib.place_order(ACCOUNT, order, resend_if_missing=resend)
                assert placed.recovered
                assert sim.orders.copies().get(c_oid) == 1


async def test_real_rate_limits_get_no_429(backend: HttpBackend) -> None:
    config = dataclasses.replace(SimulatorConfig(), arrival_jitter=0.02)
    async with serve_gateway(config, port=0, tls=True) as gateway:
        async with IBKRClient(
            gateway.url, verify=gateway.ca_path, http_backend=backend, keepalive=None
        ) as ib:
            http = ib.raw.get_async_httpx_client()
            answers = [await http.get("/iserver/accounts") for _ in range(25)]
        assert {a.status_code for a in answers} == {200}
        assert gateway.simulator.rate_limited == 0
        arrivals = [a.at for a in gateway.simulator.arrivals]
    for i, start in enumerate(arrivals):  # what the gateway saw: never 11 in a second
        assert sum(1 for t in arrivals[i:] if t < start + 1.0) <= 10


async def test_streaming_runs_beside_either_backend(backend: HttpBackend) -> None:
    config = SimulatorConfig(rate_limits=False)
    async with (
        serve_gateway(config, port=0, tls=True) as gateway,
        _client(gateway.url, gateway.ca_path, backend) as ib,
    ):
        await ib.accounts()
        async with ib.stream.quotes([AAPL], fields=["last_price"]) as quotes:
            quote = await anext(quotes)
            positions = await ib.all_positions(ACCOUNT)  # HTTP while the socket streams
    assert quote.conid == AAPL and quote.last_price is not None
    assert isinstance(positions, list)


async def test_an_answer_read_in_full_is_freed_without_the_garbage_collector(
    backend: HttpBackend,
) -> None:
    """httpx's response and its stream refer to each other; the client breaks that cycle once the
    body is read, so a response and its body go when the caller drops them, not at a GC pass."""
    config = SimulatorConfig(positions={ACCOUNT: 150}, rate_limits=False)
    async with (
        serve_gateway(config, port=0, tls=True) as gateway,
        _client(gateway.url, gateway.ca_path, backend) as ib,
    ):
        await ib.accounts()
        await ib.positions_page(ACCOUNT, 0)
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            await ib.accounts()
            await ib.positions_page(ACCOUNT, 1)
            await ib.snapshot([AAPL], ["last_price"])
            gc.collect()
            left = [item for item in gc.garbage if isinstance(item, httpx.Response)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert left == []
