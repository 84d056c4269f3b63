"""``ibkr-webapi bracket`` and ``trades`` against the simulator over loopback HTTPS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_cli_commands import AAPL, ACCOUNT, TerminalInput, cli, connect

from ibkr_webapi.cli import ExitCode
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


def bracket_args(gw: GatewayServer, *extra: str, coid: str = "cli-br") -> list[str]:
    last = gw.simulator.quote(AAPL).last
    return [
        "bracket",
        ACCOUNT,
        "--conid",
        str(AAPL),
        "--side",
        "buy",
        "--qty",
        "400",
        "--price",
        f"{last * 0.98:.2f}",
        "--take-profit",
        f"{last * 1.05:.2f}",
        "--stop-loss",
        f"{last * 0.95:.2f}",
        "--coid",
        coid,
        *extra,
        *connect(gw),
    ]


async def test_bracket_with_yes_places_three_legs_and_shows_the_stop_question(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *bracket_args(gateway, "--yes", "--json"))
    assert result.code == ExitCode.OK, result.err
    placed = result.json()
    legs = [placed["parent"], placed["take_profit"], placed["stop_loss"]]
    assert [leg["c_oid"] for leg in legs] == ["cli-br", "cli-br-tp", "cli-br-sl"]
    assert [leg["side"] for leg in legs] == ["BUY", "SELL", "SELL"]
    assert [leg["order_type"] for leg in legs] == ["LMT", "LMT", "STP"]
    assert legs[2]["stop_price"] is not None and legs[2]["price"] is None
    assert "o0" in [i for q in placed["answered"] for i in q["message_ids"]]
    assert "confirmed (--yes)" in result.err
    sim = gateway.simulator
    for leg in legs:
        order = sim.order(leg["order_id"])
        assert order.ticket.coid == leg["c_oid"]
    assert sim.order(legs[1]["order_id"]).parent == legs[0]["order_id"]
    assert sim.order(legs[2]["order_id"]).parent == legs[0]["order_id"]


async def test_bracket_table_lists_entry_take_profit_and_stop_loss(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *bracket_args(gateway, "--yes"))
    assert result.code == ExitCode.OK, result.err
    assert "Bracket placed" in result.out
    for text in ("entry", "take profit", "stop loss", "cli-br-tp", "cli-br-sl"):
        assert text in result.out


async def test_bracket_without_yes_on_a_pipe_places_nothing(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *bracket_args(gateway))
    assert result.code == ExitCode.ORDER
    assert len(result.err_lines) == 1 and "--yes" in result.err
    assert gateway.simulator.orders.copies() == {}


async def test_bracket_declined_on_a_terminal_places_nothing(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *bracket_args(gateway), stdin=TerminalInput("n\n"))
    assert result.code == ExitCode.ORDER
    assert "you declined" in result.err_lines[-1]
    assert gateway.simulator.orders.copies() == {}


async def test_bracket_with_exits_on_the_wrong_side_is_a_usage_error(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = bracket_args(gateway, "--yes")
    tp = argv.index("--take-profit") + 1
    sl = argv.index("--stop-loss") + 1
    argv[tp], argv[sl] = argv[sl], argv[tp]  # take-profit below the stop-loss
    result = await cli(capsys, *argv)
    assert result.code == ExitCode.USAGE
    assert "take_profit must be above" in result.err
    assert gateway.simulator.orders.copies() == {}


async def test_trades_show_fills_with_commission(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    placed = (await cli(capsys, *bracket_args(gateway, "--yes", "--json"))).json()
    sim = gateway.simulator
    sim.fill_order(placed["parent"]["order_id"])
    sim.advance(1.0)
    sim.fill_order(placed["take_profit"]["order_id"])

    result = await cli(capsys, "trades", "--days", "1", "--json", *connect(gateway))
    assert result.code == ExitCode.OK, result.err
    fills = {t["c_oid"]: t for t in result.json()}
    assert set(fills) == {"cli-br", "cli-br-tp"}
    assert fills["cli-br"]["commission"] == fills["cli-br-tp"]["commission"] == 2.0
    assert fills["cli-br"]["size"] == 400

    table = await cli(capsys, "trades", *connect(gateway))
    assert table.code == ExitCode.OK
    assert "2 executions" in table.out and "4.00" in table.out  # the commissions' total
    assert sim.order(placed["stop_loss"]["order_id"]).status == "Cancelled"


async def test_trades_without_fills_say_so(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "trades", *connect(gateway))
    assert result.code == ExitCode.OK
    assert "No executions" in result.out


@pytest.mark.parametrize("days", ["-1", "8", "two"])
async def test_trades_days_out_of_range_is_a_usage_error(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str], days: str
) -> None:
    result = await cli(capsys, "trades", "--days", days, *connect(gateway))
    assert result.code == ExitCode.USAGE
    assert "days" in result.err
