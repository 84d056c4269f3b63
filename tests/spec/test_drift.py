"""Our operations compared with the source spec's: what fails the build, what is only reported."""

from __future__ import annotations

import copy
from typing import Any

from tools.specbuild.drift import compare
from tools.specbuild.surface import OurOperation


def _op(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "operationId": "getThing",
        "responses": {"200": {"content": {"application/json": {"schema": schema}}}},
        **extra,
    }


def _spec(path: str, op: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    return {"paths": {path: {"get": op}}, "components": {"schemas": dict(schemas)}}


def _obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _compare(upstream: dict[str, Any], ours: dict[str, Any], flavor: Any = "official") -> Any:
    operations = [
        OurOperation(m, p, op) for p, item in ours["paths"].items() for m, op in item.items()
    ]
    return compare(upstream, ours, operations, flavor)


def test_identical_operations_have_nothing_to_say() -> None:
    spec = _spec("/t", _op(_obj(conid={"type": "integer"})))
    report = _compare(spec, copy.deepcopy(spec))
    assert report.findings == [] and report.compared == 1


def test_a_field_type_change_upstream_is_an_error_naming_the_field() -> None:
    upstream = _spec("/t", _op(_obj(conid={"type": "string"})))
    ours = _spec("/t", _op(_obj(conid={"type": "integer"})))
    [error] = _compare(upstream, ours).of("error")
    assert error.operation == "GET /t"
    assert "field 'conid' is string in the official spec but integer in ours" in error.message


def test_integer_and_number_are_one_family() -> None:
    upstream = _spec("/t", _op(_obj(balance={"type": "integer"})))
    ours = _spec("/t", _op(_obj(balance={"type": "number"})))
    assert _compare(upstream, ours).of("error") == []


def test_an_acknowledged_difference_passes_and_a_gone_one_is_flagged() -> None:
    upstream = _spec("/t", _op(_obj(conid={"type": "string"}, side={"type": "string"})))
    ack = {"x-upstream-differs": {"official": "the gateway sends numbers"}}
    ours = _spec(
        "/t",
        _op(_obj(conid={"type": "integer", **ack}, side={"type": "string", **ack})),
    )
    report = _compare(upstream, ours)
    assert report.of("error") == []
    [stale] = report.of("warning")
    assert "side" in stale.operation and "acknowledges a difference that is gone" in stale.message


def test_an_acknowledgement_for_the_other_kind_of_spec_does_not_apply() -> None:
    upstream = _spec("/t", _op(_obj(conid={"type": "string"})))
    ours = _spec("/t", _op(_obj(conid={"type": "integer", "x-upstream-differs": {"seed": "why"}})))
    assert len(_compare(upstream, ours).of("error")) == 1


def test_a_renamed_required_field_is_an_error() -> None:
    upstream = _spec("/t", _op({"type": "array", "items": _obj(orderId={"type": "string"})}))
    ours = _spec(
        "/t",
        _op(
            {
                "type": "array",
                "items": {**_obj(order_id={"type": "string"}), "required": ["order_id"]},
            }
        ),
    )
    [error] = _compare(upstream, ours).of("error")
    assert "field '[].order_id' is required in ours but the official spec does not declare it" in (
        error.message
    )
    [note] = _compare(upstream, ours).of("note")
    assert "[].orderId" in note.message


def test_new_upstream_fields_are_notes_listing_them() -> None:
    upstream = _spec("/t", _op(_obj(a={"type": "string"}, fresh={"type": "boolean"})))
    ours = _spec("/t", _op(_obj(a={"type": "string"})))
    report = _compare(upstream, ours)
    assert report.of("error") == [] and "fresh" in report.of("note")[0].message


def test_references_are_followed_on_both_sides() -> None:
    upstream = _spec(
        "/t", _op({"$ref": "#/components/schemas/U"}), U=_obj(conid={"type": "string"})
    )
    ours = _spec("/t", _op({"$ref": "#/components/schemas/O"}), O=_obj(conid={"type": "integer"}))
    assert len(_compare(upstream, ours).of("error")) == 1


def test_example_keys_upstream_are_read_as_map_entries() -> None:
    upstream = _spec("/t", _op(_obj(U1234567=_obj(nl={"type": "string"}))))
    ours = _spec("/t", _op({"type": "object", "additionalProperties": _obj(nl={"type": "number"})}))
    [error] = _compare(upstream, ours).of("error")
    assert "'{*}.nl'" in error.message


def test_an_operation_missing_upstream_is_an_error_unless_marked_live() -> None:
    upstream = _spec("/other", _op(_obj()))
    ours = _spec("/t", _op(_obj()))
    [error] = _compare(upstream, ours).of("error")
    assert "no longer has this operation" in error.message
    ours["paths"]["/t"]["get"]["x-live-unspecified"] = "served by the gateway"
    assert _compare(upstream, ours).of("error") == []


def test_the_seed_only_has_to_have_the_operations_marked_in_seed() -> None:
    upstream = _spec("/other", _op(_obj()))
    ours = _spec("/t", _op(_obj()))
    assert _compare(upstream, ours, "seed").of("error") == []
    ours["paths"]["/t"]["get"]["x-in-seed"] = True
    assert "no longer has this operation" in _compare(upstream, ours, "seed").of("error")[0].message


def test_operations_outside_our_surface_are_listed() -> None:
    upstream = _spec("/t", _op(_obj()))
    upstream["paths"]["/new"] = {"post": {"tags": ["Trading Orders"], "responses": {}}}
    ours = _spec("/t", _op(_obj()))
    assert _compare(upstream, ours).outside == ["POST /new [Trading Orders]"]


def test_parameter_differences_are_warnings() -> None:
    upstream = _spec(
        "/t",
        _op(_obj(), parameters=[{"name": "days", "in": "query"}, {"name": "x", "in": "query"}]),
    )
    ours = _spec(
        "/t",
        _op(
            _obj(),
            parameters=[
                {"name": "days", "in": "query"},
                {"name": "mine", "in": "query"},
                {"name": "live", "in": "query", "x-live-unspecified": True},
            ],
        ),
    )
    warnings = [w.message for w in _compare(upstream, ours).of("warning")]
    assert any("has parameter 'x' (query) that we do not declare" in w for w in warnings)
    assert any("parameter 'mine' (query) is not in the official spec" in w for w in warnings)
    assert not any("'live'" in w for w in warnings)


def test_path_parameters_match_by_position_whatever_their_names() -> None:
    upstream = _spec(
        "/p/{accountid}",
        _op(_obj(), parameters=[{"name": "accountId", "in": "path", "required": True}]),
    )
    ours = _spec(
        "/p/{accountId}",
        _op(_obj(), parameters=[{"name": "accountId", "in": "path", "required": True}]),
    )
    report = _compare(upstream, ours)
    assert report.findings == [] and report.compared == 1


def test_a_dangling_reference_upstream_is_an_error() -> None:
    upstream = _spec("/t", _op({"$ref": "#/components/schemas/Gone"}))
    ours = _spec("/t", _op(_obj()))
    [error] = _compare(upstream, ours).of("error")
    assert "broken here" in error.message and "Gone" in error.message
