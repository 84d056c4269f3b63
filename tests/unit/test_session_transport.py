"""SessionTransport: re-opening the brokerage session, prerequisite calls, ``{}`` bodies."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest

from ibkr_webapi import errors
from ibkr_webapi.transports.session import SessionTransport

BASE = "https://localhost:5000/v1/api"
STATUS_OK = {"authenticated": True, "competing": False, "connected": True}
STATUS_DOWN = {"authenticated": False, "competing": False, "connected": True}


class FakeGateway:
    """Just enough of the gateway's session behaviour to exercise the layer."""

    def __init__(self) -> None:
        self.authenticated = True
        self.unauthenticated_answer = "401"  # or "no bridge"
        self.init_answer: httpx.Response | None = None  # override ssodh/init's answer
        self.polls_until_authenticated = 0
        self.competing = False
        self.accounts_called = False
        self.portfolio_accounts_called = False
        self.calls: list[str] = []
        self.bodies: dict[str, bytes] = {}
        self.headers: dict[str, httpx.Headers] = {}
        self.barrier: tuple[int, asyncio.Event] | None = None
        self._arrived = 0
        self._polls = 0

    def count(self, call: str) -> int:
        return Counter(self.calls)[call]

    def _status(self) -> dict[str, bool]:
        return {"authenticated": self.authenticated, "competing": self.competing, "connected": True}

    async def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1/api")
        call = f"{request.method} {path}"
        self.calls.append(call)
        self.bodies[call] = request.content
        self.headers[call] = request.headers
        if path == "/iserver/auth/ssodh/init":
            if self.init_answer is not None:
                return self.init_answer
            self._polls = 0
            if self.polls_until_authenticated == 0 and not self.competing:
                self.authenticated = True
            return httpx.Response(200, json=self._status())
        if path == "/iserver/auth/status":
            self._polls += 1
            if not self.competing and self._polls >= self.polls_until_authenticated:
                self.authenticated = True
            return httpx.Response(200, json=self._status())
        if path == "/tickle":
            return httpx.Response(200, json={"session": "abc"})
        authenticated = self.authenticated  # as it was when the request arrived
        if self.barrier is not None:  # hold requests until `n` have arrived
            n, event = self.barrier
            self._arrived += 1
            if self._arrived >= n:
                event.set()
            await event.wait()
        if not authenticated:
            if self.unauthenticated_answer == "no bridge":
                return httpx.Response(400, json={"error": "no bridge", "statusCode": 400})
            return httpx.Response(401, json={"error": "not authenticated", "statusCode": 401})
        if path == "/iserver/accounts":
            self.accounts_called = True
            return httpx.Response(200, json={"accounts": ["U1234567"]})
        if path in ("/portfolio/accounts", "/portfolio/subaccounts"):
            self.portfolio_accounts_called = True
            return httpx.Response(200, json=[{"id": "U1234567"}])
        needs_accounts = path == "/iserver/marketdata/snapshot" or "/order" in path
        if needs_accounts and not self.accounts_called:
            body = {"error": "Bad Request: Please query /accounts first", "statusCode": 400}
            return httpx.Response(400, json=body)
        if path.startswith("/portfolio/") and not self.portfolio_accounts_called:
            body = {"error": "Please query /portfolio/accounts or /portfolio/subaccounts first"}
            return httpx.Response(400, json=body)
        return httpx.Response(200, json={"ok": path})

    def drop_session(self) -> None:
        self.authenticated = False
        self.accounts_called = False
        self.portfolio_accounts_called = False


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _stack(
    gateway: FakeGateway, fake: FakeTime | None = None, **options: object
) -> tuple[httpx.AsyncClient, SessionTransport]:
    fake = fake or FakeTime()
    session = SessionTransport(
        httpx.MockTransport(gateway.handler),
        base_url=BASE,
        sleep=fake.sleep,
        clock=fake.clock,
        **options,  # type: ignore[arg-type]
    )
    return httpx.AsyncClient(base_url=BASE, transport=session), session


async def test_401_with_20_concurrent_requests_shares_one_ssodh_init() -> None:
    gateway = FakeGateway()
    client, session = _stack(gateway)
    async with client:
        assert (await client.get("/iserver/contract/265598/info")).status_code == 200
        gateway.drop_session()
        gateway.barrier = (20, asyncio.Event())
        responses = await asyncio.gather(
            *(client.get(f"/iserver/contract/{i}/info") for i in range(20))
        )
    assert [r.status_code for r in responses] == [200] * 20
    assert all(gateway.count(f"GET /iserver/contract/{i}/info") == 2 for i in range(20))
    assert gateway.count("POST /iserver/auth/ssodh/init") == 1
    assert session.recoveries == 1 and session.last_recovery_error is None
    assert json.loads(gateway.bodies["POST /iserver/auth/ssodh/init"]) == {
        "publish": True,
        "compete": True,
    }
    assert all(r.extensions.get("ibkr_session_recovered") for r in responses)


async def test_recovery_polls_auth_status_until_authenticated() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    gateway.polls_until_authenticated = 3
    fake = FakeTime()
    client, _ = _stack(gateway, fake, poll_interval=0.5, compete=False)
    async with client:
        response = await client.get("/iserver/contract/1/info")
    assert response.status_code == 200
    assert gateway.count("POST /iserver/auth/status") == 3
    assert fake.sleeps == [0.5, 0.5, 0.5]
    assert json.loads(gateway.bodies["POST /iserver/auth/status"]) == {}
    assert json.loads(gateway.bodies["POST /iserver/auth/ssodh/init"])["compete"] is False


async def test_no_bridge_is_recovered() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    gateway.unauthenticated_answer = "no bridge"
    client, _ = _stack(gateway)
    async with client:
        response = await client.get("/iserver/contract/1/info")
    assert response.status_code == 200 and response.json() == {"ok": "/iserver/contract/1/info"}
    assert gateway.count("POST /iserver/auth/ssodh/init") == 1
    assert gateway.count("GET /iserver/contract/1/info") == 2


async def test_unrecoverable_401_returns_original_response_and_records_why() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    gateway.init_answer = httpx.Response(401, json={"error": "not authenticated"})
    client, session = _stack(gateway)
    async with client:
        response = await client.get("/iserver/contract/1/info")
    assert response.status_code == 401
    assert response.json() == {"error": "not authenticated", "statusCode": 401}
    assert session.last_recovery_error is not None
    assert "log in to the gateway at https://localhost:5000" in session.last_recovery_error
    assert gateway.count("GET /iserver/contract/1/info") == 1  # not resent
    exc = errors.error_from_response(response)
    assert isinstance(exc, errors.AuthenticationError)
    assert "Session recovery failed" in exc.message


async def test_recovery_gives_up_after_reauth_timeout() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    gateway.polls_until_authenticated = 1000
    fake = FakeTime()
    client, session = _stack(gateway, fake, reauth_timeout=5.0, poll_interval=1.0)
    async with client:
        response = await client.get("/iserver/contract/1/info")
    assert response.status_code == 401
    assert sum(fake.sleeps) <= 5.0
    assert session.last_recovery_error is not None
    assert "not authenticated within 5 s" in session.last_recovery_error


async def test_persistent_competing_session_stops_recovery() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    gateway.competing = True
    client, session = _stack(gateway, reauth_timeout=60.0, competing_polls=3)
    async with client:
        response = await client.get("/iserver/contract/1/info")
    assert response.status_code == 401
    assert gateway.count("POST /iserver/auth/status") == 2  # init + 2 polls = 3 competing answers
    assert session.last_recovery_error is not None and "competing" in session.last_recovery_error


async def test_auth_endpoints_are_not_recovered() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "not authenticated"})

    session = SessionTransport(httpx.MockTransport(handler), base_url=BASE)
    async with httpx.AsyncClient(base_url=BASE, transport=session) as client:
        response = await client.post("/iserver/auth/status")
    assert response.status_code == 401 and session.recoveries == 0


async def test_recovery_can_be_disabled() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    client, _ = _stack(gateway, enabled=False)
    async with client:
        response = await client.get("/iserver/contract/1/info")
    assert response.status_code == 401
    assert gateway.count("POST /iserver/auth/ssodh/init") == 0


async def test_ensure_authenticated_reopens_once_for_concurrent_callers() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    gateway.polls_until_authenticated = 2
    client, session = _stack(gateway)
    async with client:
        results = await asyncio.gather(*(session.ensure_authenticated() for _ in range(5)))
    assert results == [True] * 5
    assert gateway.count("POST /iserver/auth/ssodh/init") == 1


async def test_session_calls_carry_the_triggering_requests_headers() -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    client, _ = _stack(gateway)
    async with client:
        await client.get("/iserver/contract/1/info", headers={"Authorization": "Bearer T1"})
    assert gateway.headers["POST /iserver/auth/ssodh/init"]["authorization"] == "Bearer T1"


async def test_accounts_called_once_before_first_snapshot_and_orders() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.get("/iserver/marketdata/snapshot", params={"conids": "265598"})
        await client.get("/iserver/marketdata/snapshot", params={"conids": "265598"})
        await client.get("/iserver/account/orders")
        await client.post("/iserver/account/U1234567/orders", json={"orders": []})
    assert gateway.calls == [
        "GET /iserver/accounts",
        "GET /iserver/marketdata/snapshot",
        "GET /iserver/marketdata/snapshot",
        "GET /iserver/account/orders",
        "POST /iserver/account/U1234567/orders",
    ]


async def test_portfolio_accounts_called_once_before_first_portfolio_call() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.get("/portfolio/U1234567/positions/0")
        await client.get("/portfolio/U1234567/summary")
    assert gateway.calls == [
        "GET /portfolio/accounts",
        "GET /portfolio/U1234567/positions/0",
        "GET /portfolio/U1234567/summary",
    ]


async def test_own_accounts_call_satisfies_the_prerequisite() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.get("/portfolio/accounts")
        await client.get("/iserver/accounts")
        await client.get("/portfolio/U1234567/summary")
        await client.get("/iserver/marketdata/snapshot")
    assert gateway.count("GET /portfolio/accounts") == 1
    assert gateway.count("GET /iserver/accounts") == 1


async def test_concurrent_first_calls_share_one_prerequisite_call() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        responses = await asyncio.gather(
            *(client.get("/iserver/marketdata/snapshot", params={"conids": i}) for i in range(10)),
            *(client.get(f"/portfolio/U1234567/positions/{i}") for i in range(10)),
        )
    assert [r.status_code for r in responses] == [200] * 20
    assert gateway.count("GET /iserver/accounts") == 1
    assert gateway.count("GET /portfolio/accounts") == 1


async def test_prerequisites_made_again_after_reauth() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.get("/iserver/marketdata/snapshot")
        gateway.drop_session()
        response = await client.get("/iserver/marketdata/snapshot")
    assert response.status_code == 200
    assert gateway.count("GET /iserver/accounts") == 2
    assert gateway.calls.index("POST /iserver/auth/ssodh/init") < len(gateway.calls) - 2
    assert gateway.calls[-2:] == ["GET /iserver/accounts", "GET /iserver/marketdata/snapshot"]


async def test_query_accounts_first_answer_triggers_the_call_and_one_retry() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.get("/iserver/marketdata/snapshot")
        gateway.accounts_called = False  # the gateway forgot, without a 401
        response = await client.get("/iserver/marketdata/snapshot")
    assert response.status_code == 200
    assert gateway.calls[-3:] == [
        "GET /iserver/marketdata/snapshot",
        "GET /iserver/accounts",
        "GET /iserver/marketdata/snapshot",
    ]


async def test_portfolio_wording_of_the_prerequisite_answer_is_recognised_too() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.get("/portfolio/U1234567/summary")
        gateway.portfolio_accounts_called = (
            False  # forgotten: "Please query /portfolio/accounts ..."
        )
        response = await client.get("/portfolio/U1234567/summary")
    assert response.status_code == 200
    assert gateway.calls[-3:] == [
        "GET /portfolio/U1234567/summary",
        "GET /portfolio/accounts",
        "GET /portfolio/U1234567/summary",
    ]


async def test_prerequisites_can_be_turned_off() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway, prerequisites=())
    async with client:
        response = await client.get("/iserver/marketdata/snapshot")
    assert response.status_code == 400
    assert gateway.calls == ["GET /iserver/marketdata/snapshot"]


async def test_bodyless_post_gets_empty_json_object() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.post("/tickle")
        await client.post("/iserver/questions/suppress/reset")
    for call in ("POST /tickle", "POST /iserver/questions/suppress/reset"):
        assert gateway.bodies[call] == b"{}"
        assert gateway.headers[call]["content-type"] == "application/json"
        assert gateway.headers[call]["content-length"] == "2"


async def test_post_with_body_is_untouched() -> None:
    gateway = FakeGateway()
    client, _ = _stack(gateway)
    async with client:
        await client.post("/iserver/secdef/search", json={"symbol": "IBM"})
    assert gateway.bodies["POST /iserver/secdef/search"] == b'{"symbol":"IBM"}'


@pytest.mark.parametrize("answer", ["401", "no bridge"])
async def test_post_body_is_resent_after_recovery(answer: str) -> None:
    gateway = FakeGateway()
    gateway.drop_session()
    gateway.accounts_called = True
    gateway.unauthenticated_answer = answer
    client, _ = _stack(gateway, prerequisites=())
    async with client:
        response = await client.post("/iserver/account/U1/orders", json={"orders": [{"conid": 1}]})
    assert response.status_code == 200
    assert gateway.count("POST /iserver/account/U1/orders") == 2
    assert json.loads(gateway.bodies["POST /iserver/account/U1/orders"]) == {
        "orders": [{"conid": 1}]
    }
