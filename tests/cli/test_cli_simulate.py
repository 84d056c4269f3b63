"""``ibkr-webapi simulate`` serves in the foreground, says where, and stops cleanly on Ctrl+C."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from ibkr_webapi.cli import ExitCode, run_cli


async def test_simulate_prints_url_and_certificate_and_serves_until_ctrl_c(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "120"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ibkr_webapi.cli",
        "simulate",
        "--port",
        "0",
        "--positions",
        "150",
        "--log-level",
        "warning",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    try:
        announced = ""
        while "Ctrl+C" not in announced:
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line, "the simulator exited before announcing itself"
            announced += line.decode()
        url = re.search(r"listening on (\S+)", announced)
        cert = re.search(r"certificate to verify with: (\S+)", announced)
        assert url is not None and cert is not None
        assert f"IBKR_VERIFY={cert[1]}" in announced

        code = await run_cli(
            ["positions", "U1234567", "--json", "--base-url", url[1], "--ca", cert[1]]
        )
        assert code == ExitCode.OK
        assert len(json.loads(capsys.readouterr().out)) == 150
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)
    assert process.returncode == 0
