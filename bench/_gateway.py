"""The gateway simulator in another process, started the way a user starts it (the CLI).

``ibkr-webapi simulate --port 0`` prints its URL and the CA certificate to verify with; we read both,
talk to it over loopback HTTPS, and stop it with a signal, checking it removed its temporary files.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

_URL = re.compile(r"listening on (https://\S+)")
_CA = re.compile(r"verify with: (\S+)")


@dataclass
class Gateway:
    """A simulator process: its API URL and the CA certificate that verifies it."""

    url: str
    ca: str
    process: subprocess.Popen[bytes]
    output: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    """The last lines the simulator printed (for a report when it stops unexpectedly)."""

    def check_alive(self) -> None:
        """Raise, with what it printed last, when the simulator process is gone."""
        code = self.process.poll()
        if code is not None:
            raise RuntimeError(
                f"the simulator process exited ({code}; negative: killed by that signal) during "
                "the run; its last lines:\n" + "".join(self.output)
            )

    @property
    def temp_dir(self) -> Path:
        return Path(self.ca).parent

    @property
    def admin_url(self) -> str:
        return self.url.removesuffix("/v1/api") + "/_sim"

    def admin(self, path: str, body: dict[str, object]) -> object:
        """POST to a control route (``/_sim/...``)."""
        request = urllib.request.Request(
            f"{self.admin_url}{path}",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        context = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(request, context=context, timeout=120) as answer:
            return json.loads(answer.read() or b"null")

    def keep_alive(self, every: float = 60.0) -> None:
        """Tickle the session every ``every`` seconds, as an application's keepalive would: a run
        outlasts the gateway's 6-minute idle timeout, and the bare and ibind workers do not tickle.
        """

        def tickle() -> None:
            context = ssl.create_default_context(cafile=self.ca)
            while self.process.poll() is None:
                time.sleep(every)
                request = urllib.request.Request(f"{self.url}/tickle", data=b"", method="POST")
                try:
                    with urllib.request.urlopen(request, context=context, timeout=30):
                        pass
                except OSError:
                    pass  # stopping, or busy: the next tickle is in a minute

        threading.Thread(target=tickle, daemon=True).start()

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20.0) -> tuple[int | None, bool]:
        """Stop with ``sig``; the exit code and whether the temporary folder is gone."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode, not self.temp_dir.exists()


def start(
    *,
    positions: int = 12,
    rate_limits: bool = False,
    preflight: bool = False,
    timeout: float = 60.0,
    extra: tuple[str, ...] = (),
) -> Gateway:
    """Start ``ibkr-webapi simulate`` on a free port (rate limits and pre-flights off by default:
    the CPU rows must not measure waiting; the pacing section turns the limits on)."""
    command = [
        sys.executable,
        "-m",
        "ibkr_webapi.cli",
        "simulate",
        "--port",
        "0",
        *([] if rate_limits else ["--no-rate-limits"]),
        *([] if preflight else ["--no-preflight"]),
        "--positions",
        str(positions),
        "--log-level",
        "warning",
        *extra,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    url = ca = None
    seen = b""
    deadline = time.monotonic() + timeout
    fd = process.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while url is None or ca is None:
            if time.monotonic() > deadline or not selector.select(deadline - time.monotonic()):
                process.kill()
                raise RuntimeError("the simulator did not start in time:\n" + seen.decode())
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("the simulator exited while starting:\n" + seen.decode())
            seen += chunk
            text = seen.decode(errors="replace")
            if match := _URL.search(text):
                url = match[1]
            if match := _CA.search(text):
                ca = match[1]
    gateway = Gateway(url, ca, process)
    gateway.output.extend(seen.decode(errors="replace").splitlines(keepends=True))
    # Keep reading what it prints, so that a full pipe never stalls it.
    threading.Thread(target=_drain, args=(process.stdout, gateway.output), daemon=True).start()
    gateway.keep_alive()
    return gateway


def _drain(stream: object, lines: deque[str]) -> None:
    try:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line.decode(errors="replace"))
    except (ValueError, OSError):
        pass
