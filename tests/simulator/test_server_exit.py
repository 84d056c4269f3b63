"""The simulator's process removes its temporary certificate folder however it is stopped."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from ibkr_webapi.testing import GatewaySimulator, SimulatorConfig, serve_gateway


async def _start() -> tuple[asyncio.subprocess.Process, Path]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ibkr_webapi.cli",
        "simulate",
        "--port",
        "0",
        "--log-level",
        "warning",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    announced = ""
    while "Ctrl+C" not in announced:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line, f"the simulator exited before announcing itself: {announced}"
        announced += line.decode()
    found = re.search(r"certificate to verify with: (\S+)", announced)
    assert found is not None
    return process, Path(found[1]).parent


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
async def test_a_stop_signal_shuts_down_and_removes_the_certificate_folder(sig: int) -> None:
    process, folder = await _start()
    try:
        assert (folder / "ca.pem").exists()
        process.send_signal(sig)
        await asyncio.wait_for(process.wait(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert not folder.exists()


async def test_two_quick_signals_still_remove_the_certificate_folder() -> None:
    process, folder = await _start()
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 60)
    assert not folder.exists()


async def test_leaving_serve_gateway_with_an_error_removes_the_folder() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with serve_gateway(SimulatorConfig(), port=0) as gateway:
            assert gateway.ca_path is not None
            folder = gateway.ca_path.parent
            raise RuntimeError("boom")
    assert not folder.exists()


def test_a_page_is_cut_from_an_order_kept_until_the_holdings_change() -> None:
    sim = GatewaySimulator(SimulatorConfig(positions={"U1234567": 1_000}))
    portfolio, now = sim.portfolio, sim.now()
    sorts = 0
    original = portfolio._static_key

    def counting_key(holding: object, sort: str) -> object:
        nonlocal sorts
        sorts += 1
        return original(holding, sort)  # type: ignore[arg-type]

    portfolio._static_key = counting_key  # type: ignore[method-assign, assignment]
    first = portfolio.positions_page("U1234567", 0, 100, now)
    keyed_once = sorts
    pages = [portfolio.positions_page("U1234567", n, 100, now) for n in range(1, 10)]
    assert keyed_once == 1_000 and sorts == keyed_once  # nine more pages: no sorting
    conids = [item["conid"] for page in [first, *pages] for item in page]
    assert len(conids) == len(set(conids)) == 1_000

    portfolio.set_position("U1234567", conids[0], 0, 0.0)  # a change re-sorts
    after = portfolio.positions_page("U1234567", 0, 100, now)
    assert sorts == keyed_once + 999
    assert after[0]["conid"] == conids[1]
