"""Run one plug-in section in this process and print it as JSON: ``python -m bench._plugin NAME``.

See :mod:`bench._sections` for the convention a plug-in module follows.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import sys
from collections.abc import Mapping
from typing import Any

from bench._sections import Section, section_from_figures


def _call(function: Any, quick: bool) -> Any:
    params = inspect.signature(function).parameters
    result = function(quick=quick) if "quick" in params else function()
    if inspect.isawaitable(result):
        result = asyncio.run(_awaited(result))
    return result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def load_section(name: str, quick: bool) -> Section:
    """Import ``bench.<name>`` and turn what it measures into a :class:`Section`."""
    module = importlib.import_module(f"bench.{name}")
    title = str(getattr(module, "TITLE", name))
    if callable(getattr(module, "section", None)):
        section = _call(module.section, quick)
        if not isinstance(section, Section):
            raise TypeError(f"bench.{name}.section() returned {type(section).__name__}")
        return section
    run = getattr(module, "run", None)
    if not callable(run):
        raise TypeError(f"bench.{name} has neither run() nor section()")
    figures = _call(run, quick)
    if not isinstance(figures, Mapping):
        raise TypeError(f"bench.{name}.run() returned {type(figures).__name__}, not a mapping")
    goals = getattr(module, "GOALS", None)
    return section_from_figures(title, figures, goals if isinstance(goals, Mapping) else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    section = load_section(args.name, args.quick)
    # The JSON goes last on stdout, after whatever the section printed.
    print("\n" + json.dumps(section.to_json()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
