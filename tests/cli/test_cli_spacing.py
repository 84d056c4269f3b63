"""Slow endpoints are spaced across command-line processes through a shared state file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ibkr_webapi import RateLimitPolicy
from ibkr_webapi.cli._spacing import SharedPacer, default_state_file
from ibkr_webapi.transports.pacing import EndpointRule

GATEWAY = "https://127.0.0.1:5000/v1/api"


def policy(rate: str = "1 per 1 second") -> RateLimitPolicy:
    return RateLimitPolicy(global_rate=None, rules=(EndpointRule("GET", "/slow", rate=rate),))


async def test_a_second_process_waits_out_the_first_ones_window(tmp_path: Path) -> None:
    state = tmp_path / "pacing.json"
    first = SharedPacer(GATEWAY, policy(), state_file=state)  # two pacers: two processes
    second = SharedPacer(GATEWAY, policy(), state_file=state)
    (await first.acquire("GET", "/slow")).release()
    started = time.monotonic()
    (await second.acquire("GET", "/slow")).release()
    assert time.monotonic() - started >= 0.9


async def test_other_endpoints_and_gateways_do_not_wait(tmp_path: Path) -> None:
    state = tmp_path / "pacing.json"
    (await SharedPacer(GATEWAY, policy(), state_file=state).acquire("GET", "/slow")).release()
    started = time.monotonic()
    other = SharedPacer("https://127.0.0.1:5001/v1/api", policy(), state_file=state)
    (await other.acquire("GET", "/slow")).release()
    (await SharedPacer(GATEWAY, policy(), state_file=state).acquire("GET", "/fast")).release()
    assert time.monotonic() - started < 0.5


async def test_an_unusable_state_file_only_loses_the_sharing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    pacer = SharedPacer(GATEWAY, policy(), state_file=blocker / "pacing.json")
    (await pacer.acquire("GET", "/slow")).release()


def test_state_file_lives_in_the_cache_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_state_file() == tmp_path / "ibkr-webapi" / "pacing.json"
