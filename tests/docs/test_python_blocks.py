"""Every ```python block of README.md and docs/*.md runs, against a simulator in another process.

Blocks of one page share their names, in order, like a reader's session. A block with top-level
``await`` runs in an event loop of its own with ``ib``, an open ``IBKRClient()`` configured from the
environment (``IBKR_BASE_URL``, ``IBKR_VERIFY``, ``IBKR_ACCOUNT_ID``), the way the page introduces it.
A block that defines ``test_*`` functions is a test file for the reader's pytest: it is saved with the
page's ``[tool.pytest.ini_options]`` and run by pytest in a subprocess, as the page tells readers to.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import subprocess
import sys
from pathlib import Path
from types import CodeType

import pytest

from ibkr_webapi import IBKRClient

from .blocks import PAGES, Block, blocks

PYTHON_PAGES = [page for page in PAGES if blocks(page, "python")]


def _compile(block: Block) -> CodeType:
    padded = "\n" * (block.line - 1) + block.text  # tracebacks point at the Markdown line
    return compile(padded, str(block.page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


async def _run_with_client(code: CodeType, namespace: dict[str, object]) -> None:
    async with IBKRClient() as ib:
        namespace["ib"] = ib
        outcome = eval(code, namespace)
        if inspect.isawaitable(outcome):
            await outcome


def _run_as_pytest_file(block: Block, page_blocks: list[Block], folder: Path) -> None:
    settings = [b.text for b in blocks(block.page, "toml") if "[tool.pytest.ini_options]" in b.text]
    project = folder / f"doc-tests-{block.line}"
    project.mkdir()
    (project / "pyproject.toml").write_text("\n".join(settings), encoding="utf-8")
    (project / "test_from_docs.py").write_text(block.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=300,
    )
    assert result.returncode == 0, f"{block.where}: the page's test file fails:\n{result.stdout}"


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=[p.name for p in PYTHON_PAGES])
def test_every_python_block_of_the_page_runs(page: Path, doc_environment: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    page_blocks = blocks(page, "python")
    for block in page_blocks:
        if "def test_" in block.text:
            _run_as_pytest_file(block, page_blocks, doc_environment)
            continue
        code = _compile(block)
        if code.co_flags & inspect.CO_COROUTINE:
            asyncio.run(_run_with_client(code, namespace))
        else:
            exec(code, namespace)
