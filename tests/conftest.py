"""Test set-up shared by every test directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_pacing_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own host-local pacing state (budgets, penalty holds, the order gate),
    out of the user's cache directory: a 429 held in one test must not hold the next one.
    Subprocesses started by the test inherit it."""
    directory = tmp_path_factory.mktemp("pacing")
    monkeypatch.setenv("IBKR_WEBAPI_PACING_DIR", str(directory))
    return directory
