"""Apply OpenAPI Overlay 1.0 documents to a spec.

Targets are JSONPath expressions (RFC 9535) evaluated by python-jsonpath; this module implements the
Overlay semantics on top: ``update`` deep-merges into every selected object (or appends to every
selected array) and ``remove`` deletes every selected node. Two extensions, both on the action:

- ``x-only-in: seed`` or ``x-only-in: official`` -- the target exists in only that kind of source spec
  (the vendored seed, or a spec downloaded from IBKR); the action is skipped, and reported, for the other.
- ``x-replace: true`` -- each key of ``update`` replaces the selected object's value for that key
  instead of merging into it. Our definitions of operations and schemas use it, so that whatever the
  source spec says about the same path or schema name cannot mix with ours.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonpath

OnUnmatched = Literal["error", "warn"]
Flavor = Literal["seed", "official"]
FLAVORS: tuple[Flavor, ...] = ("seed", "official")


class OverlayError(Exception):
    """The overlay is malformed, or some of its actions cannot be applied (all are listed)."""


@dataclass
class OverlayReport:
    """What applying the overlays did, action by action."""

    applied: list[tuple[str, int]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _describe(source: str, index: int, action: Mapping[str, Any]) -> str:
    return f"{source} action #{index} (target {action.get('target')!r})"


def merge(target: Any, update: Any) -> Any:
    """Overlay merge: objects merge key by key, arrays append, anything else is replaced."""
    if isinstance(target, MutableMapping) and isinstance(update, Mapping):
        for key, value in update.items():
            if key in target:
                target[key] = merge(target[key], value)
            else:
                target[key] = copy.deepcopy(value)
        return target
    if isinstance(target, MutableSequence):
        items = update if isinstance(update, list) else [update]
        target.extend(copy.deepcopy(items))
        return target
    return copy.deepcopy(update)


def only_in(action: Mapping[str, Any]) -> set[str]:
    """The flavors an action is for (both when it carries no ``x-only-in``)."""
    value = action.get("x-only-in")
    if value is None:
        return set(FLAVORS)
    values = [value] if isinstance(value, str) else value
    return {str(v) for v in values}


def _action_problems(source: str, index: int, action: Any) -> list[str]:
    if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
        return [f"{source} action #{index} needs a 'target' JSONPath string"]
    where = _describe(source, index, action)
    problems: list[str] = []
    if ("update" in action) == (action.get("remove") is True):
        problems.append(f"{where} needs exactly one of 'update' or 'remove: true'")
    if not action.get("description"):
        problems.append(f"{where} has no 'description': say which gateway behaviour it encodes")
    raw = action.get("x-only-in")
    if raw is not None and (not isinstance(raw, str | list) or not only_in(action) <= set(FLAVORS)):
        problems.append(f"{where}: x-only-in must be one of {', '.join(FLAVORS)} (got {raw!r})")
    if action.get("x-replace") and not isinstance(action.get("update"), Mapping):
        problems.append(f"{where}: x-replace needs an 'update' object")
    return problems


def validate(overlays: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Check every overlay document and action; raise once with every problem found."""
    problems: list[str] = []
    for source, overlay in overlays:
        version = str(overlay.get("overlay", ""))
        if not version.startswith("1."):
            problems.append(
                f"{source} is not an Overlay 1.x document (overlay: {version!r}); "
                "start the file with 'overlay: 1.0.0'"
            )
            continue
        actions = overlay.get("actions")
        if not isinstance(actions, list) or not actions:
            problems.append(f"{source}: an overlay needs a non-empty 'actions' list")
            continue
        for index, action in enumerate(actions):
            problems.extend(_action_problems(source, index, action))
    if problems:
        raise OverlayError("\n".join(problems))


def _delete(parent: MutableMapping[Any, Any] | MutableSequence[Any], key: object) -> None:
    if isinstance(parent, MutableMapping):
        del parent[key]
        return
    if not isinstance(key, int):
        raise OverlayError(f"cannot remove {key!r} from an array")
    del parent[key]


def _apply_one(
    spec: MutableMapping[str, Any], action: Mapping[str, Any], matches: list[Any], where: str
) -> None:
    if action.get("remove") is True:
        # Delete from the back so earlier array indices stay valid.
        for match in reversed(matches):
            parent = match.parent.obj if match.parent is not None else None
            if not match.parts or not isinstance(parent, MutableMapping | MutableSequence):
                raise OverlayError(f"{where}: cannot remove the document root")
            _delete(parent, match.parts[-1])
        return
    for match in matches:
        if not isinstance(match.obj, MutableMapping | MutableSequence):
            raise OverlayError(
                f"{where}: 'update' needs an object or array target, "
                f"got {type(match.obj).__name__} at {'/'.join(map(str, match.parts))}; "
                "target the parent object instead"
            )
        if action.get("x-replace"):
            if not isinstance(match.obj, MutableMapping):
                raise OverlayError(f"{where}: x-replace needs an object target")
            for key, value in action["update"].items():
                match.obj[key] = copy.deepcopy(value)
        else:
            merge(match.obj, action["update"])


def apply_overlays(
    spec: MutableMapping[str, Any],
    overlays: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    flavor: Flavor = "seed",
    on_unmatched: OnUnmatched = "error",
) -> OverlayReport:
    """Apply every overlay to ``spec`` in place, in order, and report what each action did.

    An action whose target selects nothing usually means the source spec moved under us: every such
    action is collected and, with ``on_unmatched="error"``, reported together in one error.
    """
    validate(overlays)
    report = OverlayReport()
    for source, overlay in overlays:
        for index, action in enumerate(overlay["actions"]):
            where = _describe(source, index, action)
            try:
                path = jsonpath.compile(action["target"])
            except jsonpath.JSONPathError as exc:
                raise OverlayError(f"{where}: invalid JSONPath: {exc}".splitlines()[0]) from exc
            matches = list(path.finditer(spec))
            if flavor not in only_in(action):
                marker = action["x-only-in"]
                report.skipped.append(f"{where}: only in {marker}")
                if matches:
                    report.notes.append(
                        f"{where} is marked x-only-in {marker} but also matches this {flavor} spec; "
                        "check the marker"
                    )
                continue
            if not matches:
                report.unmatched.append(f"{where} selects nothing in the {flavor} spec")
                continue
            _apply_one(spec, action, matches, where)
            report.applied.append((action["target"], len(matches)))
    if report.unmatched and on_unmatched == "error":
        raise OverlayError(
            f"{len(report.unmatched)} overlay action(s) matched nothing:\n  "
            + "\n  ".join(report.unmatched)
            + "\nFix the targets, or mark an action 'x-only-in: seed|official' when only one kind "
            "of source spec has its target."
        )
    return report


def apply_overlay(
    spec: MutableMapping[str, Any],
    overlay: Mapping[str, Any],
    *,
    flavor: Flavor = "seed",
    on_unmatched: OnUnmatched = "error",
) -> OverlayReport:
    """Apply one overlay document (see :func:`apply_overlays`)."""
    return apply_overlays(spec, [("overlay", overlay)], flavor=flavor, on_unmatched=on_unmatched)
