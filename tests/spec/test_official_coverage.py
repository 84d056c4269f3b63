"""Our surface against IBKR's own spec (2.27.0): every trading operation covered, nothing invented.

Runs when ``../shared/reference`` (IBKR's published spec, read in place) is beside this checkout.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from tools.specbuild.loader import load_document, load_overlays
from tools.specbuild.pipeline import DEFAULT_OVERLAY, ROOT
from tools.specbuild.surface import OurOperation, defined_operations, op_key, operations

OFFICIAL = ROOT.parent / "shared" / "reference" / "ibkr-official-openapi-2.27.0.json"
TAGS = {
    "Sessions", "Accounts", "Portfolio", "Market Data", "Contracts", "Orders", "Scanner",
    "Watchlists", "Alerts", "Notifications", "Advisor", "Analyst", "Events", "Oauth", "Streaming",
}  # fmt: skip

pytestmark = pytest.mark.skipif(
    not OFFICIAL.exists(), reason="shared/reference is not beside this checkout"
)


@functools.cache
def _official() -> dict[str, Any]:
    return load_document(OFFICIAL)


@functools.cache
def _ours() -> tuple[OurOperation, ...]:
    return tuple(defined_operations(load_overlays(Path(DEFAULT_OVERLAY)), "official"))


def _theirs() -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    return {op_key(m, p): (p, dict(op)) for m, p, op in operations(_official())}


def _parameters(spec: dict[str, Any], path: str, op: dict[str, Any]) -> set[tuple[str, str]]:
    names = [part[1:-1].lower() for part in path.split("/") if part.startswith("{")]
    found = set()
    for param in op.get("parameters", []):
        if "$ref" in param:
            param = spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        if param.get("x-live-unspecified"):
            continue
        where, name = param["in"], param["name"]
        found.add((where, f"#{names.index(name.lower())}" if where == "path" else name))
    return found


def _trading() -> set[tuple[str, str]]:
    return {
        op_key(m, p)
        for m, p, op in operations(_official())
        if (op.get("tags") or [""])[0].startswith("Trading")
    }


def test_every_trading_operation_of_ibkrs_spec_is_ours(capsys: pytest.CaptureFixture[str]) -> None:
    trading = _trading()
    covered = trading & {op.key for op in _ours()}
    with capsys.disabled():
        print(f"\nIBKR 2.27.0 trading operations covered: {len(covered)}/{len(trading)}")
    assert covered == trading, sorted(trading - covered)
    assert len(trading) == 111


def test_our_operations_exist_in_ibkrs_spec_with_the_same_parameters() -> None:
    theirs = _theirs()
    problems = []
    for op in _ours():
        if op.live_unspecified:
            continue
        if op.key not in theirs:
            problems.append(f"{op.label}: not in IBKR's spec (mark it x-live-unspecified?)")
            continue
        path, upstream = theirs[op.key]
        mine = _parameters({}, op.path, dict(op.operation))
        expected = _parameters(_official(), path, upstream)
        if mine != expected:
            problems.append(f"{op.label}: parameters {sorted(mine)} != IBKR's {sorted(expected)}")
    assert problems == []


def test_live_but_unspecified_operations_are_really_absent_from_ibkrs_spec() -> None:
    theirs = _theirs()
    live = [op for op in _ours() if op.live_unspecified]
    assert {op.label for op in live} == {
        "POST /iserver/reauthenticate",
        "GET /hmds/history",
        "GET /md/regsnapshot",
        "GET /portfolio/{accountId}/combo/positions",
        "GET /portfolio/subaccounts2",
        "POST /portfolio/allocation",
        "POST /pa/summary",
    }
    assert [op.label for op in live if op.key in theirs] == []


def test_every_operation_has_a_pinned_name_and_one_resource_tag() -> None:
    ids = [op.operation.get("operationId") for op in _ours()]
    assert all(ids) and len(ids) == len(set(ids))
    for op in _ours():
        assert len(op.operation["tags"]) == 1 and op.operation["tags"][0] in TAGS, op.label
