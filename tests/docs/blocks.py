"""Fenced code blocks of the project's Markdown files."""

from __future__ import annotations

import re
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^```", re.M | re.S)


@attrs.frozen
class Block:
    """One fenced block: its language, text and first line in the file."""

    page: Path
    lang: str
    text: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path, lang: str) -> list[Block]:
    """The blocks of ``page`` fenced as ``lang``, in order."""
    source = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(source):
        if match["lang"] == lang:
            line = source.count("\n", 0, match.start("body")) + 1
            found.append(Block(page, lang, match["body"], line))
    return found
