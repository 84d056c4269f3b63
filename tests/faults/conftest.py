"""The fault suite (every module is marked ``faults``: run it alone with ``pytest -m faults``)."""

from __future__ import annotations

import pytest

from .harness import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if sum(FIGURES.placements.values()) or FIGURES.other:
        terminalreporter.section("fault suite figures")
        for line in FIGURES.lines():
            terminalreporter.write_line(line)
