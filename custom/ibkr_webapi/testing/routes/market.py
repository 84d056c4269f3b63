"""Market data routes: snapshots, unsubscribing, historical bars."""

from __future__ import annotations

import asyncio
from typing import Any

from .._errors import bad_request, too_many_requests
from .._history import HistoryRequest, history
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


ROUTES: tuple[ApiRoute, ...] = (
    iserver_route("GET", "/iserver/marketdata/snapshot", snapshot),
    ApiRoute("POST", "/iserver/marketdata/unsubscribe", unsubscribe),
    ApiRoute("GET", "/iserver/marketdata/unsubscribeall", unsubscribe_all),
    ApiRoute("GET", "/iserver/marketdata/history", market_history),
)
