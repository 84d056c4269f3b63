"""Every Python block of docs/streaming.md runs against the simulator."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "streaming.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.mark.parametrize("number", range(len(BLOCKS)))
async def test_docs_block_runs(number: int) -> None:
    code = compile(
        BLOCKS[number], f"streaming.md block {number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    )
    result = eval(code, {"__name__": "__docs__"})
    if asyncio.iscoroutine(result):
        await asyncio.wait_for(result, 60)


def test_the_doc_has_examples() -> None:
    assert len(BLOCKS) >= 5
