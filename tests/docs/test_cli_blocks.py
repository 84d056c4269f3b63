"""Every ``ibkr-webapi`` command shown in the documentation runs, against a simulator.

Commands are taken from ```sh blocks in order and run as written, from a folder holding ``gw.pem`` (the
simulator's certificate), with ``IBKR_BASE_URL``, ``IBKR_VERIFY`` and ``IBKR_ACCOUNT_ID`` set as the page
tells readers to. They must exit 0, or with the code a trailing ``# exits N`` comment names. A block that
starts ``simulate`` is a reader's two terminals: the simulator (given ``--port 0``, never a real gateway's
port) keeps running while the block's later commands talk to it through the environment it printed, and
is stopped with Ctrl-C at the end of the block. A command whose comment says Ctrl-C stops it (``watch``,
``orders --follow``) must print something, then end cleanly on Ctrl-C. Of a pipeline, the ``ibkr-webapi``
command runs and a ``--json`` one must print valid JSON.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .blocks import PAGES, Block, blocks

_EXPECTED = re.compile(r"#\s*exits\s+(\d+)")


_UNTIL_CTRL_C = re.compile(r"#.*Ctrl[-+]C", re.I)
UNTIL_INTERRUPTED = -2


def _commands(page: Path) -> list[tuple[Block, str, int]]:
    found = []
    for block in blocks(page, "sh"):
        for line in block.text.splitlines():
            if not line.startswith("ibkr-webapi "):
                continue
            expected = _EXPECTED.search(line)
            command = line.split("#", 1)[0].split("|", 1)[0].strip()
            if expected:
                code = int(expected[1])
            elif _UNTIL_CTRL_C.search(line) and not command.startswith("ibkr-webapi simulate"):
                code = UNTIL_INTERRUPTED
            else:
                code = 0
            found.append((block, command, code))
    return found


def _valid_json(text: str) -> None:
    """One JSON document, or JSON lines (one document per line, as streaming commands print)."""
    try:
        json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines, "no JSON at all"
        for line in lines:
            json.loads(line)


def _until_interrupted(argv: list[str], folder: Path, environment: dict[str, str]) -> None:
    """Run a command that streams until Ctrl-C: it must show output, then stop cleanly."""
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder, env=environment
    )
    try:
        out, err = process.communicate(timeout=8)  # a few seconds of streaming, as a reader would
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert (out + err).strip(), f"{argv} showed nothing"
    assert process.returncode in (0, 130), f"{argv} ended with {process.returncode}: {err}"
    assert "Traceback" not in err


CLI_PAGES = [page for page in PAGES if _commands(page)]


def _argv(command: str) -> list[str]:
    return [sys.executable, "-m", "ibkr_webapi.cli", *shlex.split(command)[1:]]


class _Terminal1:
    """A ``simulate`` command running in the background, as in a reader's first terminal."""

    def __init__(self, command: str, folder: Path) -> None:
        argv = _argv(command)
        if "--port" not in argv:
            argv += ["--port", "0"]
        self.command = command
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=folder)
        assert self.process.stdout is not None
        self.environment: dict[str, str] = {}
        for line in self.process.stdout:
            if found := re.search(r"listening on (\S+)", line):
                self.environment["IBKR_BASE_URL"] = found[1]
            if found := re.search(r"certificate to verify with: (\S+)", line):
                self.environment["IBKR_VERIFY"] = found[1]
            if "Ctrl+C" in line:
                break
        assert "IBKR_BASE_URL" in self.environment, f"{command!r} did not say where it listens"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.communicate(timeout=30)
        assert self.process.returncode in (0, 130), f"{self.command!r} ended badly"


@pytest.mark.parametrize("page", CLI_PAGES, ids=[p.name for p in CLI_PAGES])
def test_every_command_of_the_page_runs(page: Path, doc_environment: Path) -> None:
    terminal1: _Terminal1 | None = None
    current: Block | None = None
    try:
        for block, command, expected in _commands(page):
            if block is not current and terminal1 is not None:
                terminal1.stop()
                terminal1 = None
            current = block
            if command.startswith("ibkr-webapi simulate"):
                terminal1 = _Terminal1(command, doc_environment)
                continue
            environment = dict(os.environ)
            if terminal1 is not None:
                environment.update(terminal1.environment)
            if expected == UNTIL_INTERRUPTED:
                _until_interrupted(_argv(command), doc_environment, environment)
                continue
            result = subprocess.run(
                _argv(command),
                capture_output=True,
                text=True,
                cwd=doc_environment,
                env=environment,
                stdin=subprocess.DEVNULL,
                timeout=120,
            )
            where = f"{block.where}: {command!r}"
            assert result.returncode == expected, (
                f"{where} exited {result.returncode}: {result.stderr}"
            )
            if "--json" in command and expected == 0:
                _valid_json(result.stdout)  # a pipeline's next command gets valid JSON
    finally:
        if terminal1 is not None:
            terminal1.stop()
