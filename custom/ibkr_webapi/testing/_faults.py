"""Fault injection: random or scheduled errors, added latency and dropped connections."""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx


@dataclass(frozen=True, kw_only=True)
class Faults:
    """What goes wrong, and how often. Everything is off by default.

    `error_rates` maps an HTTP status (500, 502, 503, ...) to the probability that a request is
    answered with it. `paths` limits every fault to request paths matching one of these globs
    (relative to /v1/api, e.g. "/iserver/marketdata/*"); empty means every path.
    """

    error_rates: Mapping[int, float] = field(default_factory=dict)
    latency: float = 0.0
    latency_jitter: float = 0.0
    drop_rate: float = 0.0
    paths: tuple[str, ...] = ()
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON form, as the admin route takes and answers it."""
        return {
            "error_rates": {str(status): rate for status, rate in self.error_rates.items()},
            "latency": self.latency,
            "latency_jitter": self.latency_jitter,
            "drop_rate": self.drop_rate,
            "paths": list(self.paths),
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Faults:
        """Parse the admin route's body; unknown keys are an error."""
        known = {"error_rates", "latency", "latency_jitter", "drop_rate", "paths", "seed"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        paths = data.get("paths", ())
        return cls(
            error_rates={int(k): float(v) for k, v in dict(data.get("error_rates", {})).items()},
            latency=float(data.get("latency", 0.0)),
            latency_jitter=float(data.get("latency_jitter", 0.0)),
            drop_rate=float(data.get("drop_rate", 0.0)),
            paths=(paths,) if isinstance(paths, str) else tuple(str(p) for p in paths),
            seed=int(data.get("seed", 0)),
        )


class SimulatedDisconnect(httpx.RemoteProtocolError):
    """Raised in-process where a real server would close the connection without answering."""


@dataclass
class _Scheduled:
    kind: Literal["error", "drop"]
    status: int
    remaining: int
    pattern: str | None


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request: wait `delay` seconds, then drop it, fail it, or neither."""

    delay: float = 0.0
    drop: bool = False
    status: int | None = None


def _matches(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(path, _relative(p)) for p in patterns)


def _relative(pattern: str) -> str:
    return pattern.removeprefix("/v1/api")


class FaultInjector:
    """Decides, request by request, which configured fault (if any) applies."""

    def __init__(self, faults: Faults) -> None:
        self._scheduled: list[_Scheduled] = []
        self.configure(faults)

    @property
    def faults(self) -> Faults:
        return self._faults

    def configure(self, faults: Faults) -> None:
        """Replace the random faults (scheduled ones stay)."""
        self._faults = faults
        self._random = random.Random(faults.seed)

    def clear(self) -> None:
        """Turn every fault off, scheduled ones included."""
        self.configure(Faults())
        self._scheduled.clear()

    def schedule(
        self,
        kind: Literal["error", "drop"],
        *,
        status: int = 503,
        count: int = 1,
        path: str | None = None,
    ) -> None:
        """Make the next `count` matching requests fail (`error`) or lose their connection (`drop`)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        self._scheduled.append(_Scheduled(kind, status, count, path))

    @property
    def scheduled(self) -> list[dict[str, Any]]:
        return [
            {"kind": s.kind, "status": s.status, "remaining": s.remaining, "path": s.pattern}
            for s in self._scheduled
        ]

    def decide(self, path: str) -> FaultDecision:
        """The fault for a request to `path` (relative to /v1/api)."""
        for item in self._scheduled:
            if item.pattern is None or _matches(path, [item.pattern]):
                item.remaining -= 1
                if item.remaining == 0:
                    self._scheduled.remove(item)
                if item.kind == "drop":
                    return FaultDecision(drop=True)
                return FaultDecision(status=item.status)
        faults = self._faults
        if not _matches(path, faults.paths):
            return FaultDecision()
        delay = faults.latency
        if faults.latency_jitter:
            delay += self._random.uniform(0.0, faults.latency_jitter)
        if faults.drop_rate and self._random.random() < faults.drop_rate:
            return FaultDecision(delay=delay, drop=True)
        for status, rate in faults.error_rates.items():
            if rate and self._random.random() < rate:
                return FaultDecision(delay=delay, status=status)
        return FaultDecision(delay=delay)
