"""Read and write spec documents (YAML or JSON)."""

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


def dump_json(data: dict[str, Any], path: Path) -> None:
    """Write a document as stable, human-diffable JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
