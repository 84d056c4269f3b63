"""A gateway simulator in another process, as the documentation's readers would run one."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[2]


@attrs.frozen
class RunningSimulator:
    """Where the simulator listens and the certificate that verifies it."""

    url: str
    ca_path: Path
    process: subprocess.Popen[str]

    def environment(self) -> dict[str, str]:
        return {
            "IBKR_BASE_URL": self.url,
            "IBKR_VERIFY": str(self.ca_path),
            "IBKR_ACCOUNT_ID": "U1234567",
        }


def start_simulator(*flags: str) -> RunningSimulator:
    """``ibkr-webapi simulate --port 0`` in a subprocess; returns once it listens."""
    command = [sys.executable, "-m", "ibkr_webapi.cli", "simulate", "--port", "0", *flags]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    )
    assert process.stdout is not None
    url = ca_path = None
    for line in process.stdout:
        if found := re.search(r"listening on (\S+)", line):
            url = found[1]
        if found := re.search(r"certificate to verify with: (\S+)", line):
            ca_path = Path(found[1])
        if url and ca_path:
            break
    if not (url and ca_path):
        process.kill()
        raise RuntimeError(f"the simulator did not start: {command}")
    return RunningSimulator(url, ca_path, process)


def stop_simulator(simulator: RunningSimulator) -> None:
    simulator.process.send_signal(signal.SIGINT)
    try:
        simulator.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        simulator.process.kill()
        simulator.process.wait()


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    """A fresh simulator per documentation page, with IBKR's rate limits enforced."""
    running = start_simulator("--positions", "30", "--log-level", "warning")
    try:
        yield running
    finally:
        stop_simulator(running)


@pytest.fixture
def doc_environment(
    simulator: RunningSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Path]:
    """The environment a reader sets after starting the simulator; a scratch working directory.
    A page that reads ``REDIS_URL`` gets a real redis-server (tests/conftest.py: redis_url)."""
    saved = dict(os.environ)
    for name, value in simulator.environment().items():
        monkeypatch.setenv(name, value)
    page = getattr(getattr(request.node, "callspec", None), "params", {}).get("page")
    if isinstance(page, Path) and "REDIS_URL" in page.read_text(encoding="utf-8"):
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
    shutil.copy(simulator.ca_path, tmp_path / "gw.pem")
    monkeypatch.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.environ.clear()
        os.environ.update(saved)
