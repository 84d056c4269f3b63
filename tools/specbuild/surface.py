"""Our API surface: the operations the overlay defines, matched to a source spec by method + path.

The overlay defines every operation we generate (its operationId and tag are the names the hand-written
layer imports), so a source spec's own operationIds and tags never reach the generated package. Source
operations outside that surface are reported and left out, and component schemas nothing reaches any
more are pruned, so the generated package is the same whichever source spec it was built from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from .overlay import Flavor, only_in

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_TEMPLATE = re.compile(r"\{[^}]*\}")
_COMPONENT_KINDS = ("schemas", "parameters", "requestBodies", "responses", "headers", "examples")


def canonical(path: str) -> str:
    """A path with its placeholders blanked: ``/a/{accountid}`` and ``/a/{accountId}`` match."""
    return _TEMPLATE.sub("{}", path)


def op_key(method: str, path: str) -> tuple[str, str]:
    return method.lower(), canonical(path)


def label(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Every (method, path, operation) of a spec."""
    paths = spec.get("paths")
    if not isinstance(paths, Mapping):
        return
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        for method, op in item.items():
            if method in METHODS and isinstance(op, Mapping):
                yield method, path, op


@dataclass(frozen=True)
class OurOperation:
    """One operation our overlay defines."""

    method: str
    path: str
    operation: Mapping[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return op_key(self.method, self.path)

    @property
    def label(self) -> str:
        return label(self.method, self.path)

    @property
    def live_unspecified(self) -> bool:
        """Served by the live gateway but absent from IBKR's spec (the value says how we know)."""
        return bool(self.operation.get("x-live-unspecified"))

    @property
    def in_seed(self) -> bool:
        """The vendored seed spec documents this operation."""
        return bool(self.operation.get("x-in-seed"))


def defined_operations(
    overlays: Sequence[tuple[str, Mapping[str, Any]]], flavor: Flavor
) -> list[OurOperation]:
    """The operations the overlays add under ``$.paths`` (for ``flavor``), in order."""
    found: list[OurOperation] = []
    for _, overlay in overlays:
        for action in overlay.get("actions", []):
            if action.get("target") != "$.paths" or flavor not in only_in(action):
                continue
            update = action.get("update")
            if not isinstance(update, Mapping):
                continue
            for path, item in update.items():
                if isinstance(item, Mapping):
                    found.extend(
                        OurOperation(method, path, op)
                        for method, op in item.items()
                        if method in METHODS and isinstance(op, Mapping)
                    )
    return found


def restrict_to(spec: MutableMapping[str, Any], ours: Sequence[OurOperation]) -> list[str]:
    """Drop every operation that is not ours; return what was dropped (``GET /path [tag]``)."""
    keep = {(op.method, op.path) for op in ours}
    dropped: list[str] = []
    paths = spec.get("paths", {})
    for path in list(paths):
        item = paths[path]
        if not isinstance(item, MutableMapping):
            continue
        for method in [m for m in item if m in METHODS]:
            if (method, path) not in keep:
                tags = item[method].get("tags") if isinstance(item[method], Mapping) else None
                tag = f" [{tags[0]}]" if isinstance(tags, list) and tags else ""
                dropped.append(f"{label(method, path)}{tag}")
                del item[method]
        if not any(m in METHODS for m in item):
            del paths[path]
    return dropped


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def prune_components(spec: MutableMapping[str, Any], keep: frozenset[str] = frozenset()) -> int:
    """Remove source components nothing reachable from the paths refers to; return how many.

    Schemas named in ``keep`` (ours) always stay, and so does everything they refer to.
    """
    components = spec.get("components")
    if not isinstance(components, MutableMapping):
        return 0
    seen: set[str] = set()
    todo = list(_refs(spec.get("paths", {}))) + [f"#/components/schemas/{name}" for name in keep]
    while todo:
        ref = todo.pop()
        if ref in seen or not ref.startswith("#/components/"):
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        target = (
            components.get(kind, {}).get(name)
            if isinstance(components.get(kind), Mapping)
            else None
        )
        if target is not None:
            todo.extend(_refs(target))
    removed = 0
    for kind in _COMPONENT_KINDS:
        group = components.get(kind)
        if not isinstance(group, MutableMapping):
            continue
        for name in list(group):
            if f"#/components/{kind}/{name}" not in seen:
                del group[name]
                removed += 1
    return removed
