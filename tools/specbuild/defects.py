"""Spec defects the build refuses: they would generate code that fails, or lies, at run time.

- a ``$ref`` that points outside ``#/components/...`` (``#/definitions/...`` is Swagger 2, and
  external files are not vendored): the generator would drop or mistype what it points at;
- a ``$ref`` to a component that does not exist;
- a ``required`` name that is not among the schema's ``properties`` (the generator drops it silently,
  so a field we promised is always there would be optional after all);
- a component schema with a list or object property named like the schema itself
  (``Transactions.transactions``): the generator reuses the name for both in ``from_dict`` and the
  result fails type checking.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from openapi_python_client.strings import snake_case

COMPONENTS = "#/components/"


def _walk(node: Any, where: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    if isinstance(node, Mapping):
        yield node, where
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def resolve_ref(spec: Mapping[str, Any], ref: str) -> Any:
    """The node a local ``#/components/...`` reference points at, or None."""
    if not ref.startswith(COMPONENTS):
        return None
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def ref_problem(spec: Mapping[str, Any], ref: str) -> str | None:
    """Why a reference cannot be used, or None when it resolves."""
    if not ref.startswith(COMPONENTS):
        kind = "Swagger 2 " if ref.startswith("#/definitions/") else ""
        return f"{kind}reference {ref!r} points outside #/components/ (not supported; use #/components/schemas/...)"
    if resolve_ref(spec, ref) is None:
        return f"reference {ref!r} points at a component that does not exist"
    return None


def find_defects(spec: Mapping[str, Any], node: Any = None, where: str = "#") -> list[str]:
    """Every defect in ``node`` (default: the whole spec), one readable line each."""
    problems: list[str] = []
    for item, at in _walk(spec if node is None else node, where):
        ref = item.get("$ref")
        if isinstance(ref, str) and (problem := ref_problem(spec, ref)):
            problems.append(f"{at}: {problem}")
        required = item.get("required")
        if (
            isinstance(required, list)
            and not any(k in item for k in ("allOf", "oneOf", "anyOf"))
            and item.get("in") is None  # a parameter's "required" is a boolean, never a list
        ):
            properties = item.get("properties")
            names = set(properties) if isinstance(properties, Mapping) else set()
            missing = [str(name) for name in required if name not in names]
            if missing:
                problems.append(
                    f"{at}: required {', '.join(map(repr, missing))} not among its properties "
                    f"({', '.join(sorted(names)) or 'none'})"
                )
    return problems


def _structured(schema: Any) -> bool:
    # Scalars are read into untyped locals, so only lists and objects clash in the generated code.
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    return "$ref" in schema or "items" in schema or bool(kinds & {"array", "object"})


# The generated from_dict keeps the answer's fields in a local ``d``: a property named so replaces it.
_PARSER_LOCALS = frozenset({"d", "src_dict"})


def name_clashes(spec: Mapping[str, Any]) -> list[str]:
    """Component schemas with a property whose Python name is the schema's own module name, or
    that of a local variable of the generated parser."""
    schemas = spec.get("components", {}).get("schemas", {})
    problems = []
    for name, schema in schemas.items() if isinstance(schemas, Mapping) else ():
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        if isinstance(properties, Mapping):
            own = snake_case(str(name))
            clash = [
                str(p)
                for p, sub in properties.items()
                if snake_case(str(p)) == own and _structured(sub)
            ]
            if clash:
                problems.append(
                    f"#/components/schemas/{name}: property {clash[0]!r} has the schema's own Python name "
                    f"({own}); the generated model would not type-check: rename the schema"
                )
            local = [str(p) for p in properties if snake_case(str(p)) in _PARSER_LOCALS]
            if local:
                problems.append(
                    f"#/components/schemas/{name}: property {local[0]!r} has the Python name of a "
                    "local variable of the generated from_dict, which would then read every later "
                    "field from that value: leave the property undeclared (it is kept in "
                    "additional_properties) and read it from there"
                )
    return problems
