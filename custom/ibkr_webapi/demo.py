"""``python -m ibkr_webapi.demo``: a portfolio report against the built-in simulator.

Starts the gateway simulator on loopback HTTPS (self-signed certificate, verified), runs the report
through :class:`ibkr_webapi.IBKRClient`, runs the ``ibkr-webapi`` command line against the same
simulator as real subprocesses, then stops it. Exits 0 on success, 1 on any failure.
"""

from __future__ import annotations

import asyncio
import sys
import time

INSTALL_HINT = "pip install 'ibkr-webapi-client[cli]'"
ACCOUNT_POSITIONS = 250  # three pages of 100


async def run_demo() -> int:
    """The whole demo; returns the exit code."""
    from rich.console import Console
    from rich.text import Text

    from ibkr_webapi import IBKRClient, errors
    from ibkr_webapi.cli import _contracts, _report, _report_bracket
    from ibkr_webapi.testing import SimulatorConfig, serve_gateway

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 110)
    started = time.perf_counter()
    config = SimulatorConfig(positions={"U1234567": ACCOUNT_POSITIONS, "U7654321": 4})
    console.rule(
        Text("ibkr-webapi demo: portfolio report against the gateway simulator", style="bold")
    )
    try:
        async with serve_gateway(config=config, port=0, tls=True) as gw:
            console.print(f"Simulator at [bold]{gw.url}[/], CA certificate {gw.ca_path}")
            served = gw.simulator.requests  # requests by "METHOD /route", as the simulator saw them

            def snapshot_requests() -> int:
                return sum(
                    n for route, n in served.items() if route.endswith("/marketdata/snapshot")
                )

            async with IBKRClient(gw.url, verify=str(gw.ca_path)) as ib:  # TLS verified
                result = await _report.portfolio_report(
                    ib, console, snapshot_requests=snapshot_requests
                )
                streamed = await _report.streaming_section(ib, console, result.account)
                _report.heading(
                    console, "An option chain: AAPL, nearest expiry, strikes around the money"
                )
                chained = await _contracts.demo_section(ib, console, served)
            ok = await _report.command_line(
                console, url=gw.url, ca_path=str(gw.ca_path), result=result
            )
            async with IBKRClient(gw.url, verify=str(gw.ca_path)) as ib:
                bracketed = await _report_bracket.bracket_section(
                    ib, console, result.account, gw.simulator, number=12
                )
            total, limited = sum(served.values()), gw.simulator.rate_limited
    except errors.IBKRError as exc:
        console.print(Text(f"demo failed: {exc}", style="bold red"))
        return 1
    elapsed = time.perf_counter() - started
    ok = ok and bracketed and chained and limited == 0 and streamed > 0
    console.print()
    console.rule(
        Text(
            f"done in {elapsed:.1f} s · {total} requests served · {limited} rate-limited (429)",
            style="bold green" if ok else "bold red",
        )
    )
    return 0 if ok else 1


def main() -> int:
    """Entry point of ``python -m ibkr_webapi.demo``."""
    try:
        import rich  # noqa: F401
        import starlette  # noqa: F401
    except ModuleNotFoundError as exc:
        print(f"demo: the {exc.name!r} package is missing: {INSTALL_HINT}", file=sys.stderr)
        return 1
    return asyncio.run(run_demo())


if __name__ == "__main__":
    sys.exit(main())
