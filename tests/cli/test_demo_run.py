"""``python -m ibkr_webapi.demo`` runs end to end, quickly, and prints the whole report."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SECTIONS = (
    "1. Session",
    "2. Accounts",
    "3. Positions of U1234567",
    "Fetched 250 positions on 3 pages",
    "4. Live quotes",
    "Pre-flight: ",
    "5. Profit and loss",
    "6. Account summary",
    "Net liquidation",
    "7. Contract search",
    "8. AAPL over one day",
    "9. An order that needs confirmation",
    "The gateway asks (o383)",
    "10. Streaming over the websocket",
    "quote updates streamed",
    ": Filled (filled 5/5)",
    "An option chain: AAPL, nearest expiry",
    "the walk took",
    "$ ibkr-webapi watch",
    "$ ibkr-webapi quote",
    "$ ibkr-webapi orders",
    "12. A bracket: entry, take-profit and stop-loss",
    "entry working: entry PreSubmitted, take profit PreSubmitted, stop loss PreSubmitted",
    "open: entry Filled, take profit Submitted, stop loss Submitted",
    "take profit filled: entry Filled, take profit Filled, stop loss Cancelled",
    "done in",
)


def test_demo_exits_0_within_a_minute_with_every_section(tmp_path: Path) -> None:
    started = time.monotonic()
    env = {**os.environ, "COLUMNS": "120", "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("IBKR_BASE_URL", None)
    env.pop("IBKR_VERIFY", None)
    result = subprocess.run(
        [sys.executable, "-m", "ibkr_webapi.demo"],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert elapsed < 60
    for section in SECTIONS:
        assert section in result.stdout, section
    assert "Traceback" not in result.stderr
