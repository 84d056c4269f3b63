"""``ibkr-webapi watch`` and ``ibkr-webapi orders --follow`` against the simulator."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from ibkr_webapi import IBKRClient, Order
from ibkr_webapi.cli import ExitCode, run_cli
from ibkr_webapi.testing import GatewayServer

from .conftest import AAPL, ACCOUNT, IBM


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("IBKR_BASE_URL", raising=False)
    monkeypatch.delenv("IBKR_VERIFY", raising=False)


def connect(gw: GatewayServer) -> list[str]:
    return ["--base-url", gw.url, "--ca", str(gw.ca_path)]


async def test_watch_json_prints_one_line_per_update(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["watch", str(AAPL), str(IBM), "--fields", "last_price,bid_price", "--json"]
    code = await run_cli([*argv, "--count", "6", *connect(gateway)], stdin=io.StringIO())
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 6
    assert {line["conid"] for line in lines} == {AAPL, IBM}
    assert all("last_price" in line and "bid_price" in line for line in lines)
    assert "websocket" not in out


async def test_watch_draws_a_table(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["watch", str(AAPL), "--fields", "symbol,last_price", "--count", "3"]
    code = await run_cli([*argv, *connect(gateway)], stdin=io.StringIO())
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert "Streaming quotes" in out and "AAPL" in out and "last_price" in out


async def test_watch_refuses_an_unknown_field(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await run_cli(["watch", str(AAPL), "--fields", "last_prise", *connect(gateway)])
    assert code == ExitCode.USAGE
    assert "last_price" in capsys.readouterr().err


async def test_orders_follow_shows_an_order_arriving(
    gateway: GatewayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    async def place_soon() -> str:
        await asyncio.sleep(0.5)
        async with IBKRClient(gateway.url, verify=gateway.ca_path, keepalive=None) as ib:
            price = (await ib.snapshot([AAPL], fields=["last_price"]))[0].last_price
            assert price is not None
            order = Order(
                conid=AAPL, side="BUY", quantity=2, order_type="LMT", price=round(price * 0.9, 2)
            )
            return (await ib.place_order(ACCOUNT, order, confirm=True)).order_id

    placing = asyncio.create_task(place_soon())
    argv = ["orders", "--follow", "--json", "--count", "1", *connect(gateway)]
    code = await run_cli(argv, stdin=io.StringIO())
    order_id = await placing
    assert code == ExitCode.OK
    updates = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [u["order_id"] for u in updates] == [int(order_id)]
    assert updates[0]["status"] in ("PreSubmitted", "Submitted")
    assert updates[0]["raw"]["orderId"] == int(order_id)


async def test_ctrl_c_ends_watch_cleanly(gateway: GatewayServer, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "120"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ibkr_webapi.cli",
        "watch",
        str(AAPL),
        "--json",
        *connect(gateway),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    first = await asyncio.wait_for(process.stdout.readline(), 60)
    assert json.loads(first)["conid"] == AAPL
    process.send_signal(signal.SIGINT)
    await asyncio.wait_for(process.wait(), 60)
    err = (await process.stderr.read()).decode()
    assert process.returncode == ExitCode.INTERRUPTED
    assert "Traceback" not in err
    await asyncio.sleep(0.5)
    assert gateway.simulator.websocket.state()["connections"] == 0
