"""Repair upstream spec defects that openapi-python-client cannot digest.

Each repair is small, harmless and reported: it only makes explicit what the document plainly
means. Defects that would change what the generated code does (a dangling or foreign ``$ref``, a
``required`` name without a property) are not repaired: :mod:`.defects` reports them as errors.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RepairReport:
    """The repairs made, one readable line each."""

    fixes: list[str] = field(default_factory=list)

    def add(self, where: str, what: str) -> None:
        self.fixes.append(f"{where}: {what}")


def _walk(node: Any, where: str) -> Iterator[tuple[MutableMapping[str, Any], str]]:
    if isinstance(node, MutableMapping):
        yield node, where
        for key, value in list(node.items()):
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def _repair_itemless_arrays(spec: MutableMapping[str, Any], report: RepairReport) -> None:
    # IBKR's published spec has arrays that declare "properties" (meant for their items) or no items.
    for node, where in list(_walk(spec, "#")):
        if node.get("type") != "array" or "items" in node or "prefixItems" in node:
            continue
        if "properties" in node:
            items: dict[str, Any] = {"type": "object", "properties": node.pop("properties")}
            if isinstance(node.get("required"), list):
                items["required"] = node.pop("required")
            node["items"] = items
            report.add(where, "array declared 'properties'; moved them under 'items'")
        else:
            node["items"] = {}
            report.add(where, "array without 'items'; items may be anything")


def _class_key(name: str) -> str:
    # The generator turns schema names into class names; names equal up to case and separators collide.
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _rename_colliding_schemas(
    spec: MutableMapping[str, Any], report: RepairReport, protected: frozenset[str] = frozenset()
) -> None:
    schemas = spec.get("components", {}).get("schemas")
    if not isinstance(schemas, MutableMapping):
        return
    seen: set[str] = set()
    renames: dict[str, str] = {}
    # Names our overlay defines keep their names; the other schema of a colliding pair is renamed.
    for name in sorted(schemas, key=lambda n: n not in protected):
        key = _class_key(name)
        if key in seen:
            new = name
            suffix = 2
            while _class_key(new) in seen or new in schemas:
                new = f"{name}{suffix}"
                suffix += 1
            renames[name] = new
            key = _class_key(new)
        seen.add(key)
    for old, new in renames.items():
        schemas[new] = schemas.pop(old)
        report.add(
            f"#/components/schemas/{old}",
            f"name collides with another schema's class; renamed {new}",
        )
    if not renames:
        return
    prefix = "#/components/schemas/"
    for node, _ in _walk(spec, "#"):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] in renames:
            node["$ref"] = prefix + renames[ref[len(prefix) :]]


_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _name_anonymous_operations(spec: MutableMapping[str, Any], report: RepairReport) -> None:
    # Without operationIds the generator invents names; make them deterministic and say so once.
    taken = {
        op.get("operationId")
        for item in spec.get("paths", {}).values()
        for method, op in item.items()
        if method in _METHODS and isinstance(op, MutableMapping)
    }
    named = 0
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if (
                method not in _METHODS
                or not isinstance(op, MutableMapping)
                or op.get("operationId")
            ):
                continue
            words = [method] + [
                part.strip("{}").replace("-", "_").replace(".", "_").replace(":", "_")
                for part in path.split("/")
                if part
            ]
            candidate = "_".join(words)
            while candidate in taken:
                candidate += "_"
            op["operationId"] = candidate
            taken.add(candidate)
            named += 1
    if named:
        report.add("#/paths", f"{named} operations had no operationId; named them <method>_<path>")


def _template_names(path: str) -> list[str]:
    return [
        part[1:-1]
        for part in path.replace(":", "/").split("/")
        if part.startswith("{") and part.endswith("}")
    ]


def _deref_parameter(spec: MutableMapping[str, Any], param: Any) -> Any:
    # Shared parameters are references; resolve them so each operation can be repaired on its own.
    ref = param.get("$ref") if isinstance(param, MutableMapping) else None
    prefix = "#/components/parameters/"
    if isinstance(ref, str) and ref.startswith(prefix):
        target = spec.get("components", {}).get("parameters", {}).get(ref[len(prefix) :])
        if isinstance(target, MutableMapping):
            return dict(target)
    return param


def _repair_path_parameters(spec: MutableMapping[str, Any], report: RepairReport) -> None:
    # The generator drops an endpoint whose path parameters do not match its template exactly.
    for path, item in spec.get("paths", {}).items():
        names = _template_names(path)
        by_lower = {name.lower(): name for name in names}
        for method, op in item.items():
            if method not in _METHODS or not isinstance(op, MutableMapping):
                continue
            params = op.get("parameters", [])
            kept: list[Any] = []
            declared: set[str] = set()
            for param in params:
                param = _deref_parameter(spec, param)
                if not isinstance(param, MutableMapping) or param.get("in") != "path":
                    kept.append(param)
                    continue
                name = str(param.get("name", ""))
                if name not in names and name.lower() in by_lower:
                    param["name"] = by_lower[name.lower()]
                    report.add(
                        f"{method.upper()} {path}",
                        f"path parameter {name!r} renamed to match the template",
                    )
                if param["name"] not in names:
                    report.add(
                        f"{method.upper()} {path}",
                        f"path parameter {name!r} is not in the path; dropped",
                    )
                    continue
                declared.add(param["name"])
                kept.append(param)
            for name in names:
                if name not in declared:
                    kept.append(
                        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    )
                    report.add(
                        f"{method.upper()} {path}",
                        f"path parameter {name!r} was undeclared; added as a string",
                    )
            if kept or params:
                op["parameters"] = kept


def _deref_request_body(spec: MutableMapping[str, Any], body: Any) -> Any:
    ref = body.get("$ref") if isinstance(body, MutableMapping) else None
    prefix = "#/components/requestBodies/"
    if isinstance(ref, str) and ref.startswith(prefix):
        return spec.get("components", {}).get("requestBodies", {}).get(ref[len(prefix) :], {})
    return body if isinstance(body, MutableMapping) else {}


def _repair_content_types(spec: MutableMapping[str, Any], report: RepairReport) -> None:
    # The generator knows JSON, forms, multipart and octet-stream bodies only.
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method not in _METHODS or not isinstance(op, MutableMapping):
                continue
            where = f"{method.upper()} {path}"
            body = _deref_request_body(spec, op.get("requestBody", {})).get("content")
            if isinstance(body, MutableMapping) and "application/jwt" in body:
                media = body.pop("application/jwt")
                body.setdefault(
                    "application/octet-stream", {"schema": {"type": "string", "format": "binary"}}
                )
                del media
                report.add(
                    where,
                    "application/jwt request body sent as raw bytes (application/octet-stream)",
                )
            for code, response in op.get("responses", {}).items():
                content = response.get("content") if isinstance(response, MutableMapping) else None
                if (
                    isinstance(content, MutableMapping)
                    and "*/*" in content
                    and "application/json" not in content
                ):
                    content["application/json"] = content.pop("*/*")
                    report.add(
                        f"{where} {code}", "response content type */* read as application/json"
                    )


def _dedupe_parameters(spec: MutableMapping[str, Any], report: RepairReport) -> None:
    # Overlay updates append to arrays, so an operation defined both upstream and in our overlay can
    # list a parameter twice; the generator then drops the endpoint. The later definition wins.
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method not in _METHODS or not isinstance(op, MutableMapping):
                continue
            params = op.get("parameters")
            if not isinstance(params, list):
                continue
            last: dict[tuple[str, str], int] = {}
            for index, param in enumerate(params):
                resolved = _deref_parameter(spec, param)
                if isinstance(resolved, MutableMapping):
                    last[(str(resolved.get("name")), str(resolved.get("in")))] = index
            kept = [
                param
                for index, param in enumerate(params)
                if not isinstance(resolved := _deref_parameter(spec, param), MutableMapping)
                or last[(str(resolved.get("name")), str(resolved.get("in")))] == index
            ]
            if len(kept) != len(params):
                op["parameters"] = kept
                report.add(
                    f"{method.upper()} {path}",
                    f"{len(params) - len(kept)} duplicate parameter(s) dropped",
                )


def rename_colliding_schemas(
    spec: MutableMapping[str, Any], protected: frozenset[str] = frozenset()
) -> RepairReport:
    """Rename schemas whose class names collide, keeping the ``protected`` names."""
    report = RepairReport()
    _rename_colliding_schemas(spec, report, protected)
    return report


def repair_spec(spec: MutableMapping[str, Any]) -> RepairReport:
    """Repair ``spec`` in place and say what was changed."""
    report = RepairReport()
    _repair_itemless_arrays(spec, report)
    _rename_colliding_schemas(spec, report)
    _repair_path_parameters(spec, report)
    _repair_content_types(spec, report)
    _dedupe_parameters(spec, report)
    _name_anonymous_operations(spec, report)
    return report
