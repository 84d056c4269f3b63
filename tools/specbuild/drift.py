"""Compare our operations with the source spec's, so a change upstream never goes unnoticed.

Our overlay defines every operation we generate. The source spec (the seed, or a spec downloaded from
IBKR) is compared with it operation by operation, matched by method + path:

- an operation the source should have but does not (moved, renamed or removed upstream) is an error;
- a field whose type differs (``conid`` integer upstream, string in ours) is an error, and so is a field we
  require that the source does not declare, unless our schema acknowledges the difference with
  ``x-upstream-differs: {seed|official: <why the gateway does what we say>}``;
- parameters or fields only one side declares are warnings or notes (new upstream fields are how a newer
  spec tells us about new facts: ``python -m tools.specbuild drift`` lists every one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .defects import find_defects, resolve_ref
from .overlay import Flavor
from .surface import OurOperation, label, op_key, operations

Level = Literal["error", "warning", "note"]
ACK = "x-upstream-differs"
_NUMERIC = {"integer", "number"}


@dataclass(frozen=True)
class Finding:
    level: Level
    operation: str
    message: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.message}"


@dataclass
class DriftReport:
    """Everything the comparison found, and which source operations are not ours."""

    findings: list[Finding] = field(default_factory=list)
    compared: int = 0
    outside: list[str] = field(default_factory=list)

    def of(self, level: Level) -> list[Finding]:
        return [f for f in self.findings if f.level == level]


@dataclass
class _Field:
    types: set[str] = field(default_factory=set)
    required: bool = False
    acks: set[str] = field(default_factory=set)


@dataclass
class _Flattener:
    """Flattens a schema into ``{"a.b[].c": _Field}``, following references and unions."""

    spec: Mapping[str, Any]
    flavor: Flavor
    acks_seen: set[str] | None = None  # None: do not honour acknowledgements (the source side)
    out: dict[str, _Field] = field(default_factory=dict)

    def _ack(self, node: Mapping[str, Any], where: str) -> bool:
        if self.acks_seen is None:
            return False
        value = node.get(ACK)
        if isinstance(value, str) or (isinstance(value, Mapping) and self.flavor in value):
            self.acks_seen.add(where)
            return True
        return False

    def run(
        self,
        node: Any,
        path: str,
        where: str,
        *,
        required: bool = False,
        acks: tuple[str, ...] = (),
        stack: tuple[str, ...] = (),
    ) -> None:
        if not isinstance(node, Mapping):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                return
            target = resolve_ref(self.spec, ref)
            if self._ack(node, where):
                acks = (*acks, where)
            self.run(target, path, ref, required=required, acks=acks, stack=(*stack, ref))
            return
        if self._ack(node, where):
            acks = (*acks, where)
        entry = self.out.setdefault(path, _Field())
        entry.required = entry.required or required
        entry.acks.update(acks)
        entry.types |= _types(node)
        for key in ("oneOf", "anyOf", "allOf"):
            for index, variant in enumerate(node.get(key) or []):
                self.run(variant, path, f"{where}/{key}/{index}", acks=acks, stack=stack)
        properties = node.get("properties")
        needed = set(node.get("required") or [])
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                self.run(
                    sub,
                    f"{path}.{name}" if path else str(name),
                    f"{where}/properties/{name}",
                    required=name in needed,
                    acks=acks,
                    stack=stack,
                )
        if "items" in node:
            self.run(node["items"], f"{path}[]", f"{where}/items", acks=acks, stack=stack)
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping) and extra:
            self.run(extra, f"{path}{{*}}", f"{where}/additionalProperties", acks=acks, stack=stack)


def _types(node: Mapping[str, Any]) -> set[str]:
    raw = node.get("type")
    types = {raw} if isinstance(raw, str) else set(raw) if isinstance(raw, list) else set()
    if node.get("nullable") is True:
        types.add("null")
    if not types:
        if "properties" in node:
            types.add("object")
        elif "items" in node:
            types.add("array")
    return types


def _conflict(upstream: set[str], ours: set[str]) -> bool:
    up = upstream - {"null"}
    mine = ours - {"null"}
    if not up or not mine:
        return False
    if mine & _NUMERIC:
        mine |= _NUMERIC  # integer and number are one family for this comparison
    if up & _NUMERIC:
        up |= _NUMERIC
    return not (up & mine)


def _as_maps(upstream: dict[str, _Field], ours: dict[str, _Field]) -> dict[str, _Field]:
    """Read the source's fixed keys as map entries where ours is a map.

    IBKR's spec often shows one example key ("U1234567", "date", "USD") where the answer is keyed by
    account, day or currency; ours declares a map (``{*}``). Such keys are compared as map entries.
    """
    out: dict[str, _Field] = {}
    for path, entry in upstream.items():
        mapped = path
        head = min((i for i in (path.find("."), path.find("[")) if i != -1), default=len(path))
        if "{*}" in ours and path[:head] not in ours and path[:head] != "":
            mapped = "{*}" + path[head:]
        start = 0
        while (dot := mapped.find(".", start)) != -1:
            prefix, rest = mapped[:dot], mapped[dot + 1 :]
            if f"{prefix}{{*}}" in ours and path not in ours:
                end = min(
                    (i for i in (rest.find("."), rest.find("[")) if i != -1), default=len(rest)
                )
                mapped = f"{prefix}{{*}}{rest[end:]}"
                start = len(prefix) + 3
            else:
                start = dot + 1
        target = out.setdefault(mapped, _Field())
        target.types |= entry.types
        target.required = target.required or entry.required
    return out


def _show(types: set[str]) -> str:
    return "|".join(sorted(types)) or "untyped"


def _json_schema(holder: Any, spec: Mapping[str, Any]) -> Any:
    if isinstance(holder, Mapping) and isinstance(holder.get("$ref"), str):
        holder = resolve_ref(spec, holder["$ref"])
    if not isinstance(holder, Mapping):
        return None
    content = holder.get("content")
    if not isinstance(content, Mapping):
        return None
    for media, body in content.items():
        if "json" in media and isinstance(body, Mapping) and "schema" in body:
            return body["schema"]
    return None


def _success(op: Mapping[str, Any]) -> tuple[str, Any] | None:
    responses = op.get("responses")
    if not isinstance(responses, Mapping):
        return None
    for code in sorted(responses, key=str):
        if str(code).startswith("2") or str(code) == "101":
            return str(code), responses[code]
    return None


def _parameters(spec: Mapping[str, Any], path: str, op: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters keyed by ``in:name``; path parameters by position (``path:#0``)."""
    found: dict[str, Any] = {}
    names = [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
    for param in op.get("parameters") or []:
        if isinstance(param, Mapping) and isinstance(param.get("$ref"), str):
            param = resolve_ref(spec, param["$ref"])
        if not isinstance(param, Mapping):
            continue
        name, where = str(param.get("name")), str(param.get("in"))
        if where == "path":
            lowered = [n.lower() for n in names]
            key = f"path:#{lowered.index(name.lower())}" if name.lower() in lowered else name
        else:
            key = f"{where}:{name}"
        found[key] = param
    return found


class _Comparison:
    def __init__(
        self, upstream: Mapping[str, Any], resolved: Mapping[str, Any], flavor: Flavor
    ) -> None:
        self.upstream = upstream
        self.resolved = resolved
        self.flavor = flavor
        self.report = DriftReport()
        self.acks_seen: set[str] = set()
        self.acks_used: set[str] = set()

    def add(self, level: Level, operation: str, message: str) -> None:
        self.report.findings.append(Finding(level, operation, message))

    def flatten(
        self, spec: Mapping[str, Any], schema: Any, where: str, *, ours: bool
    ) -> dict[str, _Field]:
        flat = _Flattener(spec, self.flavor, self.acks_seen if ours else None)
        flat.run(schema, "", where)
        return flat.out

    def parameters(self, ours: OurOperation, theirs_path: str, theirs: Mapping[str, Any]) -> None:
        mine = _parameters(self.resolved, ours.path, ours.operation)
        up = _parameters(self.upstream, theirs_path, theirs)
        lenient = self.flavor == "seed"  # the seed documents only a few parameters
        for key in sorted(set(up) - set(mine)):
            self.add(
                "warning",
                ours.label,
                f"the {self.flavor} spec has parameter {up[key].get('name')!r} "
                f"({up[key].get('in')}) that we do not declare",
            )
        for key in sorted(set(mine) - set(up)):
            if mine[key].get("x-live-unspecified"):
                continue
            self.add(
                "note" if lenient else "warning",
                ours.label,
                f"parameter {mine[key].get('name')!r} ({mine[key].get('in')}) is not in the "
                f"{self.flavor} spec (mark it x-live-unspecified if the gateway takes it anyway)",
            )
        for key in sorted(set(mine) & set(up)):
            if up[key].get("required") and not mine[key].get("required"):
                self.add(
                    "warning",
                    ours.label,
                    f"parameter {mine[key].get('name')!r} is required by the {self.flavor} spec, "
                    "optional in ours",
                )

    def body(self, ours: OurOperation, what: str, mine: Any, theirs: Any, where: str) -> None:
        if theirs is None or mine is None:
            return
        ours_flat = self.flatten(self.resolved, mine, where, ours=True)
        up = _as_maps(
            self.flatten(self.upstream, theirs, f"{self.flavor}:{where}", ours=False), ours_flat
        )
        only_up = sorted(set(up) - set(ours_flat))
        for name in sorted(set(ours_flat) & set(up)):
            a, b = up[name], ours_flat[name]
            if not _conflict(a.types, b.types):
                continue
            if b.acks:
                self.acks_used.update(b.acks)
            else:
                self.add(
                    "error",
                    ours.label,
                    f"{what} field {name or '(root)'!r} is {_show(a.types)} in the {self.flavor} "
                    f"spec but {_show(b.types)} in ours",
                )
        for name in sorted(set(ours_flat) - set(up)):
            entry = ours_flat[name]
            if entry.required and entry.acks:
                self.acks_used.update(entry.acks)
            elif entry.required:
                self.add(
                    "error",
                    ours.label,
                    f"{what} field {name!r} is required in ours but the {self.flavor} spec does "
                    "not declare it (renamed or removed upstream?)",
                )
        only_ours = sorted(n for n in set(ours_flat) - set(up) if not ours_flat[n].required)
        if only_ours:
            self.add(
                "note",
                ours.label,
                f"{what}: ours declares {len(only_ours)} field(s) the {self.flavor} spec does not: "
                + ", ".join(only_ours),
            )
        if only_up:
            self.add(
                "note",
                ours.label,
                f"{what}: the {self.flavor} spec declares {len(only_up)} field(s) we do not: "
                + ", ".join(only_up),
            )

    def components(self) -> None:
        """Schemas with the same name on both sides are compared too, whatever uses them.

        The seed names its schemas as we do, so a field renamed or retyped there is caught even when
        the operation that carries it has a different shape (acknowledged) on the two sides.
        """
        theirs = self.upstream.get("components", {}).get("schemas", {})
        ours = self.resolved.get("components", {}).get("schemas", {})
        for name in sorted(set(theirs) & set(ours)):
            where = f"#/components/schemas/{name}"
            self.body(
                OurOperation("schema", name, {}), "schema", {"$ref": where}, {"$ref": where}, where
            )

    def operation(self, ours: OurOperation, theirs_path: str, theirs: Mapping[str, Any]) -> None:
        self.report.compared += 1
        where = f"#/paths/{ours.path}/{ours.method}"
        problems = find_defects(
            self.upstream, theirs, f"{self.flavor}:{label(ours.method, theirs_path)}"
        )
        broken = [p for p in problems if "reference" in p]
        for problem in broken:
            # We cannot compare with what we cannot resolve: fail rather than guess.
            self.add("error", ours.label, f"the {self.flavor} spec is broken here: {problem}")
        for problem in problems:
            if problem not in broken:
                # Our definition replaces this part, so the defect does not reach the generator.
                self.add(
                    "warning", ours.label, f"the {self.flavor} spec is inconsistent: {problem}"
                )
        if broken:
            return
        self.parameters(ours, theirs_path, theirs)
        self.body(
            ours,
            "request",
            _json_schema(ours.operation.get("requestBody"), self.resolved),
            _json_schema(theirs.get("requestBody"), self.upstream),
            f"{where}/requestBody",
        )
        mine_ok, theirs_ok = _success(ours.operation), _success(theirs)
        if mine_ok and theirs_ok:
            self.body(
                ours,
                f"response {mine_ok[0]}",
                _json_schema(mine_ok[1], self.resolved),
                _json_schema(theirs_ok[1], self.upstream),
                f"{where}/responses/{mine_ok[0]}",
            )


def compare(
    upstream: Mapping[str, Any],
    resolved: Mapping[str, Any],
    ours: list[OurOperation],
    flavor: Flavor,
) -> DriftReport:
    """Compare our operations (as resolved) with the source spec's, matched by method + path."""
    check = _Comparison(upstream, resolved, flavor)
    theirs = {op_key(m, p): (p, op) for m, p, op in operations(upstream)}
    mine = {op.key for op in ours}
    resolved_ops = {(m, p): op for m, p, op in operations(resolved)}
    for op in ours:
        found = theirs.get(op.key)
        expected = op.in_seed if flavor == "seed" else not op.live_unspecified
        if found is None:
            if expected:
                check.add(
                    "error",
                    op.label,
                    f"the {flavor} spec no longer has this operation (moved, renamed or removed?). "
                    + (
                        "If the gateway still serves it, mark it x-live-unspecified with the evidence."
                        if flavor == "official"
                        else "Update the overlay or drop the x-in-seed marker."
                    ),
                )
            continue
        if flavor == "official" and op.live_unspecified:
            check.add("note", op.label, "IBKR's spec now documents it: drop x-live-unspecified")
        resolved_op = resolved_ops.get((op.method, op.path), op.operation)
        check.operation(OurOperation(op.method, op.path, resolved_op), found[0], found[1])
    check.components()
    check.report.outside = sorted(
        f"{label(m, p)}" + (f" [{op['tags'][0]}]" if op.get("tags") else "")
        for m, p, op in operations(upstream)
        if op_key(m, p) not in mine
    )
    for where in sorted(check.acks_seen - check.acks_used):
        check.add("warning", where, f"{ACK} for {flavor} acknowledges a difference that is gone")
    return check.report
