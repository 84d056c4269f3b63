"""Session tiers, keep-alive, expiry and recovery."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx

from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig, serve_gateway

from .helpers import AAPL, ACCOUNT, prime

NOT_AUTHENTICATED = {"error": "not authenticated", "statusCode": 401}


async def test_auth_status_has_the_gateway_shape(client: httpx.AsyncClient) -> None:
    body = (await client.post("/iserver/auth/status", json={})).json()
    assert body["authenticated"] is True and body["connected"] is True
    assert body["competing"] is False and body["established"] is True
    assert set(body) >= {"message", "MAC", "serverInfo", "hardware_info", "fail"}
    assert set(body["serverInfo"]) == {"serverName", "serverVersion"}


async def test_tickle_answers_session_and_nested_auth_status(client: httpx.AsyncClient) -> None:
    body = (await client.post("/tickle", json={})).json()
    assert len(body["session"]) == 32 and int(body["session"], 16) >= 0
    assert body["collission"] is False and body["hmds"] == {"error": "no bridge"}
    assert body["iserver"]["authStatus"]["authenticated"] is True
    assert body["ssoExpires"] == 360_000


async def test_session_expires_without_tickle(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    sim.advance(361)
    response = await primed.get("/iserver/accounts")
    assert response.status_code == 401 and response.json() == NOT_AUTHENTICATED
    status = (await primed.post("/iserver/auth/status", json={})).json()
    assert status["authenticated"] is False and status["connected"] is True


async def test_tickle_keeps_the_session_alive(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    for _ in range(4):
        sim.advance(300)
        assert (await primed.post("/tickle", json={})).status_code == 200
    assert (await primed.get("/iserver/accounts")).status_code == 200


async def test_other_requests_do_not_keep_the_session_alive(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    sim.advance(200)
    assert (await primed.get("/iserver/accounts")).status_code == 200
    sim.advance(200)
    assert (await primed.get("/iserver/accounts")).status_code == 401


async def test_idle_timeout_is_configurable(make_sim: Callable[..., GatewaySimulator]) -> None:
    sim = make_sim(idle_timeout=5)
    async with sim.client() as http:
        sim.advance(6)
        assert (await http.get("/iserver/accounts")).status_code == 401


async def test_ssodh_init_recovers_an_expired_session(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    sim.expire_session()
    assert (await primed.get("/iserver/accounts")).status_code == 401
    response = await primed.post(
        "/iserver/auth/ssodh/init", json={"publish": True, "compete": True}
    )
    assert response.status_code == 200 and response.json()["authenticated"] is True
    assert (await primed.get("/iserver/accounts")).status_code == 200


async def test_ssodh_init_with_publish_false_is_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/iserver/auth/ssodh/init", json={"publish": False, "compete": True}
    )
    assert response.status_code == 500


async def test_no_bridge_until_ssodh_init_while_portfolio_works(
    make_sim: Callable[..., GatewaySimulator],
) -> None:
    sim = make_sim(brokerage_session_at_start=False)
    async with sim.client() as http:
        response = await http.get("/iserver/accounts")
        assert response.status_code == 400 and "no bridge" in response.json()["error"]
        assert (await http.get("/portfolio/accounts")).status_code == 200
        assert (await http.get(f"/portfolio/{ACCOUNT}/positions/0")).status_code == 200
        await http.post("/iserver/auth/ssodh/init", json={"publish": True, "compete": True})
        assert (await http.get("/iserver/accounts")).status_code == 200


async def test_logout_makes_every_route_401(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    assert (await primed.post("/logout", json={})).json() == {"status": True}
    for response in (
        await primed.get(f"/portfolio/{ACCOUNT}/summary"),
        await primed.post("/tickle", json={}),
        await primed.post("/iserver/auth/ssodh/init", json={"publish": True, "compete": True}),
    ):
        assert response.status_code == 401 and response.json() == NOT_AUTHENTICATED
    status = (await primed.post("/iserver/auth/status", json={})).json()
    assert status == {
        "authenticated": False,
        "competing": False,
        "connected": False,
        "MAC": status["MAC"],
    }
    sim.login()
    await prime(primed)
    assert (await primed.get(f"/portfolio/{ACCOUNT}/summary")).status_code == 200


async def test_idle_timeout_can_log_out_entirely(make_sim: Callable[..., GatewaySimulator]) -> None:
    sim = make_sim(idle_timeout_action="logout")
    async with sim.client() as http:
        sim.advance(400)
        assert (await http.get("/portfolio/accounts")).status_code == 401


async def test_competing_session_is_taken_back_with_compete(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    sim.set_competing()
    status = (await primed.post("/iserver/auth/status", json={})).json()
    assert status["competing"] is True and status["authenticated"] is False
    assert (await primed.get("/iserver/accounts")).status_code == 401
    still = await primed.post("/iserver/auth/ssodh/init", json={"publish": True, "compete": False})
    assert still.json()["competing"] is True
    back = await primed.post("/iserver/auth/ssodh/init", json={"publish": True, "compete": True})
    assert back.json()["competing"] is False and back.json()["authenticated"] is True


async def test_reauthenticate_is_triggered(
    sim: GatewaySimulator, client: httpx.AsyncClient
) -> None:
    sim.expire_session()
    assert (await client.post("/iserver/reauthenticate", json={})).json() == {
        "message": "triggered"
    }
    assert (await client.post("/iserver/auth/status", json={})).json()["authenticated"] is True


def _without_length(http: httpx.AsyncClient, path: str) -> httpx.Request:
    request = http.build_request("POST", path)
    del request.headers["Content-Length"]
    return request


async def test_only_a_post_without_any_length_gets_411(client: httpx.AsyncClient) -> None:
    # httpx (like requests) sends "Content-Length: 0" for an empty POST: the gateway accepts it.
    empty = client.build_request("POST", "/iserver/auth/status")
    assert empty.headers["Content-Length"] == "0"
    assert (await client.send(empty)).status_code == 200
    assert (await client.post("/tickle", content=b"")).status_code == 200
    assert (await client.post("/iserver/auth/status", json={})).status_code == 200
    refused = await client.send(_without_length(client, "/iserver/auth/status"))
    assert refused.status_code == 411 and refused.json()["statusCode"] == 411


async def test_both_forms_over_real_https() -> None:
    async with (
        serve_gateway(SimulatorConfig(rate_limits=False), port=0, tls=True) as gateway,
        gateway.client() as http,
    ):
        assert (await http.post("/logout")).status_code == 200  # Content-Length: 0
        assert (await http.send(_without_length(http, "/tickle"))).status_code == 411


async def test_a_chunked_post_counts_as_sending_a_length(client: httpx.AsyncClient) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"{}"

    answer = await client.post("/iserver/auth/status", content=body())
    assert answer.status_code == 200


async def test_sso_validate_answers_upper_case_fields(client: httpx.AsyncClient) -> None:
    body = (await client.get("/sso/validate")).json()
    assert body["RESULT"] is True and body["USER_NAME"] and body["EXPIRES"] > 0


async def test_new_brokerage_session_needs_accounts_again(
    sim: GatewaySimulator, primed: httpx.AsyncClient
) -> None:
    await primed.post("/iserver/auth/ssodh/init", json={"publish": True, "compete": True})
    response = await primed.get(
        "/iserver/marketdata/snapshot", params={"conids": AAPL, "fields": "31"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request: Please query /accounts first"
