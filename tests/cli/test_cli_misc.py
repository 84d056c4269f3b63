"""``ibkr-webapi scan``, ``alerts`` and ``watchlist`` against the simulator over loopback HTTPS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ibkr_webapi.cli import ExitCode
from ibkr_webapi.pacing import default_state_dir
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway
from tests.cli.test_cli_commands import ACCOUNT, cli, connect

AAPL, IBM, MSFT = 265598, 8314, 272093


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    async with serve_gateway(SimulatorConfig(), port=0, tls=True) as gw:
        yield gw


@pytest.fixture(autouse=True)
def _wide_plain_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the cross-process pacing file
    monkeypatch.setenv("IBKR_ACCOUNT_ID", ACCOUNT)
    monkeypatch.delenv("IBKR_BASE_URL", raising=False)
    monkeypatch.delenv("IBKR_VERIFY", raising=False)


async def test_scan_lists_types_then_runs_one(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    types = await cli(capsys, "scan", *connect(gateway))
    assert types.code == ExitCode.OK and "TOP_PERC_GAIN" in types.out
    found = await cli(
        capsys, "scan", "TOP_PERC_GAIN", "--filter", "priceAbove=5", "--json", *connect(gateway)
    )
    assert found.code == ExitCode.OK
    contracts = found.json()["contracts"]
    assert contracts and [c["rank"] for c in contracts] == list(range(len(contracts)))
    table = await cli(capsys, "scan", "MOST_ACTIVE", "--limit", "3", *connect(gateway))
    assert table.code == ExitCode.OK
    assert sum(1 for line in table.out.splitlines() if line.strip()[:2] in ("1 ", "2 ", "3 ")) == 3


async def test_scan_refusals_are_usage_or_api_errors(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_filter = await cli(capsys, "scan", "TOP_PERC_GAIN", "--filter", "price", *connect(gateway))
    assert bad_filter.code == ExitCode.USAGE and "CODE=VALUE" in bad_filter.err
    unknown = await cli(capsys, "scan", "NO_SUCH_SCAN", *connect(gateway))
    assert unknown.code == ExitCode.API and "NO_SUCH_SCAN" in unknown.err
    bad_name = await cli(capsys, "scan", "TOP PERC", *connect(gateway))
    assert bad_name.code == ExitCode.USAGE


async def test_alerts_create_list_switch_and_delete(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    made = await cli(
        capsys, "alerts", "create", "AAPL dip", "--conid", str(AAPL), "--below", "1", "--json",
        *connect(gateway),
    )  # fmt: skip
    assert made.code == ExitCode.OK
    alert_id = made.json()["alert_id"]
    listed = await cli(capsys, "alerts", "list", "--json", *connect(gateway))
    assert [(a["alert_id"], a["name"], a["triggered"]) for a in listed.json()] == [
        (alert_id, "AAPL dip", False)
    ]
    off = await cli(capsys, "alerts", "deactivate", str(alert_id), *connect(gateway))
    assert off.code == ExitCode.OK and f"Alert {alert_id}: deactivated" in off.out
    assert gateway.simulator.alerts.alerts[alert_id].active is False
    shown = await cli(capsys, "alerts", "show", str(alert_id), *connect(gateway))
    assert shown.code == ExitCode.OK and "AAPL dip" in shown.out and "<=" in shown.out
    await cli(capsys, "alerts", "activate", str(alert_id), *connect(gateway))
    assert gateway.simulator.alerts.alerts[alert_id].active is True
    gone = await cli(capsys, "alerts", "delete", str(alert_id), *connect(gateway))
    assert gone.code == ExitCode.OK and alert_id not in gateway.simulator.alerts.alerts
    empty = await cli(capsys, "alerts", *connect(gateway))
    assert empty.code == ExitCode.OK and "No alerts" in empty.out
    mta = await cli(capsys, "alerts", "mta", "--json", *connect(gateway))
    assert mta.code == ExitCode.OK and mta.json()["tool_id"] is not None


async def test_alerts_need_a_price_side_and_an_account(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    no_side = await cli(capsys, "alerts", "create", "x", "--conid", str(AAPL), *connect(gateway))
    assert no_side.code == ExitCode.USAGE
    monkeypatch.delenv("IBKR_ACCOUNT_ID")
    no_account = await cli(capsys, "alerts", "list", *connect(gateway))
    assert no_account.code == ExitCode.USAGE and "account" in no_account.err
    given = await cli(capsys, "alerts", "list", "--account", ACCOUNT, *connect(gateway))
    assert given.code == ExitCode.OK


async def test_watchlist_create_show_replace_and_delete(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    made = await cli(
        capsys, "watchlist", "create", "Tech", str(AAPL), str(IBM), "--id", "1234",
        *connect(gateway),
    )  # fmt: skip
    assert made.code == ExitCode.OK and "AAPL" in made.out and "IBM" in made.out
    listed = await cli(capsys, "watchlist", "list", "--mine", "--json", *connect(gateway))
    assert [w["id"] for w in listed.json()] == ["1234"]
    await cli(capsys, "watchlist", "create", "Tech", str(MSFT), "--id", "1234", *connect(gateway))
    shown = await cli(capsys, "watchlist", "show", "1234", "--json", *connect(gateway))
    assert [e["conid"] for e in shown.json()["entries"]] == [MSFT]
    gone = await cli(capsys, "watchlist", "delete", "1234", *connect(gateway))
    assert gone.code == ExitCode.OK and "1234 deleted" in gone.out
    every = await cli(capsys, "watchlist", *connect(gateway))
    assert every.code == ExitCode.OK and "1234" not in every.out and "Popular" in every.out
    missing = await cli(capsys, "watchlist", "show", "1234", *connect(gateway))
    assert missing.code == ExitCode.API
    bad = await cli(capsys, "watchlist", "create", "x", str(AAPL), "--id", "abc", *connect(gateway))
    assert bad.code == ExitCode.USAGE and "digits" in bad.err


async def test_scan_types_are_kept_between_commands_and_never_waited_for(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    first = await cli(capsys, "scan", "--json", *connect(gateway))
    second = await cli(capsys, "scan", "--json", *connect(gateway))
    assert first.code == second.code == ExitCode.OK
    assert second.json()["scan_types"] == first.json()["scan_types"]
    assert gateway.simulator.requests["GET /iserver/scanner/params"] == 1  # IBKR: 1 per 15 min
    kept_files = list(default_state_dir().glob("scanner-parameters-*.json"))
    assert len(kept_files) == 1
    for kept in kept_files:
        kept.unlink()  # without the kept answer the pacing would hold the request 15 minutes
    held = await cli(capsys, "scan", *connect(gateway))
    assert held.code == ExitCode.API and "once every 15 minutes" in held.err
    assert gateway.simulator.requests["GET /iserver/scanner/params"] == 1
    assert gateway.simulator.rate_limited == 0


async def test_notifications_list_read_and_settings(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = gateway.simulator
    sim.notify("PF", "Portfolio moved", "Your portfolio moved")
    made = await cli(
        capsys, "alerts", "create", "AAPL up", "--conid", str(AAPL), "--above", "1", "--json",
        *connect(gateway),
    )  # fmt: skip
    fyi = sim.trigger_alert(made.json()["alert_id"])
    assert fyi is not None
    listed = await cli(capsys, "notifications", "--type", "AL", "--json", *connect(gateway))
    assert listed.code == ExitCode.OK
    body = listed.json()
    assert body["unread"] >= 2 and fyi.id in [n["id"] for n in body["notifications"]]
    assert {n["type_code"] for n in body["notifications"]} == {"AL"}
    read = await cli(capsys, "notifications", "read", fyi.id, *connect(gateway))
    assert read.code == ExitCode.OK and "marked read" in read.out
    table = await cli(capsys, "notifications", "list", "--limit", "5", *connect(gateway))
    assert table.code == ExitCode.OK and "Portfolio moved" in table.out
    assert f"{body['unread'] - 1} unread" in table.out
    kinds = await cli(capsys, "notifications", "settings", "--json", *connect(gateway))
    assert "PF" in {k["type_code"] for k in kinds.json()}
    too_many = await cli(capsys, "notifications", "--limit", "50", *connect(gateway))
    assert too_many.code == ExitCode.USAGE
