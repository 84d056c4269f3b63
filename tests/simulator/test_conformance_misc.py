"""Scanner, watchlists, alerts, FYI notifications, sessions, OAuth and the websocket upgrade: every
operation of those generated modules, answered by the simulator, conforms to the resolved spec."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import httpx
import websockets

from ibkr_webapi import PriceCondition
from ibkr_webapi.auth.oauth1_signing import (
    dh_challenge,
    live_session_token,
    live_session_token_signature,
    prepend_of,
)
from ibkr_webapi.testing import (
    GatewaySimulator,
    OAuth1Settings,
    SimulatorConfig,
    serve_gateway,
    write_oauth1_credentials,
)
from tests.oauth.helpers import ConsumerSigner

from .helpers import AAPL, ACCOUNT, IBM, prime
from .test_conformance import SPEC, Recorder, _template_for, operations_of

MODULES = (
    "scanner",
    "watchlists",
    "alerts",
    "notifications",
    "sessions",
    "oauth",
    "streaming",
)


def _declared_without_body(method: str, template: str, status: int) -> bool:
    answer = SPEC["paths"][template][method]["responses"].get(str(status))
    return answer is not None and "content" not in answer


async def _check_empty(rec: Recorder, method: str, path: str) -> None:
    """An operation whose answer has no body: its status must be declared without content."""
    response = await rec.http.request(method.upper(), path)
    template = _template_for(path, method)
    assert response.content == b"", f"{method.upper()} {path} answered a body"
    assert _declared_without_body(method, template, response.status_code), (
        f"{method.upper()} {path} answered {response.status_code}, not declared without a body"
    )
    rec.covered.add((method, template))


async def _scanner(rec: Recorder) -> None:
    params = await rec.check("get", "/iserver/scanner/params")
    codes = {scan["code"] for scan in params["scan_type_list"]}
    assert "TOP_PERC_GAIN" in codes
    body = {
        "instrument": "STK",
        "type": "TOP_PERC_GAIN",
        "location": "STK.US.MAJOR",
        "filter": [{"code": "priceAbove", "value": 1}],
    }
    found = await rec.check("post", "/iserver/scanner/run", json=body)
    assert found["contracts"], "a scan of the US majors finds something"


async def _watchlists(rec: Recorder) -> None:
    body = {"id": "9001", "name": "Tech", "rows": [{"C": AAPL}, {"C": IBM}, {"H": "Hardware"}]}
    created = await rec.check("post", "/iserver/watchlist", json=body)
    assert str(created["id"]) == "9001"
    listed = await rec.check("get", "/iserver/watchlists", params={"SC": "USER_WATCHLIST"})
    assert "9001" in {str(item["id"]) for item in listed["data"]["user_lists"]}
    await rec.check("get", "/iserver/watchlists")
    one = await rec.check("get", "/iserver/watchlist", params={"id": "9001"})
    assert [row.get("conid") for row in one["instruments"] if "conid" in row] == [AAPL, IBM]
    assert {"H": "Hardware"} in one["instruments"]
    deleted = await rec.check("delete", "/iserver/watchlist", params={"id": "9001"})
    assert str(deleted["data"]["deleted"]) == "9001"


async def _alerts(rec: Recorder, sim: GatewaySimulator) -> int:
    condition = PriceCondition(conid=AAPL, operator=">=", price=1.0).to_wire("n").to_dict()
    body = {
        "alertName": "AAPL above 1",
        "alertMessage": "AAPL is above 1",
        "alertRepeatable": 0,
        "outsideRth": 1,
        "tif": "GTC",
        "conditions": [condition],
    }
    created = await rec.check("post", f"/iserver/account/{ACCOUNT}/alert", json=body)
    alert_id = int(created["order_id"])
    listed = await rec.check("get", f"/iserver/account/{ACCOUNT}/alerts")
    assert alert_id in {int(item["order_id"]) for item in listed}
    await rec.check("get", f"/iserver/account/alert/{alert_id}", params={"type": "Q"})
    await rec.check("get", "/iserver/account/mta")
    for active in (0, 1):
        await rec.check(
            "post",
            f"/iserver/account/{ACCOUNT}/alert/activate",
            json={"alertId": alert_id, "alertActive": active},
        )
    assert sim.trigger_alert(alert_id) is not None  # an FYI for the notification routes
    second = await rec.check("post", f"/iserver/account/{ACCOUNT}/alert", json=body)
    await rec.check("delete", f"/iserver/account/{ACCOUNT}/alert/{second['order_id']}", json={})
    return alert_id


async def _notifications(rec: Recorder, sim: GatewaySimulator) -> None:
    sim.notify("PF", "Portfolio update", "Your portfolio moved")
    unread = await rec.check("get", "/fyi/unreadnumber")
    assert unread["BN"] >= 2
    page = await rec.check("get", "/fyi/notifications", params={"max": 10})
    assert len(page) >= 2
    # D (left undeclared in the spec: see the overlay) is epoch seconds as text
    assert all(re.fullmatch(r"[0-9]{10}(\.[0-9]+)?", note["D"]) for note in page)
    await rec.check("get", "/fyi/notifications", params={"max": 1, "include": "PF"})
    await rec.check("put", f"/fyi/notifications/{page[0]['ID']}")
    assert (await rec.check("get", "/fyi/unreadnumber"))["BN"] == unread["BN"] - 1
    settings = await rec.check("get", "/fyi/settings")
    code = settings[0]["FC"]
    await rec.check("post", f"/fyi/settings/{code}", json={"enabled": False})
    await rec.check("post", f"/fyi/settings/{code}", json={"enabled": True})
    await rec.check("get", f"/fyi/disclaimer/{code}")
    await rec.check("put", f"/fyi/disclaimer/{code}")
    await rec.check("get", "/fyi/deliveryoptions")
    await rec.check("put", "/fyi/deliveryoptions/email", params={"enabled": "true"})
    device = {"deviceName": "Phone", "deviceId": "dev-1", "uiName": "My phone", "enabled": True}
    await rec.check("post", "/fyi/deliveryoptions/device", json=device)
    options = await rec.check("get", "/fyi/deliveryoptions")
    assert {"NM": "Phone", "I": "dev-1", "UI": "My phone", "A": 1} in options["E"]
    await _check_empty(rec, "delete", "/fyi/deliveryoptions/dev-1")


async def _gateway_operations() -> set[tuple[str, str]]:
    sim = GatewaySimulator(SimulatorConfig(rate_limits=False, positions={ACCOUNT: 5}))
    async with sim.client() as http:
        rec = Recorder(http)
        await rec.check("post", "/iserver/auth/status", json={})
        await rec.check("post", "/tickle", json={})
        await rec.check("get", "/sso/validate")
        await rec.check("post", "/iserver/reauthenticate", json={})
        await rec.check("post", "/iserver/auth/ssodh/init", json={"publish": True, "compete": True})
        await prime(http)
        await _scanner(rec)
        await _watchlists(rec)
        alert_id = await _alerts(rec, sim)
        await _notifications(rec, sim)
        assert alert_id in sim.alerts.alerts  # alerts live for the session
        await rec.check("post", "/logout", json={})
    return rec.covered


async def _oauth_operations(directory: Path) -> set[tuple[str, str]]:
    consumer = write_oauth1_credentials(directory, consumer_key="CONFCONSR", key_size=1024)
    sim = GatewaySimulator(
        SimulatorConfig(rate_limits=False, oauth1=OAuth1Settings(consumers=(consumer,)))
    )
    signer = ConsumerSigner(directory, consumer.consumer_key)
    base = "https://localhost:5000/v1/api"
    headers = {"User-Agent": "conformance"}
    async with sim.client(base_url=base, headers=headers) as http:
        rec = Recorder(http)
        url = f"{base}/oauth/request_token"
        answer = await rec.check(
            "post",
            "/oauth/request_token",
            headers={"Authorization": signer.header(url, oauth_callback="oob")},
        )
        assert sim.oauth is not None
        verifier = sim.oauth.tokens.authorize(answer["oauth_token"])
        url = f"{base}/oauth/access_token"
        header = signer.header(url, oauth_token=answer["oauth_token"], oauth_verifier=verifier)
        access = await rec.check("post", "/oauth/access_token", headers={"Authorization": header})
        assert access["oauth_token"] == consumer.access_token
        secret = signer.secret(access["oauth_token_secret"])
        assert secret == consumer.secret

        a = secrets.randbits(256) | 2
        url = f"{base}/oauth/live_session_token"
        header = signer.header(
            url,
            prepend=prepend_of(secret),
            oauth_token=access["oauth_token"],
            diffie_hellman_challenge=dh_challenge(a, consumer.dh_prime),
        )
        live = await rec.check(
            "post", "/oauth/live_session_token", headers={"Authorization": header}
        )
        token = live_session_token(live["diffie_hellman_response"], a, consumer.dh_prime, secret)
        assert (
            live_session_token_signature(token, consumer.consumer_key)
            == (live["live_session_token_signature"])
        )
    return rec.covered


async def _websocket_upgrade() -> set[tuple[str, str]]:
    """``GET /ws`` is answered 101 (declared without a body) once the ``api`` cookie is the
    session's: over loopback TLS with a real websocket client."""
    async with serve_gateway(SimulatorConfig(rate_limits=False)) as server:
        async with httpx.AsyncClient(base_url=server.url, verify=server.ssl_context()) as http:
            session = (await http.post("/tickle", json={})).json()["session"]
        url = server.url.replace("https://", "wss://") + "/ws"
        async with websockets.connect(
            url, ssl=server.ssl_context(), additional_headers={"Cookie": f"api={session}"}
        ) as socket:
            status = socket.response.status_code if socket.response else None
        assert status == 101 and _declared_without_body("get", "/ws", 101)
    return {("get", "/ws")}


async def test_every_scanner_watchlist_alert_fyi_session_oauth_and_streaming_operation_conforms(
    tmp_path: Path,
) -> None:
    covered = await _gateway_operations()
    covered |= await _oauth_operations(tmp_path)
    covered |= await _websocket_upgrade()
    expected = operations_of(MODULES)
    assert len(expected) >= 33, sorted(expected)
    assert expected - covered == set(), "operations without a conformance check"


async def test_refusals_of_these_operations_conform_to_the_error_schema() -> None:
    sim = GatewaySimulator(SimulatorConfig(rate_limits=False))
    async with sim.client() as http:
        rec = Recorder(http)
        await prime(http)
        await rec.check("get", "/iserver/watchlist")  # no id: 400
        await rec.check("get", "/iserver/account/alert/123", params={"type": "Q"})  # unknown
        await rec.check("post", f"/iserver/account/{ACCOUNT}/alert", json={})
        bad_scan = {"instrument": "STK", "type": "NO_SUCH_SCAN", "location": "STK.US.MAJOR"}
        await rec.check("post", "/iserver/scanner/run", json=bad_scan)
        sim.logout()
        body = await rec.check("get", "/fyi/unreadnumber")
        assert body["statusCode"] == 401
