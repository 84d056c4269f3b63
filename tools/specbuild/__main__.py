"""Command line for the spec build: ``python -m tools.specbuild {resolve,generate,check}``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .loader import SpecLoadError, dump_json
from .overlay import OverlayError
from .pipeline import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    DEFAULT_OVERLAY,
    DEFAULT_SPEC,
    PACKAGE,
    BuildResult,
    GenerationError,
    diff_trees,
    generate,
    resolve_spec,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.specbuild", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [
        ("resolve", "write the repaired + overlaid spec as JSON"),
        ("generate", "regenerate the low-level client package"),
        ("check", "regenerate into a temporary folder and fail on any difference"),
    ]:
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument(
            "--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI document (YAML/JSON)"
        )
        cmd.add_argument(
            "--overlay", default=str(DEFAULT_OVERLAY), help="Overlay 1.0 file; '' for none"
        )
        cmd.add_argument(
            "--on-unmatched",
            choices=["error", "warn"],
            default="error",
            help="what to do when an overlay action selects nothing (warn when using another spec)",
        )
        cmd.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
        cmd.add_argument(
            "--allow-skipped",
            action="store_true",
            help="succeed even when the generator skips endpoints it cannot digest",
        )
        if name == "resolve":
            cmd.add_argument("--out", type=Path, required=True)
        else:
            cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, help="package folder")
    return parser


def _report(result: BuildResult) -> None:
    for fix in result.repairs.fixes:
        print(f"repaired  {fix}")
    if result.overlay is not None:
        for target, count in result.overlay.applied:
            print(f"overlay   {target} ({count} node{'s' if count != 1 else ''})")
        for target in result.overlay.unmatched:
            print(f"WARNING   overlay action matched nothing: {target}")
    paths = result.spec.get("paths", {})
    operations = sum(
        1
        for item in paths.values()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    )
    print(f"spec      {len(paths)} paths, {operations} operations")
    for line in result.warnings:
        print(f"generator {line}")


def skipped_endpoints(result: BuildResult) -> list[str]:
    """Endpoints the generator said it could not generate."""
    return [line for line in result.warnings if "Endpoint will not be generated" in line]


def _fail_on_skipped(result: BuildResult, allow: bool) -> int:
    skipped = skipped_endpoints(result)
    if not skipped:
        return 0
    print(
        f"{len(skipped)} endpoint(s) were NOT generated (see the generator lines above).",
        file=sys.stderr,
    )
    if allow:
        return 0
    print("Add a repair or an overlay action for them, or pass --allow-skipped.", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overlay = Path(args.overlay) if args.overlay else None
    command = (
        "make generate"
        if args.spec.resolve() == DEFAULT_SPEC.resolve()
        else f"make generate SPEC={args.spec}"
    )
    try:
        if args.command == "resolve":
            result = resolve_spec(args.spec, overlay, on_unmatched=args.on_unmatched)
            dump_json(result.spec, args.out)
            _report(result)
            return 0
        if args.command == "generate":
            result = generate(
                args.spec,
                overlay,
                args.out,
                config=args.config,
                on_unmatched=args.on_unmatched,
                command=command,
            )
            _report(result)
            print(f"generated {args.out}")
            return _fail_on_skipped(result, args.allow_skipped)
        with tempfile.TemporaryDirectory(prefix="ibkr-check-") as tmp:
            fresh = Path(tmp) / PACKAGE
            generate(
                args.spec,
                overlay,
                fresh,
                config=args.config,
                on_unmatched=args.on_unmatched,
                command=command,
            )
            differences = diff_trees(fresh, args.out)
        if differences:
            print(f"{args.out} does not match what the spec and overlay generate:", file=sys.stderr)
            for line in differences:
                print(f"  {line}", file=sys.stderr)
            print(
                "Run `make generate` and commit the result (never edit generated files).",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out} matches the spec and overlay")
        return 0
    except (SpecLoadError, OverlayError, GenerationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
