"""The ``ibkr-webapi`` command line against the simulator over loopback HTTPS."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from ibkr_webapi.cli import ExitCode, main, run_cli
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway

ACCOUNT = "U1234567"
AAPL, IBM = 265598, 8314


@attrs.frozen
class Outcome:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return self.err.strip().splitlines()


class TerminalInput(io.StringIO):
    """Stdin that claims to be a terminal, with the user's answers already typed."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayServer]:
    config = SimulatorConfig(positions={ACCOUNT: 250, "U7654321": 4})
    async with serve_gateway(config, port=0, tls=True) as gw:
        yield gw


@pytest.fixture(autouse=True)
def _wide_plain_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the cross-process pacing file
    monkeypatch.delenv("IBKR_BASE_URL", raising=False)
    monkeypatch.delenv("IBKR_VERIFY", raising=False)


def connect(gw: GatewayServer) -> list[str]:
    return ["--base-url", gw.url, "--ca", str(gw.ca_path)]


async def cli(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: io.StringIO | None = None
) -> Outcome:
    capsys.readouterr()  # drop anything printed before
    code = await run_cli(list(argv), stdin=stdin if stdin is not None else io.StringIO(""))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def limit_below_market(gw: GatewayServer, conid: int = AAPL) -> str:
    return f"{gw.simulator.contract(conid).reference_price * 0.98:.2f}"


# --- data commands ------------------------------------------------------------------------------


async def test_status_json_says_the_session_is_authenticated(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "status", "--json", *connect(gateway))
    assert result.code == ExitCode.OK
    assert result.json()["authenticated"] is True


async def test_status_table_is_readable(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "status", *connect(gateway))
    assert result.code == ExitCode.OK
    assert "Authenticated" in result.out and "yes" in result.out


async def test_accounts_json_lists_the_default_account(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "accounts", "--json", *connect(gateway))
    assert ACCOUNT in result.json()["accounts"]


async def test_positions_json_walks_every_page(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "positions", ACCOUNT, "--json", *connect(gateway))
    assert result.code == ExitCode.OK
    positions = result.json()
    assert len(positions) == 250
    assert len({p["conid"] for p in positions}) == 250
    assert result.err == ""  # no progress bar or anything else outside the JSON


async def test_positions_table_says_how_many_pages(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "positions", ACCOUNT, "--limit", "5", *connect(gateway))
    assert result.code == ExitCode.OK
    assert "250 positions on 3 pages" in result.out
    assert "5 shown" in result.out


async def test_summary_json_has_net_liquidation(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "summary", ACCOUNT, "--json", *connect(gateway))
    item = result.json()["netliquidation"]
    assert item["amount"] > 0 and item["currency"] == "USD"


async def test_summary_table_shows_the_main_items(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "summary", ACCOUNT, *connect(gateway))
    for label in ("Net liquidation", "Total cash", "Buying power"):
        assert label in result.out


async def test_pnl_json_is_keyed_by_partition(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "pnl", "--json", *connect(gateway))
    assert f"{ACCOUNT}.Core" in result.json()


async def test_quote_json_has_named_fields_after_the_preflight(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(
        capsys,
        "quote",
        str(AAPL),
        str(IBM),
        "--fields",
        "symbol,last_price,bid_size",
        "--json",
        *connect(gateway),
    )
    assert result.code == ExitCode.OK
    quotes = result.json()
    assert [q["conid"] for q in quotes] == [AAPL, IBM]
    assert quotes[0]["values"]["symbol"] == "AAPL"
    assert isinstance(quotes[0]["values"]["last_price"], float)
    assert isinstance(quotes[1]["values"]["bid_size"], int | float)


async def test_quote_table_has_a_column_per_field(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "quote", str(AAPL), *connect(gateway))
    assert result.code == ExitCode.OK
    assert "last_price" in result.out and "AAPL" in result.out


async def test_history_draws_a_sparkline_with_first_last_high_low(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(
        capsys, "history", str(AAPL), "--period", "1d", "--bar", "5min", *connect(gateway)
    )
    assert result.code == ExitCode.OK
    assert any(block in result.out for block in "▁▂▃▄▅▆▇█")
    for label in ("First", "Last", "High", "Low"):
        assert label in result.out


async def test_history_json_has_bars_with_times(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "history", str(AAPL), "--json", *connect(gateway))
    answer = result.json()
    assert answer["symbol"] == "AAPL"
    assert answer["bars"] and {"time", "open", "high", "low", "close", "volume"} <= set(
        answer["bars"][0]
    )


async def test_search_json_finds_the_contract(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "search", "IBM", "--sec-type", "stk", "--json", *connect(gateway))
    assert IBM in [item["conid"] for item in result.json()]


async def test_environment_configures_the_gateway(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IBKR_BASE_URL", gateway.url)
    monkeypatch.setenv("IBKR_VERIFY", str(gateway.ca_path))
    result = await cli(capsys, "accounts", "--json")
    assert result.code == ExitCode.OK


async def test_main_runs_the_same_command_with_its_own_event_loop(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["accounts", "--json", *connect(gateway)])
    assert code == ExitCode.OK
    assert ACCOUNT in json.loads(capsys.readouterr().out)["accounts"]


# --- orders -------------------------------------------------------------------------------------


def order_args(gw: GatewayServer, *extra: str) -> list[str]:
    return [
        "order",
        ACCOUNT,
        "--conid",
        str(AAPL),
        "--side",
        "buy",
        "--qty",
        "650",  # above the size limit: the gateway asks
        "--price",
        limit_below_market(gw),
        *extra,
        *connect(gw),
    ]


async def test_order_with_yes_confirms_and_shows_each_question(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *order_args(gateway, "--yes", "--json"))
    assert result.code == ExitCode.OK
    placed = result.json()
    assert placed["order_id"]
    assert "o383" in [i for q in placed["answered"] for i in q["message_ids"]]
    assert "Size Limit" in result.err and "confirmed (--yes)" in result.err


async def test_order_without_yes_on_a_pipe_is_declined_in_one_line(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *order_args(gateway))
    assert result.code == ExitCode.ORDER
    assert len(result.err_lines) == 1
    assert "order not placed" in result.err and "--yes" in result.err
    assert result.out == ""


async def test_order_asks_on_a_terminal_and_places_when_confirmed(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *order_args(gateway), stdin=TerminalInput("y\ny\ny\n"))
    assert result.code == ExitCode.OK
    assert "Confirm? [y/N]" in result.err
    assert "Order placed" in result.out


async def test_order_declined_on_the_terminal_is_not_placed(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, *order_args(gateway), stdin=TerminalInput("n\n"))
    assert result.code == ExitCode.ORDER
    assert "ibkr-webapi: error: order not placed" in result.err_lines[-1]
    assert "you declined" in result.err_lines[-1]


async def test_rejected_order_exits_with_the_order_code(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["order", ACCOUNT, "--conid", str(AAPL), "--side", "BUY", "--qty", "1"]
    result = await cli(capsys, *argv, "--price", "1.00", "--yes", *connect(gateway))
    assert result.code == ExitCode.ORDER
    assert result.err_lines[-1].startswith("ibkr-webapi: error: order rejected")


async def test_placed_order_is_listed_and_cancelled(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    placed = (await cli(capsys, *order_args(gateway, "--yes", "--json"))).json()
    listed = await cli(capsys, "orders", "--json", *connect(gateway))
    assert listed.code == ExitCode.OK
    [mine] = [order for order in listed.json() if order["c_oid"] == placed["c_oid"]]
    assert mine["order_id"] == placed["order_id"]
    cancelled = await cli(capsys, "cancel", ACCOUNT, str(placed["order_id"]), *connect(gateway))
    assert cancelled.code == ExitCode.OK
    assert str(placed["order_id"]) in cancelled.out


# --- errors: one line on stderr, a distinct exit code -------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_unreachable_gateway_exits_3_with_one_line(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"https://127.0.0.1:{closed_port()}/v1/api"
    result = await cli(capsys, "status", "--base-url", url, "--ca", str(gateway.ca_path))
    assert result.code == ExitCode.CONNECTION
    assert len(result.err_lines) == 1
    assert "cannot connect to the gateway" in result.err and "nothing was sent" in result.err
    assert "Traceback" not in result.err


async def test_untrusted_certificate_says_to_pass_ca(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "status", "--base-url", gateway.url)
    assert result.code == ExitCode.CONNECTION
    assert len(result.err_lines) == 1
    assert "--ca" in result.err


async def test_logged_out_session_exits_4(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway.simulator.logout()
    result = await cli(capsys, "accounts", *connect(gateway))
    assert result.code == ExitCode.AUTH
    assert len(result.err_lines) == 1
    assert "log in" in result.err


async def test_bad_account_exits_5_and_points_to_accounts(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "summary", "U0000000", *connect(gateway))
    assert result.code == ExitCode.API
    assert len(result.err_lines) == 1
    assert "ibkr-webapi accounts" in result.err


async def test_unknown_field_exits_2_with_a_suggestion(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(
        capsys, "quote", str(AAPL), "--fields", "last_prise,bid_price", *connect(gateway)
    )
    assert result.code == ExitCode.USAGE
    assert len(result.err_lines) == 1
    assert "'last_price'" in result.err


async def test_missing_arguments_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = await cli(capsys, "positions")
    assert result.code == ExitCode.USAGE
    assert "ACCOUNT" in result.err


async def test_missing_certificate_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = await cli(capsys, "status", "--ca", "/nonexistent/gateway.pem")
    assert result.code == ExitCode.USAGE
    assert len(result.err_lines) == 1


def test_without_rich_the_command_prints_the_install_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    package = sys.modules["ibkr_webapi.cli"]
    for name in list(sys.modules):
        if name == "rich" or name.startswith("rich."):
            monkeypatch.setitem(sys.modules, name, None)
        if name.startswith("ibkr_webapi.cli._"):  # forget the CLI modules that imported rich
            monkeypatch.delitem(sys.modules, name)
            monkeypatch.delattr(package, name.rpartition(".")[2], raising=False)
    monkeypatch.setitem(sys.modules, "rich", None)
    assert main(["status"]) == ExitCode.FAILURE
    assert "pip install 'ibkr-webapi-client[cli]'" in capsys.readouterr().err


# --- small frictions ----------------------------------------------------------------------------


async def test_status_exits_4_when_the_brokerage_session_is_not_authenticated(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway.simulator.logout()
    result = await cli(capsys, "status", "--json", *connect(gateway))
    assert result.code == ExitCode.AUTH
    assert result.json()["authenticated"] is False
    assert "not authenticated" in result.err_lines[-1]


async def test_limit_applies_to_json_output_too(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "positions", ACCOUNT, "--limit", "3", "--json", *connect(gateway))
    assert result.code == ExitCode.OK and len(result.json()) == 3


async def test_cancelling_an_already_cancelled_order_succeeds(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    placed = (await cli(capsys, *order_args(gateway, "--yes", "--json"))).json()
    order_id = str(placed["order_id"])
    first = await cli(capsys, "cancel", ACCOUNT, order_id, *connect(gateway))
    assert first.code == ExitCode.OK
    await asyncio.sleep(0.5)  # the simulator moves the order from PendingCancel to Cancelled
    again = await cli(capsys, "cancel", ACCOUNT, order_id, *connect(gateway))
    assert again.code == ExitCode.OK, again.err
    assert "already cancelled" in again.out


async def test_cushion_is_a_percentage_without_a_currency(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await cli(capsys, "summary", ACCOUNT, *connect(gateway))
    [line] = [line for line in result.out.splitlines() if line.strip().startswith("Cushion")]
    assert line.rstrip().endswith("%")
