"""A user's strict-typed program: it type-checks with mypy --strict and runs against the simulator."""

from __future__ import annotations

import ast
from pathlib import Path

from mypy import api

from ibkr_webapi.testing import GatewayServer

from .user_program import run

PROGRAM = Path(__file__).with_name("user_program.py")


def test_user_program_passes_mypy_strict_without_the_generated_layer() -> None:
    tree = ast.parse(PROGRAM.read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not [name for name in imported if name.startswith("ibkr_webapi_client")]
    assert "Unset" not in {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--follow-imports=silent", str(PROGRAM)]
    )
    assert status == 0, out + err


async def test_user_program_runs_against_the_simulator(ibkr_gateway: GatewayServer) -> None:
    placed, cancelled = await run(ibkr_gateway.url, str(ibkr_gateway.verify))
    assert placed >= 2 and cancelled == placed
