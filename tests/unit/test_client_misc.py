"""ib.scanner, ib.watchlists, ib.alerts, ib.notifications and session.reauthenticate against a
respx-mocked gateway: what is sent, how answers are shaped, and damaged answers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from ibkr_webapi import (
    IBKRClient,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
    errors,
)
from ibkr_webapi.testing._scanner import scanner_parameters
from tests.helpers import BASE, make_client

ACCOUNT = "U1234567"
AAPL = 265598
SCAN = {
    "contracts": [
        {
            "server_id": "0",
            "symbol": "TSLA",
            "conidex": "76792991",
            "con_id": 76792991,
            "company_name": "TESLA INC",
            "scan_data": "+2.94%",
            "contract_description_1": "TSLA",
            "listing_exchange": "NASDAQ.NMS",
            "sec_type": "STK",
            "column_name": "Change %",
        },
        {"server_id": "1", "symbol": "IBM", "conidex": "8314", "con_id": 8314, "sec_type": "STK"},
    ],
    "scan_data_column_name": "Change %",
}
ALERT = {
    "account": ACCOUNT,
    "order_id": 1408549185,
    "alert_name": "AAPL up",
    "tif": "GTD",
    "expire_time": "20261231-16:00:00",
    "alert_active": 1,
    "alert_repeatable": 0,
    "alert_email": None,
    "alert_send_message": 0,
    "alert_message": "AAPL is up",
    "alert_show_popup": 0,
    "order_status": "Submitted",
    "alert_triggered": False,
    "order_not_editable": False,
    "itws_orders_only": 0,
    "tool_id": None,
    "conditions": [
        {
            "condition_type": 1,
            "conidex": "265598@SMART",
            "contract_description_1": "AAPL",
            "condition_operator": ">=",
            "condition_trigger_method": "0",
            "condition_value": "200",
            "condition_logic_bind": "n",
            "condition_time_zone": None,
        }
    ],
}
CREATED = {"request_id": None, "order_id": 1408549185, "success": True, "text": "Submitted"}
FYI = [
    {
        "R": 0,
        "D": "1795763134.1",
        "MS": "Alert",
        "MD": "m",
        "ID": "2026112700000005",
        "HT": 0,
        "FC": "AL",
    },
    {
        "R": 1,
        "D": "1795763000",
        "MS": "PF",
        "MD": "<b>x</b>",
        "ID": "2026112700000004",
        "HT": 1,
        "FC": "PF",
    },
]


@pytest.fixture
async def ib() -> Any:
    async with make_client(account_id=ACCOUNT) as client:
        yield client


def _body(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


# --- scanner


@respx.mock
async def test_scanner_parameters_are_asked_once_and_shared(ib: IBKRClient) -> None:
    route = respx.get(f"{BASE}/iserver/scanner/params").respond(json=scanner_parameters())
    first, second = await asyncio.gather(ib.scanner.parameters(), ib.scanner.parameters())
    assert first is second and route.call_count == 1
    assert (await ib.scanner.parameters()) is first and route.call_count == 1
    assert first.scan_type("TOP_PERC_GAIN") is not None
    assert "STK.US.MAJOR" in first.location_codes("STK")
    assert first.fetched_at.tzinfo is not None
    await ib.scanner.parameters(refresh=True)
    assert route.call_count == 2


@respx.mock
async def test_scanner_run_sends_the_request_and_ranks_contracts(ib: IBKRClient) -> None:
    route = respx.post(f"{BASE}/iserver/scanner/run").respond(json=SCAN)
    result = await ib.scanner.run("TOP_PERC_GAIN", filters={"priceAbove": 5, "volumeAbove": 1e5})
    assert _body(route) == {
        "instrument": "STK",
        "type": "TOP_PERC_GAIN",
        "location": "STK.US.MAJOR",
        "filter": [{"code": "priceAbove", "value": 5}, {"code": "volumeAbove", "value": 100000.0}],
    }
    assert [(c.rank, c.conid, c.symbol) for c in result.contracts] == [
        (0, 76792991, "TSLA"),
        (1, 8314, "IBM"),
    ]
    assert result.contracts[0].scan_data == "+2.94%" and result.contracts[1].company_name is None
    assert result.column_name == "Change %" and result.scan_type == "TOP_PERC_GAIN"


@respx.mock
async def test_scanner_run_checks_names_against_known_parameters_without_a_request(
    ib: IBKRClient,
) -> None:
    respx.get(f"{BASE}/iserver/scanner/params").respond(json=scanner_parameters())
    run = respx.post(f"{BASE}/iserver/scanner/run").respond(json=SCAN)
    await ib.scanner.parameters()
    with pytest.raises(errors.InvalidRequestError, match="TOP_PERC_GAIN"):
        await ib.scanner.run("TOP_PERC_GAINS")
    with pytest.raises(errors.InvalidRequestError, match="location"):
        await ib.scanner.run("TOP_PERC_GAIN", location="STK.EU.MAJOR")
    with pytest.raises(errors.InvalidRequestError, match="priceAbove"):
        await ib.scanner.run("TOP_PERC_GAIN", filters={"priceAbov": 1})
    assert run.call_count == 0


@pytest.mark.parametrize(
    ("scan_type", "filters"),
    [
        ("", None),
        ("TOP PERC", None),
        ("TOP_PERC_GAIN", {"priceAbove": float("nan")}),
        ("TOP_PERC_GAIN", [("priceAbove", 1)]),
        ("TOP_PERC_GAIN", {"priceAbove": None}),
        ("TOP_PERC_GAIN", {f"f{n}": 1 for n in range(51)}),
    ],
)
async def test_scanner_run_refuses_bad_input(
    ib: IBKRClient, scan_type: str, filters: object
) -> None:
    with pytest.raises(errors.InvalidRequestError):
        await ib.scanner.run(scan_type, filters=filters)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "answer",
    [
        {"contracts": "none"},
        {"contracts": [{"con_id": "abc"}]},
        {"contracts": [{"symbol": "X"}]},
        [],
    ],
)
@respx.mock
async def test_scanner_run_damaged_answers_are_unexpected(ib: IBKRClient, answer: object) -> None:
    respx.post(f"{BASE}/iserver/scanner/run").respond(json=answer)
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.scanner.run("TOP_PERC_GAIN")


@respx.mock
async def test_scanner_parameters_damaged_answer_is_unexpected(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/scanner/params").respond(json={"scan_type_list": "x"})
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.scanner.parameters()
    assert ib.scanner.cached_parameters is None


# --- watchlists

WATCHLIST = {
    "id": "1234",
    "hash": "1795763134054",
    "name": "Tech",
    "readOnly": False,
    "instruments": [
        {"ST": "STK", "C": "265598", "conid": 265598, "name": "APPLE INC", "ticker": "AAPL"},
        {"H": "Hardware"},
    ],
}


@respx.mock
async def test_watchlist_create_sends_rows_and_reads_the_list_back(ib: IBKRClient) -> None:
    post = respx.post(f"{BASE}/iserver/watchlist").respond(json={"id": "1234", "hash": "1"})
    get = respx.get(f"{BASE}/iserver/watchlist", params={"id": "1234"}).respond(json=WATCHLIST)
    made = await ib.watchlists.create(" Tech ", [AAPL, "8314", AAPL], watchlist_id=1234)
    assert _body(post) == {"id": "1234", "name": "Tech", "rows": [{"C": AAPL}, {"C": 8314}]}
    assert get.call_count == 1
    assert made.id == "1234" and made.name == "Tech" and made.read_only is False
    assert list(made.conids) == [AAPL]
    assert made.entries[0].ticker == "AAPL"


@respx.mock
async def test_watchlist_create_picks_a_digit_id(ib: IBKRClient) -> None:
    post = respx.post(f"{BASE}/iserver/watchlist").mock(
        side_effect=lambda request: httpx.Response(
            200, json={"id": json.loads(request.content)["id"]}
        )
    )
    respx.get(f"{BASE}/iserver/watchlist").respond(json=WATCHLIST)
    await ib.watchlists.create("Tech", [AAPL])
    assert _body(post)["id"].isdigit() and len(_body(post)["id"]) == 12


@respx.mock
async def test_watchlist_answer_naming_another_id_is_unexpected(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/iserver/watchlist").respond(json={"id": "999"})
    with pytest.raises(errors.UnexpectedResponseError, match="999"):
        await ib.watchlists.create("Tech", [AAPL], watchlist_id="1234")


@respx.mock
async def test_watchlists_list_and_delete(ib: IBKRClient) -> None:
    listing = respx.get(f"{BASE}/iserver/watchlists").respond(
        json={
            "data": {
                "user_lists": [
                    {
                        "is_open": False,
                        "read_only": False,
                        "name": "T",
                        "modified": 1795763134054,
                        "id": "11",
                        "type": "watchlist",
                    }
                ]
            },
            "action": "content",
        }
    )
    found = await ib.watchlists.list(user_only=True)
    assert listing.calls[0].request.url.params["SC"] == "USER_WATCHLIST"
    assert [(w.id, w.name, w.read_only) for w in found] == [("11", "T", False)]
    assert found[0].modified == datetime.fromtimestamp(1795763134.054, UTC)
    respx.delete(f"{BASE}/iserver/watchlist", params={"id": "11"}).respond(
        json={"data": {"deleted": "11"}, "action": "context"}
    )
    assert await ib.watchlists.delete(11) == "11"


@respx.mock
async def test_watchlist_delete_without_confirmation_is_unexpected(ib: IBKRClient) -> None:
    respx.delete(f"{BASE}/iserver/watchlist").respond(json={"data": {}})
    with pytest.raises(errors.UnexpectedResponseError, match="deleted"):
        await ib.watchlists.delete("11")


@pytest.mark.parametrize("ident", ["abc", "-1", "", "1 2", True])
async def test_watchlist_bad_ids_are_refused(ib: IBKRClient, ident: object) -> None:
    with pytest.raises(errors.InvalidRequestError):
        await ib.watchlists.create("x", [AAPL], watchlist_id=ident)  # type: ignore[arg-type]


# --- alerts


@respx.mock
async def test_alert_create_sends_conditions_bound_in_order(ib: IBKRClient) -> None:
    route = respx.post(f"{BASE}/iserver/account/{ACCOUNT}/alert").respond(json=CREATED)
    expires = datetime(2026, 12, 31, 21, 0, tzinfo=UTC)
    change = await ib.alerts.create(
        "AAPL up",
        [
            PriceCondition(conid=AAPL, operator=">=", price=200),
            VolumeCondition(conid=AAPL, operator=">=", volume=1_000_000),
            TimeCondition(at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
        ],
        combine="or",
        email="me@example.com",
        expires=expires,
    )
    assert change.alert_id == 1408549185 and change.text == "Submitted"
    body = _body(route)
    assert [c["logicBind"] for c in body["conditions"]] == ["o", "o", "n"]
    assert body["conditions"][0]["conidex"] == f"{AAPL}@SMART"
    assert body["conditions"][0]["value"] == "200"
    assert body["tif"] == "GTD" and body["expireTime"]
    assert body["sendMessage"] == 1 and body["email"] == "me@example.com"
    assert body["alertMessage"] == "AAPL up" and "orderId" not in body


@respx.mock
async def test_alert_refusal_is_a_bad_request_with_the_reason(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/iserver/account/{ACCOUNT}/alert").respond(
        json={"order_id": None, "success": False, "text": "Alert name already exists"}
    )
    with pytest.raises(errors.BadRequestError, match="already exists"):
        await ib.alerts.create("x", PriceCondition(conid=AAPL, operator=">=", price=1))


@respx.mock
async def test_alert_accepted_without_an_id_is_unexpected(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/iserver/account/{ACCOUNT}/alert").respond(
        json={"success": True, "text": "Submitted"}
    )
    with pytest.raises(errors.UnexpectedResponseError, match="order_id"):
        await ib.alerts.create("x", PriceCondition(conid=AAPL, operator=">=", price=1))


@respx.mock
async def test_alert_get_list_activate_and_delete(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/iserver/account/alert/1408549185", params={"type": "Q"}).respond(json=ALERT)
    alert = await ib.alerts.get(1408549185)
    assert alert.alert_id == 1408549185 and alert.active is True and alert.triggered is False
    assert alert.expire_time is not None and alert.expire_time.tzinfo is not None
    assert alert.conditions[0].conid == AAPL and alert.conditions[0].operator == ">="
    respx.get(f"{BASE}/iserver/account/{ACCOUNT}/alerts").respond(
        json=[
            {
                "order_id": 1408549185,
                "account": ACCOUNT,
                "alert_name": "AAPL up",
                "alert_active": 1,
                "order_time": "20261127-07:05:34",
                "alert_triggered": True,
                "alert_repeatable": 0,
            }
        ]
    )
    [summary] = await ib.alerts.list()
    assert summary.triggered is True and summary.order_time is not None
    activate = respx.post(f"{BASE}/iserver/account/{ACCOUNT}/alert/activate").respond(
        json={**CREATED, "text": "Request was submitted"}
    )
    await ib.alerts.deactivate(1408549185)
    assert _body(activate) == {"alertId": 1408549185, "alertActive": 0}
    respx.delete(f"{BASE}/iserver/account/{ACCOUNT}/alert/0").respond(json=CREATED)
    assert (await ib.alerts.delete_all()).alert_id == 1408549185


@pytest.mark.parametrize(
    "damage",
    [
        {"order_id": "abc"},
        {"expire_time": "next tuesday"},
        {"conditions": "none"},
        {"order_id": None},
    ],
)
@respx.mock
async def test_alert_damaged_answers_are_unexpected(ib: IBKRClient, damage: dict[str, Any]) -> None:
    respx.get(f"{BASE}/iserver/account/alert/1").respond(json={**ALERT, **damage})
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.alerts.get(1)


@pytest.mark.parametrize(
    "call",
    [
        lambda ib: ib.alerts.get(0),
        lambda ib: ib.alerts.delete(-3),
        lambda ib: ib.alerts.create("x", []),
        lambda ib: ib.alerts.create("x", ["price > 1"]),
        lambda ib: ib.alerts.create("", PriceCondition(conid=AAPL, operator=">=", price=1)),
        lambda ib: ib.alerts.create(
            "x", PriceCondition(conid=AAPL, operator=">=", price=1), combine="xor"
        ),
        lambda ib: ib.alerts.create(
            "x", PriceCondition(conid=AAPL, operator=">=", price=1), email="nobody"
        ),
        lambda ib: ib.alerts.create(
            "x", PriceCondition(conid=AAPL, operator=">=", price=1), expires=datetime(2027, 1, 1)
        ),
    ],
)
async def test_alert_bad_input_is_refused_before_a_request(ib: IBKRClient, call: Any) -> None:
    with pytest.raises(errors.InvalidRequestError):
        await call(ib)


# --- notifications


@respx.mock
async def test_notifications_unread_list_and_mark_read(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/fyi/unreadnumber").respond(json={"BN": 4})
    assert await ib.notifications.unread_count() == 4
    route = respx.get(f"{BASE}/fyi/notifications").respond(json=FYI)
    found = await ib.notifications.list(limit=2, include=["AL", "PF"], exclude="M8")
    params = route.calls[0].request.url.params
    assert (params["max"], params["include"], params["exclude"]) == ("2", "AL,PF", "M8")
    assert [(n.id, n.type_code, n.read, n.is_html) for n in found] == [
        ("2026112700000005", "AL", False, False),
        ("2026112700000004", "PF", True, True),
    ]
    assert found[0].date == datetime.fromtimestamp(1795763134.1, UTC)
    respx.put(f"{BASE}/fyi/notifications/2026112700000005").respond(
        json={"V": 1, "T": 5, "P": {"R": 1, "ID": "2026112700000005"}}
    )
    assert await ib.notifications.mark_read("2026112700000005") is True


@respx.mock
async def test_notifications_iterate_walks_pages_with_the_last_id(ib: IBKRClient) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        before = request.url.params.get("id")
        items = [
            {**FYI[0], "ID": str(n)}
            for n in range(100, 75, -1)
            if before is None or n < int(before)
        ]
        return httpx.Response(200, json=items[: int(request.url.params["max"])])

    route = respx.get(f"{BASE}/fyi/notifications").mock(side_effect=page)
    ids = [n.id async for n in ib.notifications.iterate(page_size=10)]
    assert ids == [str(n) for n in range(100, 75, -1)]
    assert [c.request.url.params.get("id") for c in route.calls] == [None, "91", "81"]


@respx.mock
async def test_notification_settings_disclaimers_and_delivery(ib: IBKRClient) -> None:
    respx.get(f"{BASE}/fyi/settings").respond(
        json=[{"FC": "PF", "H": 0, "A": 1, "FD": "Portfolio activity", "FN": "Portfolio FYIs"}]
    )
    [setting] = await ib.notifications.settings()
    assert (setting.type_code, setting.enabled, setting.title) == ("PF", True, "Portfolio FYIs")
    post = respx.post(f"{BASE}/fyi/settings/PF").respond(json={"V": 1, "T": 10})
    assert await ib.notifications.set_setting("PF", enabled=False) is True
    assert _body(post) == {"enabled": False}
    respx.get(f"{BASE}/fyi/disclaimer/PF").respond(json={"FC": "PF", "DT": "For information."})
    assert (await ib.notifications.disclaimer("PF")).text == "For information."
    respx.put(f"{BASE}/fyi/disclaimer/PF").respond(json={"V": 0, "T": 10})
    assert await ib.notifications.mark_disclaimer_read("PF") is False
    respx.get(f"{BASE}/fyi/deliveryoptions").respond(
        json={"E": [{"NM": "iPhone", "I": "apn://x", "UI": "apn://x", "A": 1}], "M": 0}
    )
    options = await ib.notifications.delivery_options()
    assert options.email is False and options.devices[0].device_id == "apn://x"
    assert options.devices[0].enabled is True
    email = respx.put(f"{BASE}/fyi/deliveryoptions/email").respond(json={"V": 1, "T": 10})
    assert await ib.notifications.set_email_delivery(True) is True
    assert email.calls[0].request.url.params["enabled"] == "true"


@pytest.mark.parametrize(
    ("path", "answer", "call"),
    [
        ("/fyi/unreadnumber", [], lambda ib: ib.notifications.unread_count()),
        ("/fyi/unreadnumber", {"BN": "many"}, lambda ib: ib.notifications.unread_count()),
        ("/fyi/notifications", {"ID": "1"}, lambda ib: ib.notifications.list()),
        ("/fyi/notifications", [{**FYI[0], "D": "soon"}], lambda ib: ib.notifications.list()),
        ("/fyi/notifications", [{"MS": "no id"}], lambda ib: ib.notifications.list()),
        ("/fyi/settings", [{"H": 0}], lambda ib: ib.notifications.settings()),
        ("/fyi/deliveryoptions", {"E": "x"}, lambda ib: ib.notifications.delivery_options()),
    ],
)
@respx.mock
async def test_notification_damaged_answers_are_unexpected(
    ib: IBKRClient, path: str, answer: object, call: Any
) -> None:
    respx.get(f"{BASE}{path}").respond(json=answer)
    with pytest.raises(errors.UnexpectedResponseError):
        await call(ib)


@pytest.mark.parametrize(
    "call",
    [
        lambda ib: ib.notifications.list(limit=11),
        lambda ib: ib.notifications.list(limit=0),
        lambda ib: ib.notifications.list(include=["P F"]),
        lambda ib: ib.notifications.set_setting("../x", enabled=True),
        lambda ib: ib.notifications.set_setting("PF", enabled="yes"),
        lambda ib: ib.notifications.delete_device("a b"),
        lambda ib: ib.notifications.delete_device(".."),
        lambda ib: ib.notifications.mark_read(""),
    ],
)
async def test_notification_bad_input_is_refused(ib: IBKRClient, call: Any) -> None:
    with pytest.raises(errors.InvalidRequestError):
        await call(ib)


# --- session


@respx.mock
async def test_reauthenticate_reports_the_gateways_message(ib: IBKRClient) -> None:
    route = respx.post(f"{BASE}/iserver/reauthenticate").respond(json={"message": "triggered"})
    answer = await ib.session.reauthenticate()
    assert answer.message == "triggered" and route.call_count == 1


@respx.mock
async def test_reauthenticate_damaged_answer_is_unexpected(ib: IBKRClient) -> None:
    respx.post(f"{BASE}/iserver/reauthenticate").respond(json=["triggered"])
    with pytest.raises(errors.UnexpectedResponseError):
        await ib.session.reauthenticate()


# --- retries: a state set twice is the same state; an alert made twice is two alerts


@respx.mock
async def test_watchlist_creation_and_alert_activation_are_retried_after_a_503(
    ib: IBKRClient,
) -> None:
    post = respx.post(f"{BASE}/iserver/watchlist").mock(
        side_effect=[
            httpx.Response(503, json={"error": "busy"}),
            httpx.Response(200, json={"id": "1"}),
        ]
    )
    respx.get(f"{BASE}/iserver/watchlist").respond(json={**WATCHLIST, "id": "1"})
    assert (await ib.watchlists.create("Tech", [AAPL], watchlist_id=1)).id == "1"
    assert post.call_count == 2
    activate = respx.post(f"{BASE}/iserver/account/{ACCOUNT}/alert/activate").mock(
        side_effect=[httpx.Response(503, json={"error": "busy"}), httpx.Response(200, json=CREATED)]
    )
    await ib.alerts.activate(1408549185)
    assert activate.call_count == 2


@respx.mock
async def test_alert_creation_is_never_sent_twice(ib: IBKRClient) -> None:
    route = respx.post(f"{BASE}/iserver/account/{ACCOUNT}/alert").respond(
        503, json={"error": "busy"}
    )
    with pytest.raises(errors.APIStatusError):
        await ib.alerts.create("x", PriceCondition(conid=AAPL, operator=">=", price=1))
    assert route.call_count == 1


@respx.mock
async def test_deleting_an_alert_that_is_gone_is_already_done(ib: IBKRClient) -> None:
    respx.delete(f"{BASE}/iserver/account/{ACCOUNT}/alert/7").respond(
        json={"order_id": 7, "success": False, "text": "Alert 7 not found"}
    )
    listing = respx.get(f"{BASE}/iserver/account/{ACCOUNT}/alerts").respond(json=[])
    respx.get(f"{BASE}/iserver/account/mta").respond(json={**ALERT, "order_id": 167426254})
    change = await ib.alerts.delete(7)
    assert change.already_done is True and change.alert_id == 7 and listing.call_count == 1


@respx.mock
async def test_a_refused_deletion_of_a_listed_alert_is_an_error(ib: IBKRClient) -> None:
    respx.delete(f"{BASE}/iserver/account/{ACCOUNT}/alert/167426254").respond(
        json={"order_id": 167426254, "success": False, "text": "The MTA alert cannot be deleted"}
    )
    respx.get(f"{BASE}/iserver/account/{ACCOUNT}/alerts").respond(json=[])
    respx.get(f"{BASE}/iserver/account/mta").respond(json={**ALERT, "order_id": 167426254})
    with pytest.raises(errors.BadRequestError, match="MTA alert cannot be deleted"):
        await ib.alerts.delete(167426254)
