"""Scanner routes: scanner parameters and runs."""

from __future__ import annotations

from typing import Any

from .._routing import ApiRoute, Call
from .._scanner import run_scan, scanner_parameters


async def parameters(call: Call) -> Any:
    return scanner_parameters()


async def run(call: Call) -> Any:
    sim = call.sim
    return run_scan(call.json_object(), sim.catalogue, sim.market, call.now)


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/iserver/scanner/params", parameters),
    ApiRoute("POST", "/iserver/scanner/run", run),
)
