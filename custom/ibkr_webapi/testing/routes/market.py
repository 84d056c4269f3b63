"""Market data routes: snapshots, unsubscribing, historical bars."""

from __future__ import annotations

import asyncio
from typing import Any

from .._errors import bad_request, too_many_requests
from .._history import BAR_SIZES, PERIOD_UNITS, HistoryRequest, history
from .._routing import ApiRoute, Call, iserver_route
from ._common import id_list, known_contract


async def snapshot(call: Call) -> Any:
    sim, config = call.sim, call.sim.config
    conid_texts = id_list(call.query("conids"))
    fields = id_list(call.query("fields"))
    if not conid_texts:
        raise bad_request("conids is required, e.g. conids=265598,8314")
    if len(conid_texts) > config.max_snapshot_conids:
        raise bad_request(f"at most {config.max_snapshot_conids} conids per request")
    if len(fields) > config.max_snapshot_fields:
        raise bad_request(f"at most {config.max_snapshot_fields} fields per request")
    try:
        conids = [int(text) for text in conid_texts]
    except ValueError:
        raise bad_request("conids must be integers") from None
    account = config.accounts[0]
    return sim.snapshots.snapshot(
        conids,
        fields,
        call.now,
        sim.session.generation,
        lambda conid: sim.portfolio.holding(account, conid),
    )


async def unsubscribe(call: Call) -> Any:
    conid = call.json_object().get("conid")
    if not isinstance(conid, int | str) or not str(conid).isdigit():
        raise bad_request('the body must be {"conid": <integer>}')
    return {"success": call.sim.snapshots.unsubscribe(int(conid))}


async def unsubscribe_all(call: Call) -> Any:
    call.sim.snapshots.unsubscribe_all()
    return {"unsubscribed": True}


async def market_history(call: Call) -> Any:
    sim, config = call.sim, call.sim.config
    if config.rate_limits and sim.history_in_flight >= config.history_max_concurrent:
        wait = sim.rate_limiter.punish(call.client_ip, call.now)
        raise too_many_requests(wait if config.retry_after_header else None)
    if not call.query("conid"):
        raise bad_request("conid is required")
    contract = known_contract(call, call.query("conid"))
    request = HistoryRequest.parse(
        call.query("period", "1d"),
        call.query("bar", "1min"),
        call.query("startTime") or None,
        call.query_flag("outsideRth"),
        call.query("source", "Trades"),
    )
    sim.history_in_flight += 1
    try:
        if config.history_delay > 0:
            await asyncio.sleep(config.history_delay)
        return history(
            contract,
            request,
            sim.market,
            sim.now(),
            seed=config.seed,
            max_bars=config.max_history_bars,
        )
    finally:
        sim.history_in_flight -= 1


# HMDS bar types and the source they read (the walk has one price: bid and ask bars are made
# from it the same way as trades, without volume).
_BAR_TYPES = {"last": "Trades", "bid": "Bid", "ask": "Ask", "midpoint": "Midpoint"}
_BAR_TYPES.update({"feerate": "FeeRate", "inventory": "Inventory"})


def _default_bar(period: str) -> str:
    """The smallest bar that keeps ``period`` within 1,000 bars."""
    unit = next((u for u in sorted(PERIOD_UNITS, key=len, reverse=True) if period.endswith(u)), "d")
    count = period.removesuffix(unit)
    seconds = PERIOD_UNITS[unit][0] * (int(count) if count.isdigit() else 1)
    return next((bar for bar, size in BAR_SIZES.items() if seconds / size <= 1000), "1m")


async def hmds_history(call: Call) -> Any:
    sim, config = call.sim, call.sim.config
    if config.rate_limits and sim.hmds_in_flight >= config.history_max_concurrent:
        wait = sim.rate_limiter.punish(call.client_ip, call.now)
        raise too_many_requests(wait if config.retry_after_header else None)
    if not call.query("conid") or not call.query("period"):
        raise bad_request("conid and period are required, e.g. conid=265598&period=1d")
    contract = known_contract(call, call.query("conid"))
    bar_type = call.query("barType", "Last").strip().lower() or "last"
    if bar_type not in _BAR_TYPES:
        raise bad_request(f"invalid barType '{bar_type}'; use Last, Bid, Ask or Midpoint")
    if call.query("direction") not in ("", "-1", "1"):
        raise bad_request("direction must be -1 (backwards) or 1 (forwards)")
    period = call.query("period").strip().lower()
    request = HistoryRequest.parse(
        period,
        call.query("bar") or _default_bar(period),
        call.query("startTime") or None,
        call.query_flag("outsideRth"),
        _BAR_TYPES[bar_type],
    )
    sim.hmds_in_flight += 1
    try:
        if config.history_delay > 0:
            await asyncio.sleep(config.history_delay)
        return history(
            contract,
            request,
            sim.market,
            sim.now(),
            seed=config.seed,
            max_bars=config.max_history_bars,
        )
    finally:
        sim.hmds_in_flight -= 1


async def regulatory_snapshot(call: Call) -> Any:
    """Each call would cost the user money at IBKR: the simulator counts them."""
    if not call.query("conid"):
        raise bad_request("conid is required")
    contract = known_contract(call, call.query("conid"))
    call.sim.regulatory_snapshots += 1
    return call.sim.snapshots.regulatory(contract, call.now)


ROUTES: tuple[ApiRoute, ...] = (
    iserver_route("GET", "/iserver/marketdata/snapshot", snapshot),
    ApiRoute("POST", "/iserver/marketdata/unsubscribe", unsubscribe),
    ApiRoute("GET", "/iserver/marketdata/unsubscribeall", unsubscribe_all),
    ApiRoute("GET", "/iserver/marketdata/history", market_history),
    ApiRoute("GET", "/hmds/history", hmds_history),
    iserver_route("GET", "/md/regsnapshot", regulatory_snapshot),
)
