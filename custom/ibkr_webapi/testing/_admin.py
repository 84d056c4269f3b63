"""Control routes under /_sim, so tests and the command line can steer a running simulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ._faults import Faults, lost_answer, session_reset
from ._simulator import SimulatorState

Action = Callable[[SimulatorState, dict[str, Any], Request], Any]


class AdminError(ValueError):
    """A control request that cannot be carried out."""


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise AdminError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise AdminError("the body must be a JSON object")
    return data


def _route(path: str, method: str, sim: SimulatorState, action: Action) -> Route:
    async def endpoint(request: Request) -> Response:
        try:
            result = action(sim, await _body(request), request)
        except (AdminError, KeyError, ValueError, TypeError) as error:
            return JSONResponse({"error": str(error).strip("'\"")}, status_code=400)
        return JSONResponse(sim.state() if result is None else result)

    return Route(path, endpoint, methods=[method])


def _number(data: dict[str, Any], key: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise AdminError(f"'{key}' must be a number")
    return float(value)


def _int(data: dict[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise AdminError(f"'{key}' must be an integer")
    return value


def _path_int(request: Request, key: str) -> int:
    return int(request.path_params[key])


def _account(sim: SimulatorState, data: dict[str, Any]) -> str:
    return str(data.get("account") or sim.config.accounts[0])


def _state(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    return None


def _reset(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.reset()


def _expire(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.expire_session()


def _logout(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.logout()


def _login(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.login(open_brokerage=bool(data.get("brokerage", True)))


def _competing(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.set_competing(bool(data.get("competing", True)))


def _drop_bridge(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.drop_bridge()


def _get_faults(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    return {"faults": sim.faults.to_json(), "scheduled": sim.fault_injector.scheduled}


def _set_faults(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.set_faults(Faults.from_json(data))
    return _get_faults(sim, data, request)


def _clear_faults(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.clear_faults()
    return _get_faults(sim, data, request)


def _next_faults(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    count = _int(data, "count", 1)
    path = data.get("path")
    if path is not None and not isinstance(path, str):
        raise AdminError("'path' must be a glob string such as /iserver/*")
    if data.get("lose") is not None:
        reset = data.get("reset_session")
        try:
            sim.lose_next_answer(
                lost_answer(data["lose"]),
                status=_int(data, "status", 503),
                count=count,
                path=path,
                reset_session=None if reset is None else session_reset(reset),
            )
        except ValueError as exc:
            raise AdminError(str(exc)) from None
    elif data.get("drop"):
        sim.drop_next(count=count, path=path)
    else:
        sim.fail_next(_int(data, "status", 503), count=count, path=path)
    return _get_faults(sim, data, request)


def _release(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.release_penalty_box()


def _advance(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    sim.advance(_number(data, "seconds"))


def _positions(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    account = _account(sim, data)
    if "conid" in data:
        avg_cost = data.get("avgCost")
        sim.set_position(
            account,
            _int(data, "conid"),
            _number(data, "quantity"),
            None if avg_cost is None else _number(data, "avgCost"),
        )
    else:
        sim.add_positions(account, _int(data, "count"))


def _fill(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    price = data.get("price")
    order = sim.fill_order(
        _path_int(request, "order_id"), None if price is None else _number(data, "price")
    )
    return {"order_id": order.order_id, "status": order.status, "price": order.average_price}


def _trading_state(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    state = data.get("state")
    if state not in ("trading", "halted", "no_trade_today"):
        raise AdminError("'state' must be trading, halted or no_trade_today")
    sim.set_trading_state(_path_int(request, "conid"), state)


def _market_data(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    availability = data.get("availability")
    if availability is not None and not isinstance(availability, str):
        raise AdminError("'availability' must be a string such as RpB or NpB, or null")
    sim.set_market_data(_path_int(request, "conid"), availability)


def _quote(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    quote = sim.quote(_path_int(request, "conid"))
    return {
        "conid": quote.conid,
        "last": quote.last,
        "bid": quote.bid,
        "ask": quote.ask,
        "updated_ms": quote.updated_ms,
        "state": quote.state,
    }


def _trigger_alert(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    fyi = sim.trigger_alert(_path_int(request, "alert_id"))
    return {"alert_id": _path_int(request, "alert_id"), "notification": fyi.id if fyi else None}


def _notify(sim: SimulatorState, data: dict[str, Any], request: Request) -> Any:
    texts = [data.get(key) for key in ("type_code", "title", "body")]
    if not all(isinstance(text, str) and text for text in texts):
        raise AdminError("'type_code', 'title' and 'body' must be texts")
    fyi = sim.notify(*(str(text) for text in texts))
    return {"notification": fyi.id if fyi else None}


ADMIN_ACTIONS: tuple[tuple[str, str, Action], ...] = (
    ("/state", "GET", _state),
    ("/reset", "POST", _reset),
    ("/session/expire", "POST", _expire),
    ("/session/logout", "POST", _logout),
    ("/session/login", "POST", _login),
    ("/session/competing", "POST", _competing),
    ("/session/drop-bridge", "POST", _drop_bridge),
    ("/faults", "GET", _get_faults),
    ("/faults", "PUT", _set_faults),
    ("/faults", "DELETE", _clear_faults),
    ("/faults/next", "POST", _next_faults),
    ("/rate-limits/release", "POST", _release),
    ("/clock/advance", "POST", _advance),
    ("/positions", "POST", _positions),
    ("/orders/{order_id:int}/fill", "POST", _fill),
    ("/contracts/{conid:int}/trading-state", "POST", _trading_state),
    ("/contracts/{conid:int}/market-data", "POST", _market_data),
    ("/contracts/{conid:int}/quote", "GET", _quote),
    ("/alerts/{alert_id:int}/trigger", "POST", _trigger_alert),
    ("/notifications", "POST", _notify),
)


def admin_routes(sim: SimulatorState) -> list[BaseRoute]:
    """Routes to mount under /_sim."""
    return [_route(path, method, sim, action) for path, method, action in ADMIN_ACTIONS]
