"""Repairs of upstream spec defects the generator cannot digest."""

from __future__ import annotations

from typing import Any

from tools.specbuild.repair import repair_spec


def test_array_declaring_properties_gets_them_as_items() -> None:
    spec: dict[str, Any] = {
        "components": {
            "schemas": {
                "L": {"type": "array", "properties": {"a": {"type": "string"}}, "required": ["a"]}
            }
        }
    }
    report = repair_spec(spec)
    assert spec["components"]["schemas"]["L"] == {
        "type": "array",
        "items": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
    }
    assert any("moved them under 'items'" in fix for fix in report.fixes)


def test_schema_names_colliding_as_classes_are_renamed_with_their_references() -> None:
    spec: dict[str, Any] = {
        "paths": {
            "/x": {
                "get": {
                    "operationId": "x",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/errorResponse"}
                                }
                            }
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {"ErrorResponse": {"type": "object"}, "errorResponse": {"type": "object"}}
        },
    }
    repair_spec(spec)
    schemas = spec["components"]["schemas"]
    assert set(schemas) == {"ErrorResponse", "errorResponse2"}
    ref = spec["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"
    ]
    assert ref == "#/components/schemas/errorResponse2"


def test_path_parameter_case_mismatch_is_fixed() -> None:
    spec: dict[str, Any] = {
        "paths": {
            "/p/{accountid}": {
                "get": {
                    "operationId": "p",
                    "parameters": [
                        {
                            "name": "accountId",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                }
            }
        }
    }
    repair_spec(spec)
    assert spec["paths"]["/p/{accountid}"]["get"]["parameters"][0]["name"] == "accountid"


def test_path_parameter_missing_from_template_is_dropped() -> None:
    spec: dict[str, Any] = {
        "paths": {
            "/p": {
                "post": {
                    "operationId": "p",
                    "parameters": [{"name": "clientId", "in": "path", "required": True}],
                }
            }
        }
    }
    report = repair_spec(spec)
    assert spec["paths"]["/p"]["post"]["parameters"] == []
    assert any("not in the path" in fix for fix in report.fixes)


def test_operations_without_ids_get_deterministic_names() -> None:
    spec: dict[str, Any] = {"paths": {"/iserver/auth/status": {"post": {}}}}
    repair_spec(spec)
    assert (
        spec["paths"]["/iserver/auth/status"]["post"]["operationId"] == "post_iserver_auth_status"
    )


def test_clean_spec_is_left_alone() -> None:
    spec: dict[str, Any] = {
        "paths": {"/a": {"get": {"operationId": "a"}}},
        "components": {"schemas": {}},
    }
    assert repair_spec(spec).fixes == []


def test_parameter_listed_twice_keeps_the_later_definition() -> None:
    spec: dict[str, Any] = {
        "paths": {
            "/h": {
                "get": {
                    "operationId": "h",
                    "parameters": [
                        {"name": "conid", "in": "query", "description": "upstream"},
                        {"name": "bar", "in": "query"},
                        {"name": "conid", "in": "query", "description": "overlay"},
                    ],
                }
            }
        }
    }
    report = repair_spec(spec)
    params = spec["paths"]["/h"]["get"]["parameters"]
    assert [(p["name"], p.get("description")) for p in params] == [
        ("bar", None),
        ("conid", "overlay"),
    ]
    assert any("duplicate parameter" in fix for fix in report.fixes)
