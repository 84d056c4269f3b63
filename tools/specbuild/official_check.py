"""IBKR's own spec, end to end, without touching the committed package.

``python -m tools.specbuild.official_check --spec <IBKR's spec>`` (``make official-check``) copies the
project into a temporary folder, regenerates the client there from IBKR's spec, then runs the type
check and the test suite in that copy. The exit code says whether the route is green.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .pipeline import ROOT

_SKIP = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist"
)


_TEST_FOLDERS = (
    "tests/spec",
    "tests/unit",
    "tests/simulator",
    "tests/integration",
    "tests/oauth",
    "tests/streaming",
    "tests/user_code",
)


def copy_project(into: Path) -> Path:
    """A copy of the project at ``into/<name>``, with ``../shared`` reachable as it is here."""
    copy = into / ROOT.name
    shutil.copytree(ROOT, copy, ignore=_SKIP)
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (into / "shared").symlink_to(shared, target_is_directory=True)
    return copy


def project_env(copy: Path) -> dict[str, str]:
    """Environment that makes Python import the copy's packages, not the editable install's."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), str(copy / "custom")])
    env.pop("MYPYPATH", None)
    return env


def _step(name: str, command: list[str], cwd: Path, env: dict[str, str]) -> bool:
    print(f"== {name}: {' '.join(command)}", flush=True)
    code = subprocess.run(command, cwd=cwd, env=env, check=False).returncode
    print(f"== {name}: {'ok' if code == 0 else f'FAILED (exit {code})'}", flush=True)
    return code == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.specbuild.official_check")
    parser.add_argument("--spec", type=Path, required=True, help="IBKR's published spec (JSON)")
    parser.add_argument("--skip-tests", action="store_true", help="generate and type-check only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)
    spec = args.spec.resolve()
    if not spec.is_file():
        print(f"error: {args.spec} does not exist", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="ibkr-official-"))
    try:
        copy = copy_project(tmp)
        env = project_env(copy)
        python = sys.executable
        ok = _step(
            "generate",
            [python, "-m", "tools.specbuild", "generate", "--spec", str(spec)],
            copy,
            env,
        )
        ok = ok and _step(
            "typecheck", [python, "-m", "mypy", "--cache-dir", str(tmp / "mypy-cache")], copy, env
        )
        if ok and not args.skip_tests:
            ok = _step(
                "test",
                # Everything that reaches the generated layer; the docs, CLI and long pacing runs
                # would only repeat what the main run covers with the same package.
                [
                    python,
                    "-m",
                    "pytest",
                    "-q",
                    "-m",
                    "not pipeline and not pacing_long",
                    "-p",
                    "no:cacheprovider",
                    *_TEST_FOLDERS,
                ],
                copy,
                env,
            )
        print(f"official-spec route: {'green' if ok else 'RED'} ({spec.name})")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
