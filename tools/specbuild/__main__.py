"""Command line for the spec build: ``python -m tools.specbuild {generate,check,resolve,drift,contract}``."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from . import contract
from .drift import DriftReport
from .loader import SpecLoadError, dump_json
from .overlay import FLAVORS, OverlayError
from .pipeline import (
    CUSTOM_ROOT,
    DEFAULT_CONFIG,
    DEFAULT_CONTRACT,
    DEFAULT_OUT,
    DEFAULT_OVERLAY,
    DEFAULT_SPEC,
    DEFAULT_TEMPLATES,
    PACKAGE,
    BuildResult,
    ContractError,
    GenerationError,
    SpecDefectError,
    diff_trees,
    generate,
    resolve_spec,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.specbuild", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [
        ("generate", "regenerate the low-level client package"),
        ("check", "regenerate into a temporary folder and fail on any difference"),
        ("resolve", "write the checked spec (source + overlay) as JSON"),
        ("drift", "list every difference between our operations and the source spec's"),
    ]:
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument(
            "--spec", type=Path, default=DEFAULT_SPEC, help="source OpenAPI document (YAML/JSON)"
        )
        cmd.add_argument(
            "--overlay",
            default=str(DEFAULT_OVERLAY),
            help="overlay file or folder of overlay files; '' for none",
        )
        cmd.add_argument(
            "--flavor",
            choices=FLAVORS,
            help="what the source spec is (default: seed for the vendored seed, else official)",
        )
        cmd.add_argument(
            "--on-unmatched",
            choices=["error", "warn"],
            default="error",
            help="what to do when an overlay action selects nothing",
        )
        cmd.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
        cmd.add_argument("--templates", type=Path, default=DEFAULT_TEMPLATES)
        cmd.add_argument(
            "--allow-warnings",
            action="store_true",
            help="write the package even when the generator warns (it skipped or mistyped something)",
        )
        if name == "resolve":
            cmd.add_argument("--out", type=Path, required=True)
        else:
            cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, help="package folder")
    cmd = sub.add_parser("contract", help="check (or --update) the names custom/ uses")
    cmd.add_argument("--update", action="store_true", help="rewrite the list from custom/")
    cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, help="package folder to check")
    return parser


def _report_drift(drift: DriftReport, verbose: bool) -> None:
    for finding in drift.of("warning"):
        print(f"WARNING   {finding}")
    notes = drift.of("note")
    if verbose:
        for finding in notes:
            print(f"note      {finding}")
    elif notes:
        print(
            f"drift     {len(notes)} note(s) (fields or parameters only one side declares); "
            "`make spec-drift SPEC=...` lists them"
        )
    print(f"drift     {drift.compared} operation(s) compared with the source spec")
    if drift.outside:
        print(
            f"outside   {len(drift.outside)} source operation(s) are not in our surface and were "
            "not generated (add them to the overlay to generate them):"
        )
        for line in drift.outside if verbose else drift.outside[:20]:
            print(f"            {line}")
        if not verbose and len(drift.outside) > 20:
            print(f"            ... and {len(drift.outside) - 20} more")


def _report(result: BuildResult, *, verbose: bool = False) -> None:
    print(f"source    {result.flavor} spec")
    for fix in result.repairs.fixes:
        print(f"repaired  {fix}")
    if result.overlay is not None:
        print(f"overlay   {len(result.overlay.applied)} action(s) applied")
        for line in result.overlay.skipped:
            print(f"skipped   {line}")
        for line in result.overlay.notes + result.overlay.unmatched:
            print(f"WARNING   {line}")
    if result.pruned:
        print(f"pruned    {result.pruned} source component(s) nothing of ours refers to")
    if result.drift is not None:
        _report_drift(result.drift, verbose)
    paths = result.spec.get("paths", {})
    operations = sum(1 for item in paths.values() for method in item if method != "parameters")
    print(f"spec      {len(paths)} paths, {operations} operations")
    for line in result.warnings:
        print(f"generator {line}")
    if result.summary is not None:
        for line in result.summary.lines():
            print(f"changed   {line}")


def _clear_type_cache(out: Path) -> None:
    # mypy trusts its cache across regenerations; a stale one reports errors that no longer exist.
    root = out.resolve().parent
    cache = root / ".mypy_cache"
    if (root / "pyproject.toml").is_file() and cache.is_dir():
        shutil.rmtree(cache, ignore_errors=True)
        print(f"cleared   {cache}")


def _contract(args: argparse.Namespace) -> int:
    if args.update:
        DEFAULT_CONTRACT.write_text(contract.render(contract.scan(CUSTOM_ROOT)), encoding="utf-8")
        print(f"wrote {DEFAULT_CONTRACT}")
        return 0
    listed = contract.read(DEFAULT_CONTRACT)
    status = 0
    stale = sorted(set(contract.scan(CUSTOM_ROOT)) ^ set(listed))
    if stale:
        print(
            f"{DEFAULT_CONTRACT.name} is not current ({len(stale)} difference(s): "
            f"{', '.join(stale[:5])}); run `make contract`",
            file=sys.stderr,
        )
        status = 1
    absent = contract.missing(args.out, listed)
    for line in contract.explain(absent, CUSTOM_ROOT):
        print(f"missing   {line}", file=sys.stderr)
    if absent:
        status = 1
    if status == 0:
        print(f"{args.out.name} provides all {len(listed)} names custom/ uses")
    return status


def _check(args: argparse.Namespace, overlay: Path | None) -> int:
    with tempfile.TemporaryDirectory(prefix="ibkr-check-") as tmp:
        fresh = Path(tmp) / PACKAGE
        result = generate(
            args.spec,
            overlay,
            fresh,
            config=args.config,
            templates=args.templates,
            flavor=args.flavor,
            on_unmatched=args.on_unmatched,
            allow_warnings=args.allow_warnings,
        )
        differences = diff_trees(fresh, args.out)
    result.summary = None  # the tree comparison below says what differs
    _report(result)
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "contract":
        return _contract(args)
    overlay = Path(args.overlay) if args.overlay else None
    try:
        if args.command == "resolve":
            result = resolve_spec(
                args.spec, overlay, flavor=args.flavor, on_unmatched=args.on_unmatched
            )
            dump_json(result.spec, args.out)
            _report(result)
            return 0
        if args.command == "drift":
            _report(
                resolve_spec(
                    args.spec, overlay, flavor=args.flavor, on_unmatched=args.on_unmatched
                ),
                verbose=True,
            )
            return 0
        if args.command == "generate":
            result = generate(
                args.spec,
                overlay,
                args.out,
                config=args.config,
                templates=args.templates,
                flavor=args.flavor,
                on_unmatched=args.on_unmatched,
                allow_warnings=args.allow_warnings,
            )
            _report(result)
            print(f"generated {args.out}")
            _clear_type_cache(args.out)
            return 0
        return _check(args, overlay)
    except SpecDefectError as exc:
        _report(exc.result, verbose=args.command == "drift")
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (SpecLoadError, OverlayError, GenerationError, ContractError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
