"""Read and write spec documents (YAML or JSON) and overlays (one file or a folder of them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class SpecLoadError(Exception):
    """A spec or overlay file cannot be read."""


def load_document(path: Path) -> dict[str, Any]:
    """Load a YAML or JSON document into plain dicts and lists."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecLoadError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecLoadError(
            f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise SpecLoadError(f"{path} must hold a mapping at the top level")
    return data


def overlay_files(path: Path) -> list[Path]:
    """The overlay documents at ``path``: the file itself, or a folder's ``*.yaml`` in name order."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"})
        if not files:
            raise SpecLoadError(f"{path} holds no overlay documents (*.yaml)")
        return files
    return [path]


def load_overlays(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every overlay document at ``path`` with a short name for messages."""
    return [(p.name, load_document(p)) for p in overlay_files(path)]


def dump_json(data: dict[str, Any], path: Path) -> None:
    """Write a document as stable, human-diffable JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
