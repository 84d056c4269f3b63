"""The pytest plugin loads in every pytest run where the package is installed: it must stay light."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
for name in ("starlette", "uvicorn", "cryptography"):
    sys.modules[name] = None  # as if the simulator extra were not installed
import ibkr_webapi.testing.pytest_plugin as plugin
print(sorted(n for n in dir(plugin) if n.startswith("ibkr_")))
"""


def test_plugin_imports_without_the_simulator_extra() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['ibkr_client',",
        "'ibkr_gateway',",
        "'ibkr_simulator',",
        "'ibkr_simulator_config']",
    ]
