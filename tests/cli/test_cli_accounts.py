"""The account commands (funds, allocation, switch) against the simulator over loopback HTTPS."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from ibkr_webapi.cli import ExitCode, run_cli
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway

MASTER, ACCOUNT = "F1234567", "U1234567"


@attrs.frozen
class Outcome:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    capsys.readouterr()
    code = await run_cli(list(argv), stdin=io.StringIO(""))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def connect(gw: GatewayServer) -> list[str]:
    return ["--base-url", gw.url, "--ca", str(gw.ca_path)]


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    config = SimulatorConfig(advisor=MASTER, positions={ACCOUNT: 12, "U7654321": 4})
    async with serve_gateway(config, port=0, tls=True) as gw:
        yield gw


@pytest.fixture(autouse=True)
def _wide_plain_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("IBKR_BASE_URL", raising=False)
    monkeypatch.delenv("IBKR_VERIFY", raising=False)


async def test_funds_shows_the_trading_view_and_json_carries_amounts(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = await cli(capsys, "funds", ACCOUNT, *connect(gateway))
    assert shown.code == ExitCode.OK, shown.err
    assert f"Trading view of {ACCOUNT}" in shown.out and "Buying power" in shown.out
    assert "total" in shown.out and "USD" in shown.out
    data = (await cli(capsys, "funds", ACCOUNT, "--json", *connect(gateway))).json()
    assert data["summary"]["net_liquidation"] > 0
    total = data["available_funds"]["total"]
    assert total["buying_power"]["currency"] == "USD" and total["buying_power"]["amount"] > 0


async def test_allocation_lists_asset_classes_and_sectors(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = await cli(capsys, "allocation", ACCOUNT, *connect(gateway))
    assert shown.code == ExitCode.OK, shown.err
    assert "asset class" in shown.out and "STK" in shown.out and "sector" in shown.out
    data = (await cli(capsys, "allocation", ACCOUNT, "--json", *connect(gateway))).json()
    assert data["asset_class"]["long"]["STK"] > 0


async def test_switch_selects_an_account_and_a_bad_one_is_refused(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = await cli(capsys, "switch", ACCOUNT, *connect(gateway))
    assert shown.code == ExitCode.OK, shown.err
    assert f"{ACCOUNT} selected" in shown.out
    assert gateway.simulator.session.selected_account == ACCOUNT
    refused = await cli(capsys, "switch", "U0000000", *connect(gateway))
    assert refused.code != ExitCode.OK
    assert gateway.simulator.session.selected_account == ACCOUNT
