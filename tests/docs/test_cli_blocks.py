"""Every ``ibkr-webapi`` command shown in the documentation runs, against a simulator.

Commands are taken from ```sh blocks in order and run as written, from a folder holding ``gw.pem`` (the
simulator's certificate), with ``IBKR_BASE_URL``, ``IBKR_VERIFY`` and ``IBKR_ACCOUNT_ID`` set as the page
tells readers to. They must exit 0, or with the code a trailing ``# exits N`` comment names. ``simulate``
gets ``--port 0`` (never a real gateway's port) and is stopped with Ctrl-C once it listens. Of a pipeline,
the ``ibkr-webapi`` command runs and a ``--json`` one must print valid JSON.
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


def _commands(page: Path) -> list[tuple[Block, str, int]]:
    found = []
    for block in blocks(page, "sh"):
        for line in block.text.splitlines():
            if not line.startswith("ibkr-webapi "):
                continue
            expected = _EXPECTED.search(line)
            command = line.split("#", 1)[0].split("|", 1)[0].strip()
            found.append((block, command, int(expected[1]) if expected else 0))
    return found


CLI_PAGES = [page for page in PAGES if _commands(page)]


def _argv(command: str) -> list[str]:
    return [sys.executable, "-m", "ibkr_webapi.cli", *shlex.split(command)[1:]]


def _simulate(command: str, folder: Path) -> None:
    argv = _argv(command)
    if "--port" not in argv:
        argv += ["--port", "0"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=folder)
    assert process.stdout is not None
    first = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert "listening on" in first, f"{command!r} printed {first!r}"
    assert process.returncode in (0, 130)


@pytest.mark.parametrize("page", CLI_PAGES, ids=[p.name for p in CLI_PAGES])
def test_every_command_of_the_page_runs(page: Path, doc_environment: Path) -> None:
    for block, command, expected in _commands(page):
        if command.startswith("ibkr-webapi simulate"):
            _simulate(command, doc_environment)
            continue
        result = subprocess.run(
            _argv(command),
            capture_output=True,
            text=True,
            cwd=doc_environment,
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        where = f"{block.where}: {command!r}"
        assert result.returncode == expected, f"{where} exited {result.returncode}: {result.stderr}"
        if "--json" in command and expected == 0:
            json.loads(result.stdout)  # a pipeline's next command gets valid JSON
