"""Generation end to end: headers, drift check, and another (newer) spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.specbuild.__main__ import main
from tools.specbuild.pipeline import (
    DEFAULT_OUT,
    DEFAULT_OVERLAY,
    SpecDefectError,
    diff_trees,
    generate,
)

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL = ROOT.parent / "shared" / "reference" / "ibkr-official-openapi-2.27.0.json"


def test_every_generated_file_carries_the_do_not_edit_header() -> None:
    for path in DEFAULT_OUT.rglob("*.py"):
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert "DO NOT EDIT" in head[0], path
        assert head[1] == "# Regenerate with: make generate", path


def test_diff_trees_reports_added_removed_and_changed_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        root.mkdir()
        (root / "same.py").write_text("x = 1\n")
    (a / "changed.py").write_text("x = 1\n")
    (b / "changed.py").write_text("x = 2\n")
    (a / "new.py").write_text("")
    (b / "old.py").write_text("")
    assert diff_trees(a, b) == [
        "differs: changed.py",
        "only in committed: old.py",
        "only in regenerated: new.py",
    ]


def test_check_fails_when_generated_code_was_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ibkr_webapi_client"
    assert main(["generate", "--out", str(out)]) == 0
    models = out / "models" / "auth_status.py"
    models.write_text(models.read_text() + "\n# hand edit\n")
    assert main(["check", "--out", str(out)]) == 1
    assert "differs: models/auth_status.py" in capsys.readouterr().err


@pytest.mark.skipif(not OFFICIAL.exists(), reason="shared/reference is not beside this checkout")
def test_official_ibkr_spec_alone_is_refused_for_its_defects(tmp_path: Path) -> None:
    # Without our overlay, IBKR's spec reaches the generator as it is: its defects are errors.
    with pytest.raises(SpecDefectError) as caught:
        generate(OFFICIAL, None, tmp_path / "pkg", contract_file=None)
    assert any("required 'reqId' not among its properties" in p for p in caught.value.problems)


@pytest.mark.skipif(not OFFICIAL.exists(), reason="shared/reference is not beside this checkout")
def test_our_overlay_on_the_official_spec_generates_our_package(tmp_path: Path) -> None:
    result = generate(OFFICIAL, DEFAULT_OVERLAY, tmp_path / "ibkr_webapi_client")
    assert result.flavor == "official"
    assert result.warnings == []
    assert diff_trees(tmp_path / "ibkr_webapi_client", DEFAULT_OUT) == []


def test_generate_clears_the_type_checkers_cache_of_the_project(tmp_path: Path) -> None:
    # A cache from before a regeneration makes mypy report errors that no longer exist.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    stale = tmp_path / ".mypy_cache" / "3.11"
    stale.mkdir(parents=True)
    assert main(["generate", "--out", str(tmp_path / "ibkr_webapi_client")]) == 0
    assert not (tmp_path / ".mypy_cache").exists()


def test_generation_reports_what_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ibkr_webapi_client"
    assert main(["generate", "--out", str(out)]) == 0
    (out / "models" / "position.py").write_text("# older\n")
    (out / "api" / "orders" / "gone_operation.py").write_text("")
    capsys.readouterr()
    assert main(["generate", "--out", str(out)]) == 0
    report = capsys.readouterr().out
    assert "changed   operations: 1 removed" in report and "orders.gone_operation" in report
    assert "changed   models: 1 changed" in report and "position" in report
