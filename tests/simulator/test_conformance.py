"""The simulator's answers conform to our resolved spec (seed + overlay), operation by operation."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from openapi_python_client.strings import snake_case

from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig
from tools.specbuild.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, resolve_spec

from .helpers import AAPL, ACCOUNT, IBM, prime

SPEC = resolve_spec(DEFAULT_SPEC, DEFAULT_OVERLAY).spec
HERE = Path(__file__).parent
METHODS = {"get", "post", "put", "delete", "patch"}
GENERATED = Path(__file__).resolve().parents[2] / "ibkr_webapi_client" / "api"


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    # Refs in the spec point at "#/components/...": give the schema the spec's components as its root.
    return jsonschema.Draft202012Validator({**schema, "components": SPEC["components"]})


def _response_schema(method: str, template: str, status: int) -> dict[str, Any]:
    responses = SPEC["paths"][template][method]["responses"]
    answer = responses.get(str(status))
    assert answer is not None, (
        f"{method.upper()} {template} answered {status}, which the spec does not declare"
    )
    schema: dict[str, Any] = answer["content"]["application/json"]["schema"]
    return schema


def _template_for(path: str, method: str) -> str:
    for template, item in SPEC["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if method in item and re.match(pattern, path):
            return template
    raise AssertionError(f"{method.upper()} {path} is not in the spec")


class Recorder:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.covered: set[tuple[str, str]] = set()

    async def check(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method.upper(), path, **kwargs)
        template = _template_for(path, method)
        body = response.json()
        errors = sorted(
            _validator(_response_schema(method, template, response.status_code)).iter_errors(body),
            key=str,
        )
        assert not errors, (
            f"{method.upper()} {path}: {errors[0].message} at {list(errors[0].absolute_path)}"
        )
        self.covered.add((method, template))
        return body


@pytest.fixture
async def recorder() -> Any:
    sim = GatewaySimulator(
        SimulatorConfig(rate_limits=False, positions={ACCOUNT: 150, "U7654321": 2})
    )
    async with sim.client() as http:
        yield Recorder(http), sim


async def test_every_operation_in_the_spec_answers_a_conforming_body(recorder: Any) -> None:
    rec, sim = recorder
    await rec.check("post", "/iserver/auth/status", json={})
    await rec.check("post", "/tickle", json={})
    await rec.check("get", "/sso/validate")
    await rec.check("post", "/iserver/reauthenticate", json={})
    await rec.check("post", "/iserver/auth/ssodh/init", json={"publish": True, "compete": True})
    await prime(rec.http)
    await rec.check("get", "/iserver/accounts")
    await rec.check("get", "/portfolio/accounts")
    await rec.check("get", f"/portfolio/{ACCOUNT}/positions/0")
    await rec.check(
        "get", f"/portfolio/{ACCOUNT}/positions/1", params={"sort": "name", "direction": "a"}
    )
    await rec.check("get", f"/portfolio/{ACCOUNT}/position/{AAPL}")
    await rec.check("get", f"/portfolio/{ACCOUNT}/summary")
    await rec.check("get", f"/portfolio/{ACCOUNT}/ledger")
    await rec.check("get", "/iserver/account/pnl/partitioned")
    for _ in range(3):  # pre-flight, then data
        await rec.check(
            "get",
            "/iserver/marketdata/snapshot",
            params={"conids": f"{AAPL},{IBM}", "fields": "31,84,86,87,88,7059,6509"},
        )
    await rec.check(
        "get", "/iserver/marketdata/history", params={"conid": AAPL, "period": "1d", "bar": "5min"}
    )
    await rec.check("get", "/hmds/history", params={"conid": AAPL, "period": "1d", "bar": "1h"})
    await rec.check("get", "/md/regsnapshot", params={"conid": AAPL})  # charged at IBKR
    await rec.check("post", "/iserver/marketdata/unsubscribe", json={"conid": AAPL})
    await rec.check("get", "/iserver/marketdata/unsubscribeall")
    await rec.check("post", "/iserver/secdef/search", json={"symbol": "IBM", "secType": "STK"})
    await rec.check("get", "/iserver/secdef/info", params={"conid": AAPL, "sectype": "STK"})
    await rec.check("get", f"/iserver/contract/{AAPL}/info")

    order = {
        "conid": AAPL,
        "orderType": "MKT",
        "side": "BUY",
        "tif": "DAY",
        "quantity": 1,
        "cOID": "conf-1",
    }
    await rec.check("post", f"/iserver/account/{ACCOUNT}/orders/whatif", json={"orders": [order]})
    answer = await rec.check("post", f"/iserver/account/{ACCOUNT}/orders", json={"orders": [order]})
    while isinstance(answer, list) and "id" in answer[0]:
        answer = await rec.check(
            "post", f"/iserver/reply/{answer[0]['id']}", json={"confirmed": True}
        )
    order_id = answer[0]["order_id"]
    await rec.check("get", f"/iserver/account/order/status/{order_id}")
    await rec.check("get", "/iserver/account/orders")
    await rec.check("get", "/iserver/account/orders", params={"force": "true"})
    sim.advance(1.0)  # the market order fills
    trades = await rec.check("get", "/iserver/account/trades", params={"days": 1})
    assert [t["order_ref"] for t in trades] == ["conf-1"]
    limit = {
        **order,
        "orderType": "LMT",
        "price": round(sim.quote(AAPL).last * 0.9, 2),
        "cOID": "conf-2",
    }
    answer = await rec.check("post", f"/iserver/account/{ACCOUNT}/orders", json={"orders": [limit]})
    while isinstance(answer, list) and "id" in answer[0]:
        answer = await rec.check(
            "post", f"/iserver/reply/{answer[0]['id']}", json={"confirmed": True}
        )
    limit_id = answer[0]["order_id"]
    await rec.check(
        "post",
        f"/iserver/account/{ACCOUNT}/order/{limit_id}",
        json={**limit, "price": limit["price"] - 1},
    )
    await rec.check("delete", f"/iserver/account/{ACCOUNT}/order/{limit_id}")
    await rec.check("post", "/iserver/questions/suppress", json={"messageIds": ["o163"]})
    await rec.check("post", "/iserver/questions/suppress/reset", json={})
    await rec.check("post", "/logout", json={})

    # Every operation of the modules no test_conformance_<area>.py owns must be checked here.
    assert operations_of(MODULES) - rec.covered == set(), "operations without a conformance check"


def _area_modules() -> dict[str, tuple[str, ...]]:
    """The generated modules each ``test_conformance_<area>.py`` owns (its ``MODULES``): that file
    checks every operation of them and asserts it did."""
    owned: dict[str, tuple[str, ...]] = {}
    for path in sorted(HERE.glob("test_conformance_*.py")):
        area = importlib.import_module(f"{__package__}.{path.stem}")
        owned[path.stem] = tuple(area.MODULES)
    return owned


def _generated_modules() -> set[str]:
    return {p.name for p in GENERATED.iterdir() if p.is_dir() and not p.name.startswith("__")}


def operations_of(modules: Iterable[str], more: Iterable[str] = ()) -> set[tuple[str, str]]:
    """Every (method, path template) of the generated operations in ``modules``, plus the
    operations named in ``more`` (snake_case operation ids)."""
    names = {p.stem for m in modules for p in (GENERATED / m).glob("*.py")} - {"__init__"}
    names |= set(more)
    return {
        (m, t)
        for t, item in SPEC["paths"].items()
        for m, op in item.items()
        if m in METHODS and snake_case(op["operationId"]) in names
    }


# The generated modules this file checks in full; every other module belongs to one area file.
MODULES = ("market_data",)


def test_every_generated_operation_has_exactly_one_conformance_file() -> None:
    owners = _area_modules()
    owners["test_conformance"] = MODULES
    claimed = [module for modules in owners.values() for module in modules]
    assert len(claimed) == len(set(claimed)), f"a module claimed twice: {owners}"
    assert set(claimed) == _generated_modules(), "a generated module without a conformance file"
    operations = operations_of(_generated_modules())
    assert len(operations) == 118  # 111 of IBKR's trading operations + 7 live ones it omits
    print(f"conformance: {len(operations)} operations in {len(claimed)} modules, all checked")


async def test_error_answers_conform_to_the_error_schema(recorder: Any) -> None:
    rec, sim = recorder
    await rec.check(
        "get", "/iserver/marketdata/snapshot", params={"conids": str(AAPL)}
    )  # accounts first: 400
    sim.logout()
    body = await rec.check("get", "/iserver/accounts")  # 401
    assert body["statusCode"] == 401


async def test_rejection_and_question_bodies_conform(recorder: Any) -> None:
    rec, sim = recorder
    await prime(rec.http)
    far = {
        "conid": AAPL,
        "orderType": "LMT",
        "side": "BUY",
        "tif": "DAY",
        "quantity": 1,
        "price": round(sim.quote(AAPL).last * 3, 2),
    }
    answer = await rec.check("post", f"/iserver/account/{ACCOUNT}/orders", json={"orders": [far]})
    assert isinstance(answer, dict) and "error" in answer
    answer = await rec.check("post", "/iserver/reply/no-such-id", json={"confirmed": True})
    assert json.dumps(answer)
