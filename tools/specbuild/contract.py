"""The names the hand-written layer uses from the generated package, checked after every generation.

``tools/specbuild/contract.txt`` lists them, one per line, found by scanning ``custom/`` for imports from
``ibkr_webapi_client`` and for attributes read on imported modules:

    ibkr_webapi_client.api.orders:place_order            (a module or a name in a module)
    ibkr_webapi_client.api.orders.place_order:asyncio_detailed

``make contract`` rewrites the list; a test keeps it current; ``make generate`` refuses a package that
lacks any of them and says which file of ``custom/`` needs it. Checking reads source files only (no
import), so it takes milliseconds.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "ibkr_webapi_client"
HEADER = (
    "# Names the hand-written layer (custom/) uses from the generated package. Regenerate with\n"
    "# `make contract`; `make generate` fails when a regenerated package lacks any of them.\n"
)


def _ours(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> ``module:name`` for every ``from ibkr_webapi_client... import name``."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and _ours(node.module)
        ):
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    return found


def _dynamic_modules(tree: ast.Module) -> dict[str, str]:
    """Local name -> module for ``name = importlib.import_module("ibkr_webapi_client...")``."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) in {"importlib.import_module", "import_module"}
            and node.value.args
            and isinstance(node.value.args[0], ast.Constant)
            and isinstance(node.value.args[0].value, str)
            and _ours(node.value.args[0].value)
        ):
            found[node.targets[0].id] = node.value.args[0].value
    return found


def _is_module(entry: str) -> bool:
    # The generated package's modules are lower-case (api.orders.place_order); classes are not.
    module, name = entry.split(":")
    return name[:1].islower() and ".api" in module + "."


def scan(root: Path) -> dict[str, list[str]]:
    """Every contract entry used under ``root`` with the ``file:line`` places that use it."""
    uses: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(root.parent) if root.parent in path.parents else path
        imported = _imports(tree)
        dynamic = _dynamic_modules(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    entry = imported.get(alias.asname or alias.name)
                    if entry and entry.startswith(node.module + ":"):
                        uses[entry].append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                local = node.value.id
                if local in imported and _is_module(imported[local]):
                    module, name = imported[local].split(":")
                    uses[f"{module}.{name}:{node.attr}"].append(f"{where}:{node.lineno}")
                elif local in dynamic:
                    uses[f"{dynamic[local]}:{node.attr}"].append(f"{where}:{node.lineno}")
    return dict(uses)


def render(entries: Iterable[str]) -> str:
    return HEADER + "".join(f"{entry}\n" for entry in sorted(set(entries)))


def read(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _module_file(package_dir: Path, module: str) -> Path | None:
    """The source file of ``module`` inside the generated package at ``package_dir``."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _top_level_names(path: Path) -> set[str]:
    """Names a module defines, imports (also under TYPE_CHECKING) or lists in ``__all__``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    body = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If):
            body.extend(node.body + node.orelse)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def missing(package_dir: Path, entries: Iterable[str]) -> list[str]:
    """The entries the package at ``package_dir`` does not provide."""
    cache: dict[Path, set[str]] = {}
    absent: list[str] = []
    for entry in sorted(set(entries)):
        module, name = entry.split(":")
        if _module_file(package_dir, f"{module}.{name}") is not None:
            continue  # a submodule, e.g. api.orders:place_order
        source = _module_file(package_dir, module)
        if source is None:
            absent.append(entry)
            continue
        if source not in cache:
            cache[source] = _top_level_names(source)
        if name not in cache[source]:
            absent.append(entry)
    return absent


def explain(absent: list[str], custom_root: Path | None) -> list[str]:
    """One line per missing entry, naming where custom/ uses it when the source is at hand."""
    uses = scan(custom_root) if custom_root is not None and custom_root.is_dir() else {}
    lines = []
    for entry in absent:
        module, name = entry.split(":")
        places = uses.get(entry, [])
        where = (
            f" (used at {', '.join(places[:3])}{' ...' if len(places) > 3 else ''})"
            if places
            else ""
        )
        lines.append(f"{module} has no {name!r}{where}")
    return lines
