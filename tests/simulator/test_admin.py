"""Control routes under /_sim, for steering a simulator from another process."""

from __future__ import annotations

import httpx

from ibkr_webapi.testing import GatewaySimulator

from .helpers import AAPL, ACCOUNT, prime

ADMIN = "http://localhost:5000/_sim"


async def test_state_describes_the_simulator(client: httpx.AsyncClient) -> None:
    state = (await client.get(f"{ADMIN}/state")).json()
    assert state["session"]["brokerage"] == "open"
    assert state["accounts"][ACCOUNT]["positions"] == 12


async def test_expire_and_login_routes(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{ADMIN}/session/expire")).json()["session"]["brokerage"] == "lost"
    assert (await client.get("/iserver/accounts")).status_code == 401
    await client.post(f"{ADMIN}/session/logout")
    assert (await client.get("/portfolio/accounts")).status_code == 401
    await client.post(f"{ADMIN}/session/login", json={"brokerage": True})
    assert (await client.get("/iserver/accounts")).status_code == 200


async def test_drop_bridge_and_competing_routes(client: httpx.AsyncClient) -> None:
    await client.post(f"{ADMIN}/session/drop-bridge")
    assert "no bridge" in (await client.get("/iserver/accounts")).json()["error"]
    await client.post(f"{ADMIN}/session/competing", json={"competing": True})
    assert (await client.post("/iserver/auth/status", json={})).json()["competing"] is True


async def test_clock_advance_route(sim: GatewaySimulator, client: httpx.AsyncClient) -> None:
    before = sim.now()
    await client.post(f"{ADMIN}/clock/advance", json={"seconds": 400})
    assert sim.now() == before + 400
    assert (await client.get("/iserver/accounts")).status_code == 401
    assert (await client.post(f"{ADMIN}/clock/advance", json={"seconds": "x"})).status_code == 400


async def test_fault_routes(client: httpx.AsyncClient) -> None:
    body = (
        await client.put(
            f"{ADMIN}/faults", json={"error_rates": {"502": 1.0}, "paths": ["/tickle"]}
        )
    ).json()
    assert body["faults"]["error_rates"] == {"502": 1.0}
    assert (await client.post("/tickle", json={})).status_code == 502
    assert (await client.post("/iserver/auth/status", json={})).status_code == 200
    await client.delete(f"{ADMIN}/faults")
    assert (await client.post("/tickle", json={})).status_code == 200
    await client.post(f"{ADMIN}/faults/next", json={"status": 500, "count": 1})
    assert (await client.post("/tickle", json={})).status_code == 500
    assert (await client.put(f"{ADMIN}/faults", json={"bogus": 1})).status_code == 400


async def test_positions_route(client: httpx.AsyncClient) -> None:
    await client.post(f"{ADMIN}/positions", json={"account": ACCOUNT, "count": 225})
    await client.post(
        f"{ADMIN}/positions",
        json={"account": ACCOUNT, "conid": AAPL, "quantity": 7, "avgCost": 100},
    )
    await prime(client)
    assert len((await client.get(f"/portfolio/{ACCOUNT}/positions/2")).json()) == 37
    assert (await client.get(f"/portfolio/{ACCOUNT}/position/{AAPL}")).json()[0]["position"] == 7


async def test_fill_route(sim: GatewaySimulator, client: httpx.AsyncClient) -> None:
    await prime(client)
    order = {
        "conid": AAPL,
        "orderType": "LMT",
        "side": "BUY",
        "quantity": 1,
        "price": round(sim.quote(AAPL).last * 0.98, 2),
    }
    order_id = (
        await client.post(f"/iserver/account/{ACCOUNT}/orders", json={"orders": [order]})
    ).json()[0]["order_id"]
    filled = (await client.post(f"{ADMIN}/orders/{order_id}/fill", json={"price": 150.0})).json()
    assert filled == {"order_id": int(order_id), "status": "Filled", "price": 150.0}
    assert (await client.post(f"{ADMIN}/orders/{order_id}/fill", json={})).status_code == 400


async def test_contract_routes(client: httpx.AsyncClient) -> None:
    await client.post(f"{ADMIN}/contracts/{AAPL}/trading-state", json={"state": "halted"})
    assert (await client.get(f"{ADMIN}/contracts/{AAPL}/quote")).json()["state"] == "halted"
    assert (
        await client.post(f"{ADMIN}/contracts/1/trading-state", json={"state": "halted"})
    ).status_code == 400


async def test_reset_route(sim: GatewaySimulator, client: httpx.AsyncClient) -> None:
    await client.post(f"{ADMIN}/positions", json={"account": ACCOUNT, "count": 5})
    await client.post(f"{ADMIN}/session/logout")
    state = (await client.post(f"{ADMIN}/reset")).json()
    assert state["accounts"][ACCOUNT]["positions"] == 12 and state["session"]["logged_in"] is True


async def test_control_routes_can_be_switched_off() -> None:
    from ibkr_webapi.testing import SimulatorConfig

    sim = GatewaySimulator(SimulatorConfig(admin_routes=False))
    async with sim.client() as client:
        assert (await client.get(f"{ADMIN}/state")).status_code == 404


async def test_alert_trigger_and_notification_routes(client: httpx.AsyncClient) -> None:
    await prime(client)
    condition = {"conidex": f"{AAPL}@SMART", "type": 1, "operator": ">=", "value": "100000",
                 "triggerMethod": "0", "logicBind": "n"}  # fmt: skip
    body = {"alertName": "far", "alertMessage": "far away", "alertRepeatable": 0,
            "outsideRth": 1, "tif": "GTC", "conditions": [condition]}  # fmt: skip
    alert_id = (await client.post(f"/iserver/account/{ACCOUNT}/alert", json=body)).json()[
        "order_id"
    ]
    fired = (await client.post(f"{ADMIN}/alerts/{alert_id}/trigger")).json()
    assert fired["alert_id"] == alert_id and fired["notification"]
    assert (await client.post(f"{ADMIN}/alerts/999/trigger")).status_code == 400
    sent = await client.post(
        f"{ADMIN}/notifications", json={"type_code": "PF", "title": "Hi", "body": "there"}
    )
    listed = (await client.get("/fyi/notifications", params={"max": 10})).json()
    assert [n["ID"] for n in listed[:2]] == [sent.json()["notification"], fired["notification"]]
    assert listed[0]["MS"] == "Hi" and listed[1]["MS"] == "Alert triggered: far"
    bad = await client.post(f"{ADMIN}/notifications", json={"type_code": "PF", "title": ""})
    assert bad.status_code == 400
