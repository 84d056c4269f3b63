"""Spec changes a user meets when regenerating: each keeps working or fails loudly, naming the cause.

Every case edits a copy of the project (the source spec, or our overlay), runs the build there as a
user would (``python -m tools.specbuild generate``, then mypy), and checks the outcome. None may
reach run time unnoticed. The committed package is never touched.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tools.specbuild.official_check import copy_project, project_env
from tools.specbuild.pipeline import ROOT

pytestmark = pytest.mark.pipeline

SEED = Path("openapi/interactive-brokers-web-api-openapi.yml")
OFFICIAL = ROOT.parent / "shared" / "reference" / "ibkr-official-openapi-2.27.0.json"
RESTORED = ("openapi", "ibkr_webapi_client", "custom")


@dataclass
class Run:
    code: int
    out: str


class Project:
    """One copy of the project, restored to its committed state before each case."""

    def __init__(self, pristine: Path, work: Path) -> None:
        self.pristine, self.root = pristine, work
        self.env = project_env(work)

    def reset(self) -> None:
        for name in RESTORED:
            shutil.rmtree(self.root / name, ignore_errors=True)
            shutil.copytree(self.pristine / name, self.root / name)

    def run(self, *args: str) -> Run:
        proc = subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return Run(proc.returncode, proc.stdout + proc.stderr)

    def generate(self, *extra: str) -> Run:
        return self.run("-m", "tools.specbuild", "generate", *extra)

    def check(self, *extra: str) -> Run:
        """Regenerate into a temporary folder; exit 0 means the package would not change."""
        return self.run("-m", "tools.specbuild", "check", *extra)

    def typecheck(self) -> Run:
        return self.run("-m", "mypy", "--cache-dir", str(self.root.parent / "mypy-cache"))

    def edit_seed(self, change: Callable[[str], str]) -> None:
        path = self.root / SEED
        before = path.read_text(encoding="utf-8")
        after = change(before)
        assert after != before, "the case did not change the seed"
        path.write_text(after, encoding="utf-8")

    def edit_overlay(self, name: str, change: Callable[[str], str]) -> None:
        path = self.root / "openapi" / "overlay" / name
        before = path.read_text(encoding="utf-8")
        after = change(before)
        assert after != before, "the case did not change the overlay"
        path.write_text(after, encoding="utf-8")

    def package_unchanged(self) -> bool:
        proc = subprocess.run(
            ["diff", "-rq", "-x", "__pycache__", str(self.pristine / "ibkr_webapi_client"),
             str(self.root / "ibkr_webapi_client")],
            capture_output=True,
            check=False,
        )  # fmt: skip
        return proc.returncode == 0


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    base = tmp_path_factory.mktemp("spec-changes")
    pristine = copy_project(base / "pristine")
    work = copy_project(base / "work")
    yield Project(pristine, work)


@pytest.fixture
def fresh(project: Project) -> Project:
    project.reset()
    return project


def _sub(pattern: str, replacement: str, count: int = 1) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, replacement, text, count=count, flags=re.MULTILINE)


def _fails_at_generate(project: Project, *causes: str, extra: tuple[str, ...] = ()) -> None:
    result = project.generate(*extra)
    assert result.code != 0, result.out
    for cause in causes:
        assert cause in result.out, f"{cause!r} not named in:\n{result.out}"
    assert project.package_unchanged(), "a failed build must not write the package"


# -- keeps working ------------------------------------------------------------------------------


def test_new_optional_field_keeps_working_and_is_reported(fresh: Project) -> None:
    fresh.edit_seed(
        _sub(r"^(    Position:\n      type: object\n      properties:\n)",
             r"\1        lotSize:\n          type: number\n")
    )  # fmt: skip
    assert fresh.check().code == 0
    drift = fresh.run("-m", "tools.specbuild", "drift")
    assert "lotSize" in drift.out


def test_new_endpoint_keeps_working_and_is_listed_outside_our_surface(fresh: Project) -> None:
    fresh.edit_seed(
        _sub(r"^paths:\n",
             "paths:\n  /iserver/brand/new:\n    get:\n      operationId: brandNew\n"
             "      responses:\n        '200':\n          description: ok\n")
    )  # fmt: skip
    result = fresh.check()
    assert result.code == 0, result.out
    assert "GET /iserver/brand/new" in result.out


def test_renamed_operation_id_keeps_the_pinned_name(fresh: Project) -> None:
    fresh.edit_seed(_sub(r"operationId: getLiveOrders", "operationId: listOpenOrders"))
    assert fresh.check().code == 0


def test_renamed_tag_keeps_the_pinned_module(fresh: Project) -> None:
    fresh.edit_seed(_sub(r"^        - Orders$", "        - Trading Orders", count=0))
    assert fresh.check().code == 0


def test_renamed_schema_keeps_our_class_names(fresh: Project) -> None:
    fresh.edit_seed(
        lambda text: text.replace("schemas/AuthStatus'", "schemas/SessionState'").replace(
            "    AuthStatus:\n", "    SessionState:\n"
        )
    )
    assert fresh.check().code == 0


def test_removed_field_keeps_working_and_is_reported(fresh: Project) -> None:
    fresh.edit_seed(_sub(r"^        order_status:\n          type: string\n", ""))
    assert fresh.check().code == 0
    assert "order_status" in fresh.run("-m", "tools.specbuild", "drift").out


@pytest.mark.skipif(not OFFICIAL.exists(), reason="shared/reference is not beside this checkout")
def test_official_spec_swap_generates_the_same_package_and_type_checks(fresh: Project) -> None:
    result = fresh.generate("--spec", str(OFFICIAL))
    assert result.code == 0, result.out
    assert "source    official spec" in result.out
    assert fresh.package_unchanged(), (
        "IBKR's spec must generate the same modules, classes and headers"
    )
    typed = fresh.typecheck()
    assert typed.code == 0, typed.out


# -- fails at generate, naming the cause ------------------------------------------------------


def test_field_type_change_fails_naming_the_field(fresh: Project) -> None:
    fresh.edit_seed(
        _sub(r"^(    Position:\n      type: object\n      properties:\n        acctId:\n"
             r"          type: string\n        conid:\n          type:) integer", r"\1 string")
    )  # fmt: skip
    _fails_at_generate(fresh, "'[].conid' is string in the seed spec but integer in ours")


def test_order_request_field_type_change_fails_naming_the_field(fresh: Project) -> None:
    fresh.edit_seed(
        _sub(r"^(    OrderRequest:\n      type: object\n      properties:\n        conid:\n"
             r"          type:) integer", r"\1 string")
    )  # fmt: skip
    _fails_at_generate(
        fresh, "OrderRequest", "'conid' is string in the seed spec but integer in ours"
    )


def test_renamed_field_on_the_order_answer_fails_naming_it(fresh: Project) -> None:
    fresh.edit_seed(_sub(r"^        order_id:\n", "        orderId:\n"))
    _fails_at_generate(
        fresh,
        "OrderResponse",
        "'order_id' is required in ours but the seed spec does not declare it",
    )


def test_moved_path_fails_naming_the_operation(fresh: Project) -> None:
    fresh.edit_seed(_sub(r"^  /iserver/account/orders:$", "  /iserver/account/orders/live:"))
    _fails_at_generate(
        fresh, "GET /iserver/account/orders: the seed spec no longer has this operation"
    )


def test_yaml_error_fails_naming_the_file(fresh: Project) -> None:
    fresh.edit_seed(lambda text: text.replace("paths:\n", "paths:\n  - [unbalanced\n", 1))
    _fails_at_generate(fresh, "interactive-brokers-web-api-openapi.yml is not valid YAML")


def test_dangling_reference_fails_naming_it(fresh: Project) -> None:
    fresh.edit_seed(
        _sub(r"\$ref: '#/components/schemas/Position'", "$ref: '#/components/schemas/Holding'")
    )
    _fails_at_generate(
        fresh, "'#/components/schemas/Holding' points at a component that does not exist"
    )


def test_foreign_reference_fails_naming_it(fresh: Project) -> None:
    fresh.edit_seed(
        _sub(r"\$ref: '#/components/schemas/Position'", "$ref: '#/definitions/Position'")
    )
    _fails_at_generate(fresh, "Swagger 2 reference '#/definitions/Position'")


def test_overlay_required_name_without_a_property_fails_naming_it(fresh: Project) -> None:
    fresh.edit_overlay("60-orders.yaml", _sub(r"required: \[order_id\]", "required: [orderId]"))
    _fails_at_generate(fresh, "required 'orderId' not among its properties")


def test_overlay_target_the_spec_lacks_fails_listing_every_one(fresh: Project) -> None:
    def add_actions(text: str) -> str:
        doc = yaml.safe_load(text)
        for gone in ("Gone", "AlsoGone"):
            doc["actions"].append(
                {"target": f"$.components.schemas.{gone}", "description": "d", "update": {"x": 1}}
            )
        return json.dumps(doc)

    fresh.edit_overlay("00-shared.yaml", add_actions)
    _fails_at_generate(fresh, "2 overlay action(s) matched nothing", "schemas.Gone", "AlsoGone")


# -- fails at typecheck (the typed seam between custom/ and the generated layer) -----------------


def test_order_answer_field_renamed_upstream_and_followed_in_our_overlay_keeps_working(
    fresh: Project,
) -> None:
    # IBKR renames order_id to orderId and we follow in the overlay: the generated attribute keeps
    # its snake_case name, so the hand-written layer type-checks and reads the new wire key.
    fresh.edit_seed(_sub(r"^        order_id:\n", "        orderId:\n"))
    fresh.edit_overlay(
        "60-orders.yaml",
        lambda text: text.replace("required: [order_id]", "required: [orderId]").replace(
            "    OrderResponse:\n      type: object\n      properties:\n        order_id:\n",
            "    OrderResponse:\n      type: object\n      properties:\n        orderId:\n",
        ),
    )
    generated = fresh.generate()
    assert generated.code == 0, generated.out
    typed = fresh.typecheck()
    assert typed.code == 0, typed.out
    read = fresh.run(
        "-c",
        "from ibkr_webapi_client.models import OrderResponse;"
        "print(OrderResponse.from_dict({'orderId': '7', 'order_status': 'Submitted'}).order_id)",
    )
    assert read.out.strip() == "7", read.out


def test_order_request_field_retyped_upstream_and_followed_in_our_overlay_fails_type_checking(
    fresh: Project,
) -> None:
    retype = _sub(
        r"^(    OrderRequest:\n      type: object\n      properties:\n        conid:\n"
        r"          type:) integer",
        r"\1 string",
    )
    fresh.edit_seed(retype)
    fresh.edit_overlay("60-orders.yaml", retype)
    generated = fresh.generate()
    assert generated.code == 0, generated.out
    # custom/ still builds the order with an integer conid: only a typed seam makes mypy see it.
    typed = fresh.typecheck()
    assert typed.code != 0 and "conid" in typed.out, typed.out
