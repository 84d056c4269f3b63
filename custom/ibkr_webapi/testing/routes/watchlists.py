"""Watchlist routes: list, read, create, delete (kept for the simulator's life)."""

from __future__ import annotations

from typing import Any

from .._errors import bad_request
from .._routing import ApiRoute, Call


def _id(call: Call) -> str:
    ident = call.query("id")
    if not ident:
        raise bad_request("id is required")
    return ident


async def list_watchlists(call: Call) -> Any:
    return call.sim.watchlists.summaries(call.query("SC"))


async def get_watchlist(call: Call) -> Any:
    return call.sim.watchlists.get(_id(call))


async def create_watchlist(call: Call) -> Any:
    return call.sim.watchlists.create(call.json_object(), call.now)


async def delete_watchlist(call: Call) -> Any:
    return call.sim.watchlists.delete(_id(call))


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/iserver/watchlists", list_watchlists),
    ApiRoute("GET", "/iserver/watchlist", get_watchlist),
    ApiRoute("POST", "/iserver/watchlist", create_watchlist),
    ApiRoute("DELETE", "/iserver/watchlist", delete_watchlist),
)
