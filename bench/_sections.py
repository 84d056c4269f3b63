"""What a benchmark section reports, how goals are checked, and how sections plug in.

A section is a titled table (``columns`` and ``rows`` of already formatted cells) plus the goals it
checks. Built-in sections are made by :mod:`bench.run`; other scripts plug in by convention: a module
``bench/<name>.py`` named in :data:`PLUGINS` that defines ``run()`` (plain or ``async``, optionally
taking ``quick: bool``) returning a mapping of figures:

* ``{"name": 12.5}`` - a figure (a number, text or true/false);
* ``{"name": {"value": 12.5, "unit": "ms", "goal": "<= 20"}}`` - a figure with its unit and goal;
* a module-level ``GOALS = {"name": ">= 0.9"}`` adds goals to plain figures.

A goal is ``"<op> <limit>"`` with op one of ``<=``, ``<``, ``>=``, ``>``, ``==`` (``"== true"`` for a
true/false figure). A module may instead define ``section(quick: bool) -> Section`` for full control.
Plugins run in their own process (``python -m bench._plugin NAME``), so one that fails is reported as a
failed section instead of stopping the run.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

PLUGINS: tuple[str, ...] = ("pacing", "streaming")
"""Section modules picked up when present: ``bench.pacing:run``, ``bench.streaming:run``."""

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Goal:
    """One checked target: ``value <op> limit``."""

    name: str
    value: float | bool | None
    op: str
    limit: float | bool
    detail: str = ""

    @property
    def ok(self) -> bool:
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return False
        return _OPS[self.op](self.value, self.limit)

    def line(self) -> str:
        mark = "ok  " if self.ok else "MISS"
        shown = "n/a" if self.value is None else _fmt(self.value)
        extra = f"  ({self.detail})" if self.detail else ""
        return f"{mark} {self.name}: {shown} (goal {self.op} {_fmt(self.limit)}){extra}"


@dataclass
class Section:
    """A titled table of figures and the goals it checks."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(goal.ok for goal in self.goals)

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.error is not None:
            lines += [f"**failed:** {self.error}", ""]
        if self.rows:
            lines.append("| " + " | ".join(self.columns) + " |")
            lines.append("|" + "|".join("---" for _ in self.columns) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in self.rows]
            lines.append("")
        lines += [f"- {note}" for note in self.notes]
        if self.notes:
            lines.append("")
        if self.goals:
            lines += ["```text", *(goal.line() for goal in self.goals), "```", ""]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["goals"] = [{**asdict(goal), "ok": goal.ok} for goal in self.goals]
        return data


def _fmt(value: float | bool | str) -> str:
    if isinstance(value, bool | str):
        return str(value).lower() if isinstance(value, bool) else value
    if value == 0 or 0.01 <= abs(value) < 1e6:
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:.3g}"


def parse_goal(text: str) -> tuple[str, float | bool]:
    """``"<= 1.2"`` -> ``("<=", 1.2)``; ``"== true"`` -> ``("==", True)``."""
    text = text.strip()
    for op in sorted(_OPS, key=len, reverse=True):
        if text.startswith(op):
            limit = text[len(op) :].strip().lower()
            if limit in ("true", "false"):
                return op, limit == "true"
            return op, float(limit)
    raise ValueError(f"a goal is '<op> <number>' with op one of {', '.join(_OPS)}: {text!r}")


def section_from_figures(
    title: str, figures: Mapping[str, Any], goals: Mapping[str, str] | None = None
) -> Section:
    """A plugin's figures as a two-column table, with the goals they name."""
    section = Section(title, ["figure", "value"])
    goals = dict(goals or {})
    for name, raw in figures.items():
        unit = ""
        value = raw
        if isinstance(raw, Mapping):
            value, unit = raw.get("value"), str(raw.get("unit", ""))
            if raw.get("goal") is not None:
                goals.setdefault(name, str(raw["goal"]))
        shown = _fmt(value) if isinstance(value, int | float | bool | str) else repr(value)
        section.rows.append([name, f"{shown} {unit}".strip()])
    for name, text in goals.items():
        op, limit = parse_goal(text)
        raw = figures.get(name)
        value = raw.get("value") if isinstance(raw, Mapping) else raw
        number = value if isinstance(value, int | float | bool) else None
        section.goals.append(Goal(f"{title}: {name}", number, op, limit))
    return section
