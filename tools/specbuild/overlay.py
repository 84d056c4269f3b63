"""Apply an OpenAPI Overlay 1.0 document to a spec.

Targets are JSONPath expressions (RFC 9535) evaluated by python-jsonpath; this module only
implements the Overlay semantics on top: ``update`` deep-merges into every selected object
(or appends to every selected array) and ``remove`` deletes every selected node.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonpath

OnUnmatched = Literal["error", "warn"]


class OverlayError(Exception):
    """The overlay document is malformed or one of its actions cannot be applied."""


@dataclass
class OverlayReport:
    """What applying an overlay did: per action, how many nodes it touched."""

    applied: list[tuple[str, int]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def _describe(index: int, action: Mapping[str, Any]) -> str:
    return f"action #{index} (target {action.get('target')!r})"


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


def _validate_overlay(overlay: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    version = str(overlay.get("overlay", ""))
    if not version.startswith("1."):
        raise OverlayError(
            f"not an Overlay 1.x document (overlay: {version!r}); "
            "start the file with 'overlay: 1.0.0'"
        )
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("an overlay needs a non-empty 'actions' list")
    for index, action in enumerate(actions):
        if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
            raise OverlayError(f"action #{index} needs a 'target' JSONPath string")
        has_update = "update" in action
        removes = action.get("remove") is True
        if has_update == removes:
            raise OverlayError(
                f"{_describe(index, action)} needs exactly one of 'update' or 'remove: true'"
            )
        if not action.get("description"):
            raise OverlayError(
                f"{_describe(index, action)} has no 'description': say which gateway behaviour it encodes"
            )
    return actions


def _delete(parent: MutableMapping[Any, Any] | MutableSequence[Any], key: object) -> None:
    if isinstance(parent, MutableMapping):
        del parent[key]
        return
    if not isinstance(key, int):
        raise OverlayError(f"cannot remove {key!r} from an array")
    del parent[key]


def apply_overlay(
    spec: MutableMapping[str, Any],
    overlay: Mapping[str, Any],
    *,
    on_unmatched: OnUnmatched = "error",
) -> OverlayReport:
    """Apply ``overlay`` to ``spec`` in place, action by action, and report what changed.

    An action whose target selects nothing is an error (``on_unmatched="error"``) because it
    usually means the upstream spec moved under us; ``"warn"`` records it in the report instead.
    """
    report = OverlayReport()
    for index, action in enumerate(_validate_overlay(overlay)):
        where = _describe(index, action)
        try:
            path = jsonpath.compile(action["target"])
        except jsonpath.JSONPathError as exc:
            raise OverlayError(f"{where}: invalid JSONPath: {exc}".splitlines()[0]) from exc
        matches = list(path.finditer(spec))
        if not matches:
            if on_unmatched == "error":
                raise OverlayError(
                    f"{where} selects nothing in the spec; fix the target, or build with "
                    "--on-unmatched warn when applying the overlay to a different spec"
                )
            report.unmatched.append(action["target"])
            continue
        if action.get("remove") is True:
            # Delete from the back so earlier array indices stay valid.
            for match in reversed(matches):
                parent = match.parent.obj if match.parent is not None else None
                if not match.parts or not isinstance(parent, MutableMapping | MutableSequence):
                    raise OverlayError(f"{where}: cannot remove the document root")
                _delete(parent, match.parts[-1])
        else:
            for match in matches:
                if not isinstance(match.obj, MutableMapping | MutableSequence):
                    raise OverlayError(
                        f"{where}: 'update' needs an object or array target, "
                        f"got {type(match.obj).__name__} at {'/'.join(map(str, match.parts))}; "
                        "target the parent object instead"
                    )
                merge(match.obj, action["update"])
        report.applied.append((action["target"], len(matches)))
    return report
