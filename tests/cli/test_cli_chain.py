"""``ibkr-webapi chain`` against the simulator over loopback HTTPS."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ibkr_webapi.cli import ExitCode, run_cli
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    async with serve_gateway(SimulatorConfig(), port=0, tls=True) as gw:
        yield gw


@pytest.fixture(autouse=True)
def _wide_plain_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the cross-process pacing file
    monkeypatch.delenv("IBKR_BASE_URL", raising=False)
    monkeypatch.delenv("IBKR_VERIFY", raising=False)


async def chain(
    gw: GatewayServer, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = await run_cli(
        ["chain", *argv, "--base-url", gw.url, "--ca", str(gw.ca_path)], stdin=io.StringIO("")
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_chain_json_has_typed_contracts_of_one_expiry(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await chain(
        gateway, capsys, "AAPL", "--expiry", "next", "--strikes", "160:180", "--json"
    )
    assert code == ExitCode.OK
    found = json.loads(out)
    contracts = found["contracts"]
    assert {c["expiry"] for c in contracts} == {contracts[0]["expiry"]}
    assert {c["right"] for c in contracts} == {"C", "P"}
    assert all(160 <= c["strike"] <= 180 and c["underlying_conid"] == 265598 for c in contracts)
    assert "model" not in contracts[0]


async def test_chain_table_puts_calls_left_and_puts_right_with_quotes(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await chain(
        gateway, capsys, "AAPL", "--strikes", "165,170", "--expiry", "next", "--quotes"
    )
    assert code == ExitCode.OK
    header = next(line for line in out.splitlines() if "Strike" in line)
    assert header.index("Call") < header.index("Strike") < header.index("Put")
    assert header.count("Bid / ask") == 2
    rows = [line.split() for line in out.splitlines() if " / " in line and "Strike" not in line]
    assert len(rows) == 2 and {"165", "170"} <= {cell for row in rows for cell in row}
    assert "4 contracts of AAPL" in out


async def test_chain_errors_exit_2_with_the_reason(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = await chain(gateway, capsys, "AAPL", "--expiry", "20200117")
    assert code == ExitCode.USAGE
    assert "its months are" in err
    code, _, err = await chain(gateway, capsys, "AAPL", "--max-strikes", "2")
    assert code == ExitCode.USAGE and "max_strikes" in err
    assert gateway.simulator.requests["GET /iserver/secdef/info"] == 0
