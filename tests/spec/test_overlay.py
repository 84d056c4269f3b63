"""The overlay build step: Overlay 1.0 semantics, errors, and the real overlay on the seed spec."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from tools.specbuild.loader import load_document
from tools.specbuild.overlay import OverlayError, apply_overlay
from tools.specbuild.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, resolve_spec

SEED = Path(__file__).resolve().parents[2] / "openapi" / "interactive-brokers-web-api-openapi.yml"


@functools.cache
def _resolved() -> dict[str, Any]:
    return resolve_spec(DEFAULT_SPEC, DEFAULT_OVERLAY).spec


def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def _spec() -> dict[str, Any]:
    return {
        "paths": {"/a": {"get": {"operationId": "a", "parameters": [{"name": "x"}]}}},
        "components": {
            "schemas": {"S": {"type": "object", "properties": {"id": {"type": "integer"}}}}
        },
    }


def test_update_merges_objects_and_replaces_scalars() -> None:
    spec = _spec()
    apply_overlay(
        spec,
        _overlay(
            {
                "target": "$.components.schemas.S",
                "description": "id is a string on the wire",
                "update": {"properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            }
        ),
    )
    assert spec["components"]["schemas"]["S"]["properties"] == {
        "id": {"type": "string"},
        "name": {"type": "string"},
    }


def test_update_appends_to_arrays() -> None:
    spec = _spec()
    apply_overlay(
        spec,
        _overlay(
            {
                "target": "$.paths['/a'].get.parameters",
                "description": "extra query parameter",
                "update": [{"name": "y"}],
            }
        ),
    )
    assert [p["name"] for p in spec["paths"]["/a"]["get"]["parameters"]] == ["x", "y"]


def test_remove_deletes_every_selected_node() -> None:
    spec = _spec()
    report = apply_overlay(
        spec,
        _overlay(
            {
                "target": "$.components.schemas.S.properties.id",
                "description": "gone",
                "remove": True,
            }
        ),
    )
    assert spec["components"]["schemas"]["S"]["properties"] == {}
    assert report.applied == [("$.components.schemas.S.properties.id", 1)]


def test_target_selecting_nothing_is_an_error_naming_the_action() -> None:
    with pytest.raises(OverlayError, match=r"action #0 .*selects nothing"):
        apply_overlay(
            _spec(),
            _overlay({"target": "$.components.schemas.Nope", "description": "d", "update": {}}),
        )


def test_target_selecting_nothing_can_be_reported_instead() -> None:
    report = apply_overlay(
        _spec(),
        _overlay({"target": "$.components.schemas.Nope", "description": "d", "update": {}}),
        on_unmatched="warn",
    )
    assert len(report.unmatched) == 1 and "$.components.schemas.Nope" in report.unmatched[0]


def test_invalid_jsonpath_is_a_clear_error() -> None:
    with pytest.raises(OverlayError, match=r"action #0 .*invalid JSONPath"):
        apply_overlay(_spec(), _overlay({"target": "$.[[", "description": "d", "update": {}}))


def test_update_on_a_scalar_target_is_refused() -> None:
    with pytest.raises(OverlayError, match="needs an object or array target"):
        apply_overlay(
            _spec(),
            _overlay(
                {"target": "$.paths['/a'].get.operationId", "description": "d", "update": "b"}
            ),
        )


def test_every_action_needs_a_description() -> None:
    with pytest.raises(OverlayError, match="no 'description'"):
        apply_overlay(_spec(), _overlay({"target": "$.paths", "update": {}}))


def test_action_needs_exactly_one_of_update_or_remove() -> None:
    with pytest.raises(OverlayError, match="exactly one of"):
        apply_overlay(_spec(), _overlay({"target": "$.paths", "description": "d"}))


def test_not_an_overlay_document_is_refused() -> None:
    with pytest.raises(OverlayError, match="not an Overlay"):
        apply_overlay(_spec(), {"actions": []})


def test_vendored_spec_is_the_seed_byte_for_byte() -> None:
    seed = Path(__file__).resolve().parents[3] / "shared" / "seed" / SEED.name
    if not seed.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert SEED.read_bytes() == seed.read_bytes()


def test_real_overlay_applies_cleanly_and_keeps_seed_operation_ids() -> None:
    seed_ids = {
        op["operationId"]
        for item in load_document(DEFAULT_SPEC)["paths"].values()
        for op in item.values()
    }
    resolved = _resolved()
    ids = {op["operationId"] for item in resolved["paths"].values() for op in item.values()}
    assert seed_ids <= ids
    body = resolved["paths"]["/iserver/account/{accountId}/orders"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/OrdersSubmission")
    assert (
        resolved["components"]["schemas"]["ContractSearchResult"]["properties"]["conid"]["type"]
        == "string"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/tickle",
        "/iserver/auth/ssodh/init",
        "/iserver/reauthenticate",
        "/logout",
        "/sso/validate",
        "/iserver/reply/{replyId}",
        "/iserver/account/{accountId}/order/{orderId}",
        "/iserver/account/{accountId}/orders/whatif",
        "/iserver/account/order/status/{orderId}",
        "/iserver/questions/suppress",
        "/iserver/questions/suppress/reset",
        "/portfolio/accounts",
        "/portfolio/{accountId}/ledger",
        "/portfolio/{accountId}/position/{conid}",
        "/iserver/marketdata/unsubscribe",
        "/iserver/marketdata/unsubscribeall",
        "/iserver/secdef/info",
        "/iserver/contract/{conid}/info",
    ],
)
def test_overlay_adds_the_endpoints_applications_need(path: str) -> None:
    assert path in _resolved()["paths"]


def test_every_operation_declares_the_error_responses() -> None:
    resolved = _resolved()
    for item in resolved["paths"].values():
        for op in item.values():
            assert {"400", "401", "429", "503"} <= set(op["responses"]), op["operationId"]


def test_every_unmatched_target_is_reported_in_one_error() -> None:
    with pytest.raises(OverlayError) as caught:
        apply_overlay(
            _spec(),
            _overlay(
                {"target": "$.components.schemas.Nope", "description": "d", "update": {}},
                {"target": "$.paths['/a'].get", "description": "d", "update": {"summary": "s"}},
                {"target": "$.paths['/gone'].get", "description": "d", "update": {}},
            ),
        )
    message = str(caught.value)
    assert "2 overlay action(s) matched nothing" in message
    assert "schemas.Nope" in message and "/gone" in message


def test_x_only_in_skips_the_action_for_the_other_kind_of_spec() -> None:
    action = {
        "target": "$.components.schemas.SeedOnly",
        "description": "only the seed has it",
        "x-only-in": "seed",
        "remove": True,
    }
    report = apply_overlay(_spec(), _overlay(action), flavor="official")
    assert report.unmatched == [] and report.applied == []
    assert "only in seed" in report.skipped[0]


def test_x_only_in_target_missing_from_its_own_kind_is_still_an_error() -> None:
    action = {
        "target": "$.components.schemas.SeedOnly",
        "description": "only the seed has it",
        "x-only-in": "seed",
        "remove": True,
    }
    with pytest.raises(OverlayError, match="selects nothing in the seed spec"):
        apply_overlay(_spec(), _overlay(action), flavor="seed")


def test_x_only_in_marker_that_also_matches_the_other_kind_is_noted() -> None:
    action = {
        "target": "$.components.schemas.S",
        "description": "d",
        "x-only-in": "official",
        "update": {"title": "x"},
    }
    report = apply_overlay(_spec(), _overlay(action), flavor="seed")
    assert "also matches this seed spec" in report.notes[0]


def test_x_only_in_must_name_a_known_kind() -> None:
    action = {"target": "$.paths", "description": "d", "x-only-in": "staging", "update": {}}
    with pytest.raises(OverlayError, match="x-only-in must be one of seed, official"):
        apply_overlay(_spec(), _overlay(action))


def test_x_replace_swaps_whole_values_instead_of_merging() -> None:
    spec = _spec()
    apply_overlay(
        spec,
        _overlay(
            {
                "target": "$.components.schemas",
                "description": "ours replaces the source's schema of the same name",
                "x-replace": True,
                "update": {"S": {"type": "object", "properties": {"name": {"type": "string"}}}},
            }
        ),
    )
    assert spec["components"]["schemas"]["S"] == {
        "type": "object",
        "properties": {"name": {"type": "string"}},
    }


def test_every_overlay_problem_is_listed_at_once() -> None:
    with pytest.raises(OverlayError) as caught:
        apply_overlay(
            _spec(),
            _overlay(
                {"target": "$.paths", "update": {}}, {"target": "$.paths", "description": "d"}
            ),
        )
    assert "no 'description'" in str(caught.value) and "exactly one of" in str(caught.value)
