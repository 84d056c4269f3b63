"""Spec defects the build refuses instead of repairing silently."""

from __future__ import annotations

from typing import Any

import pytest

from tools.specbuild.defects import find_defects, name_clashes
from tools.specbuild.pipeline import SpecDefectError, resolve_spec


def _spec(schema: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    return {
        "paths": {
            "/x": {
                "get": {
                    "operationId": "x",
                    "responses": {"200": {"content": {"application/json": {"schema": schema}}}},
                }
            }
        },
        "components": {"schemas": dict(schemas)},
    }


def test_dangling_reference_is_a_defect_naming_the_reference() -> None:
    problems = find_defects(_spec({"$ref": "#/components/schemas/Gone"}))
    assert len(problems) == 1
    assert "'#/components/schemas/Gone' points at a component that does not exist" in problems[0]


def test_swagger_2_reference_is_a_defect() -> None:
    problems = find_defects(_spec({"$ref": "#/definitions/Order"}))
    assert "Swagger 2 reference '#/definitions/Order' points outside #/components/" in problems[0]


def test_external_file_reference_is_a_defect() -> None:
    problems = find_defects(_spec({"$ref": "common.yaml#/Order"}))
    assert "points outside #/components/" in problems[0]


def test_required_name_without_a_property_is_a_defect() -> None:
    schema = {"type": "object", "required": ["reqId"], "properties": {"reqID": {"type": "integer"}}}
    problems = find_defects(_spec(schema))
    assert "required 'reqId' not among its properties (reqID)" in problems[0]


def test_parameters_with_a_required_flag_are_not_mistaken_for_schemas() -> None:
    spec = _spec({"type": "string"})
    spec["paths"]["/x"]["get"]["parameters"] = [{"name": "q", "in": "query", "required": True}]
    assert find_defects(spec) == []


def test_list_property_named_like_its_schema_is_refused() -> None:
    spec = _spec(
        {"$ref": "#/components/schemas/Transactions"},
        Transactions={"type": "object", "properties": {"transactions": {"type": "array"}}},
    )
    assert "property 'transactions' has the schema's own Python name" in name_clashes(spec)[0]


def test_scalar_property_named_like_its_schema_is_fine() -> None:
    spec = _spec(
        {"$ref": "#/components/schemas/Position"},
        Position={"type": "object", "properties": {"position": {"type": "number"}}},
    )
    assert name_clashes(spec) == []


def test_resolve_reports_every_defect_of_the_overlaid_spec(tmp_path: Any) -> None:
    import json

    source = tmp_path / "spec.json"
    source.write_text(
        json.dumps(
            _spec(
                {"$ref": "#/definitions/A"},
                B={"type": "object", "required": ["b"], "properties": {}},
            )
        )
    )
    with pytest.raises(SpecDefectError) as caught:
        resolve_spec(source, None, flavor="official")
    assert len(caught.value.problems) == 2


def test_property_named_like_the_parsers_local_variable_is_refused() -> None:
    # from_dict keeps the answer in a local `d`: a property "D" would replace it mid-parse.
    spec = _spec(
        {"$ref": "#/components/schemas/Note"},
        Note={"type": "object", "properties": {"D": {"type": "string"}, "MS": {"type": "string"}}},
    )
    assert "property 'D' has the Python name of a local variable" in name_clashes(spec)[0]
