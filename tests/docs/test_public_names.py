"""Names the documentation mentions are public, and every error the library defines is an IBKRError."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import ibkr_webapi
from ibkr_webapi import auth, errors, resources, streaming

from .blocks import PAGES, ROOT

PACKAGE = ROOT / "custom" / "ibkr_webapi"
# `ClassName` anywhere; `function(` only when written as a call (plain `snake_case` is usually a field).
_TICKED = re.compile(r"`([A-Z][A-Za-z0-9_]*)(?:\(|`)|`([a-z_][a-z0-9_]*)\(")
# Parts users reach through their own import path, and internals the docs describe as such.
_OWN_IMPORT_PATH = ("testing", "cli")


def _library_definitions() -> dict[str, Path]:
    """Top-level classes and functions of the library (not the simulator or the CLI)."""
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in _OWN_IMPORT_PATH:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            kinds = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            if isinstance(node, kinds) and not node.name.startswith("_"):
                found.setdefault(node.name, path)
    return found


def test_every_library_name_the_docs_mention_is_importable_from_the_package() -> None:
    defined = _library_definitions()
    public = (
        set(ibkr_webapi.__all__) | set(errors.__all__) | set(auth.__all__) | set(streaming.__all__)
    )
    missing = set()
    for page in PAGES:
        if page.name.startswith("_"):  # contributor notes describe internals on purpose
            continue
        for match in _TICKED.finditer(page.read_text(encoding="utf-8")):
            name = match[1] or match[2]
            if name in defined and name not in public and not _is_method_name(name):
                missing.add(f"{name} ({page.name}; defined in {defined[name].relative_to(ROOT)})")
    assert not missing, f"documented but not public: {sorted(missing)}"


def _is_method_name(name: str) -> bool:
    """Call names such as `snapshot(` are methods of IBKRClient, a resource namespace or the stream."""
    owners: list[type] = [ibkr_webapi.IBKRClient, streaming.StreamManager]
    for module_info in pkgutil.iter_modules(resources.__path__, "ibkr_webapi.resources."):
        module = importlib.import_module(module_info.name)
        owners += [cls for _, cls in inspect.getmembers(module, inspect.isclass)]
    return any(hasattr(owner, name) for owner in owners)


def test_every_exception_the_library_defines_is_an_ibkr_error() -> None:
    outsiders = []
    for module_info in pkgutil.walk_packages(ibkr_webapi.__path__, "ibkr_webapi."):
        if module_info.name.split(".")[1] in _OWN_IMPORT_PATH:
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            own = value.__module__ == module.__name__
            if own and issubclass(value, BaseException) and not issubclass(value, errors.IBKRError):
                outsiders.append(f"{module.__name__}.{value.__name__}")
    assert not outsiders
