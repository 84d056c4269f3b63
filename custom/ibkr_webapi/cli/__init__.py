"""The ``ibkr-webapi`` command line: quotes, positions, orders and a gateway simulator.

``main(argv)`` is the console entry point; ``await run_cli(argv)`` runs the same command inside an
already running event loop (tests, notebooks).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from ._exitcodes import ExitCode

__all__ = ["INSTALL_HINT", "ExitCode", "main", "run_cli"]

INSTALL_HINT = "pip install 'ibkr-webapi-client[cli]'"
_CLI_DEPENDENCIES = frozenset({"rich", "starlette", "uvicorn", "cryptography"})


def _is_missing_extra(exc: ModuleNotFoundError) -> bool:
    return (exc.name or "").partition(".")[0] in _CLI_DEPENDENCIES


def _missing_extra(exc: ModuleNotFoundError) -> int:
    package = (exc.name or "").partition(".")[0]
    print(
        f"ibkr-webapi: the command line needs the {package!r} package: {INSTALL_HINT}",
        file=sys.stderr,
    )
    return ExitCode.FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (see :class:`ExitCode`)."""
    try:
        from ._app import main as app_main
    except ModuleNotFoundError as exc:
        if _is_missing_extra(exc):
            return _missing_extra(exc)
        raise
    return app_main(argv)


async def run_cli(argv: Sequence[str], *, stdin: TextIO | None = None) -> int:
    """Run one command in the running event loop and return its exit code."""
    try:
        from ._app import run_cli as app_run_cli
    except ModuleNotFoundError as exc:
        if _is_missing_extra(exc):
            return _missing_extra(exc)
        raise
    return await app_run_cli(argv, stdin=stdin)
