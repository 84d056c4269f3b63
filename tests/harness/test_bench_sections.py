"""The benchmark harness's own logic: goals, plug-in sections by convention, the simulator launcher.

Speed is never asserted here (that is `make bench`'s job); these tests check the machinery.
"""

from __future__ import annotations

import signal
import sys
import types
from collections.abc import Iterator

import pytest

from bench import _gateway
from bench._plugin import load_section
from bench._sections import Goal, Section, parse_goal, section_from_figures


def test_goals_compare_and_treat_missing_values_as_missed() -> None:
    assert Goal("ratio", 1.1, "<=", 1.2).ok
    assert not Goal("ratio", 1.3, "<=", 1.2).ok
    assert Goal("clean", True, "==", True).ok
    assert not Goal("absent", None, "<=", 1.0).ok
    assert not Goal("nan", float("nan"), "<=", 1.0).ok
    assert "MISS" in Goal("ratio", 1.3, "<=", 1.2).line()


def test_goal_text_is_parsed() -> None:
    assert parse_goal("<= 1.2") == ("<=", 1.2)
    assert parse_goal(">=0.9") == (">=", 0.9)
    assert parse_goal("== true") == ("==", True)
    with pytest.raises(ValueError, match="op"):
        parse_goal("about 3")


def test_figures_become_a_table_with_their_goals() -> None:
    section = section_from_figures(
        "pacing",
        {"share": 0.93, "cpu_per_acquire_us": {"value": 12.5, "unit": "µs", "goal": "<= 20"}},
        {"share": ">= 0.9"},
    )
    assert section.rows == [["share", "0.93"], ["cpu_per_acquire_us", "12.5 µs"]]
    assert [goal.ok for goal in section.goals] == [True, True]
    assert "| share | 0.93 |" in section.markdown()


@pytest.fixture
def plugin() -> Iterator[types.ModuleType]:
    module = types.ModuleType("bench.fake_section")
    sys.modules["bench.fake_section"] = module
    yield module
    del sys.modules["bench.fake_section"]


def test_a_plugin_run_function_plain_or_async_is_picked_up(plugin: types.ModuleType) -> None:
    async def run(quick: bool = False) -> dict[str, object]:
        return {"429s": 0, "quick": quick}

    plugin.run = run  # type: ignore[attr-defined]
    plugin.GOALS = {"429s": "== 0"}  # type: ignore[attr-defined]
    plugin.TITLE = "Fake"  # type: ignore[attr-defined]
    section = load_section("fake_section", quick=True)
    assert section.title == "Fake"
    assert section.rows == [["429s", "0"], ["quick", "true"]]
    assert section.ok


def test_a_plugin_may_build_its_own_section(plugin: types.ModuleType) -> None:
    plugin.section = lambda: Section("own", ["a"], [["1"]])  # type: ignore[attr-defined]
    assert load_section("fake_section", quick=False).rows == [["1"]]


def test_a_plugin_without_run_or_section_is_refused(plugin: types.ModuleType) -> None:
    with pytest.raises(TypeError, match="neither"):
        load_section("fake_section", quick=False)


def test_the_simulator_starts_in_another_process_and_cleans_up_on_sigint() -> None:
    gateway = _gateway.start(positions=3)
    try:
        assert gateway.url.startswith("https://127.0.0.1:")
        assert gateway.temp_dir.exists()
        gateway.admin("/positions", {"account": "U7654321", "count": 2})
    finally:
        code, clean = gateway.stop(signal.SIGINT)
    assert (code, clean) == (0, True)
