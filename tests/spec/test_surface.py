"""Our surface: operations matched by method + path, the rest left out, unreachable components pruned."""

from __future__ import annotations

from typing import Any

from tools.specbuild.surface import (
    OurOperation,
    canonical,
    defined_operations,
    prune_components,
    restrict_to,
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_placeholder_names_do_not_matter_when_matching_paths() -> None:
    assert canonical("/portfolio/{accountid}/position/{conid}") == canonical(
        "/portfolio/{accountId}/position/{conid}"
    )
    assert canonical("/a/{x}") != canonical("/a/{x}/b")


def test_operations_are_read_from_path_updates_for_the_right_kind_of_spec() -> None:
    overlays = [
        (
            "o.yaml",
            {
                "actions": [
                    {"target": "$.paths", "update": {"/a": {"get": {"operationId": "a"}}}},
                    {
                        "target": "$.paths",
                        "x-only-in": "seed",
                        "update": {"/b": {"post": {"operationId": "b"}}},
                    },
                ]
            },
        )
    ]
    assert [o.label for o in defined_operations(overlays, "official")] == ["GET /a"]
    assert [o.label for o in defined_operations(overlays, "seed")] == ["GET /a", "POST /b"]


def test_restrict_to_drops_the_source_operations_that_are_not_ours() -> None:
    spec: dict[str, Any] = {
        "paths": {
            "/a": {"get": {"tags": ["T"]}, "post": {}},
            "/gw/x": {"get": {"tags": ["Account Management"]}},
        }
    }
    dropped = restrict_to(spec, [OurOperation("get", "/a", {})])
    assert spec["paths"] == {"/a": {"get": {"tags": ["T"]}}}
    assert dropped == ["POST /a", "GET /gw/x [Account Management]"]


def test_pruning_keeps_what_the_paths_and_our_schemas_reach() -> None:
    spec: dict[str, Any] = {
        "paths": {"/a": {"get": {"responses": {"200": {"schema": _ref("A")}}}}},
        "components": {
            "schemas": {
                "A": {"properties": {"b": _ref("B")}},
                "B": {},
                "Ours": {"properties": {"c": _ref("C")}},
                "C": {},
                "SourceOnly": {},
            },
            "parameters": {"Unused": {"schema": _ref("SourceOnly")}},
        },
    }
    assert prune_components(spec, frozenset({"Ours"})) == 2
    assert set(spec["components"]["schemas"]) == {"A", "B", "Ours", "C"}
    assert spec["components"]["parameters"] == {}
