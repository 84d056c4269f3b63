"""The simulator over real loopback HTTPS, and the pytest plugin's fixtures."""

from __future__ import annotations

import importlib
import socket
import ssl
from typing import Any

import httpx
import pytest

from ibkr_webapi.testing import GatewayServer, GatewaySimulator, SimulatorConfig, run, serve_gateway


async def test_serves_https_on_a_free_port_with_its_own_certificate() -> None:
    async with serve_gateway(SimulatorConfig(rate_limits=False), port=0, tls=True) as gateway:
        assert gateway.port > 0 and gateway.url == f"https://127.0.0.1:{gateway.port}/v1/api"
        assert gateway.ca_path is not None and gateway.ca_path.exists()
        async with httpx.AsyncClient(verify=gateway.ssl_context()) as http:
            response = await http.post(f"{gateway.url}/iserver/auth/status", json={})
        assert response.status_code == 200 and response.json()["authenticated"] is True
        context = ssl.create_default_context(cafile=str(gateway.ca_path))
        async with httpx.AsyncClient(
            verify=context, base_url=f"https://localhost:{gateway.port}/v1/api"
        ) as http:
            assert (await http.get("/iserver/accounts")).status_code == 200
        async with httpx.AsyncClient() as untrusting:
            with pytest.raises(httpx.ConnectError):
                await untrusting.get(f"{gateway.url}/iserver/accounts")


async def test_dropped_connection_over_https_looks_like_a_disconnect() -> None:
    async with (
        serve_gateway(SimulatorConfig(rate_limits=False)) as gateway,
        gateway.client() as http,
    ):
        gateway.simulator.drop_next()
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/tickle", json={})
        assert (await http.post("/tickle", json={})).status_code == 200


async def test_plain_http_when_tls_is_off() -> None:
    async with serve_gateway(tls=False) as gateway, gateway.client() as http:
        assert gateway.url.startswith("http://") and gateway.ca_path is None
        assert (await http.get("/sso/validate")).json()["RESULT"] is True


async def test_ibkr_gateway_fixture_shares_the_simulator(
    ibkr_gateway: GatewayServer, ibkr_simulator: GatewaySimulator
) -> None:
    assert ibkr_gateway.simulator is ibkr_simulator
    async with ibkr_gateway.client() as http:
        ibkr_simulator.expire_session()
        assert (await http.get("/iserver/accounts")).status_code == 401
        assert (await http.get(f"{ibkr_gateway.admin_url}/state")).json()["session"][
            "brokerage"
        ] == "lost"


def _client_available() -> bool:
    try:
        return hasattr(importlib.import_module("ibkr_webapi"), "IBKRClient")
    except Exception:  # the client package may be mid-construction
        return False


@pytest.mark.skipif(not _client_available(), reason="ibkr_webapi.IBKRClient is not available yet")
async def test_ibkr_client_fixture_connects(ibkr_client: Any) -> None:
    assert ibkr_client is not None


async def test_verify_is_the_ca_path_for_clients() -> None:
    async with serve_gateway() as gateway:
        assert gateway.verify == str(gateway.ca_path)
        async with httpx.AsyncClient(verify=gateway.ssl_context()) as http:
            assert (await http.get(f"{gateway.admin_url}/state")).status_code == 200


def test_run_serves_until_stopped() -> None:
    seen: list[str] = []

    def ready(gateway: GatewayServer) -> None:
        seen.append(gateway.url)
        gateway.stop()

    run(port=0, log_level="warning", on_ready=ready)
    assert len(seen) == 1 and seen[0].startswith("https://127.0.0.1:")


def test_run_reports_a_busy_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            run(port=taken.getsockname()[1], on_ready=lambda gateway: gateway.stop())
