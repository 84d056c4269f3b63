"""Fault injection: random or scheduled errors, added latency, dropped connections, and lost answers.

A *lost answer* is the fault that matters most for orders: the gateway carries the request out (an
order is placed, a cancel lands) and then the client never learns it, because the connection drops,
a 503 comes instead, or the body cannot be read. Optionally the brokerage session is reset right
after, so that the order no longer shows among the session's live orders.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import httpx

LostAnswer = Literal["drop", "error", "garbage"]
"""How an answer is lost after the request was carried out: the connection drops, an error status
(503 unless told) comes instead, or a 200 whose body cannot be read."""
SessionReset = Literal["expire", "reopen"]
"""What happens to the brokerage session right after a lost answer: ``expire`` (the client's next
call gets 401 and it re-opens the session) or ``reopen`` (a new brokerage session opens silently, as
when another program logs in again: the client is not told)."""
LOST_ANSWERS: tuple[LostAnswer, ...] = get_args(LostAnswer)
SESSION_RESETS: tuple[SessionReset, ...] = get_args(SessionReset)


@dataclass(frozen=True, kw_only=True)
class Faults:
    """What goes wrong, and how often. Everything is off by default.

    `error_rates` maps an HTTP status (500, 502, 503, ...) to the probability that a request is
    answered with it. `paths` limits every fault to request paths matching one of these globs
    (relative to /v1/api, e.g. "/iserver/marketdata/*"); empty means every path.

    `lost_answer_rate` is the probability that a request is carried out and its answer then lost,
    in one of the `lost_answers` ways; `session_reset_rate` the probability that such a loss also
    resets the brokerage session (one of `session_resets`).
    """

    error_rates: Mapping[int, float] = field(default_factory=dict)
    latency: float = 0.0
    latency_jitter: float = 0.0
    drop_rate: float = 0.0
    paths: tuple[str, ...] = ()
    seed: int = 0
    lost_answer_rate: float = 0.0
    lost_answers: tuple[LostAnswer, ...] = LOST_ANSWERS
    session_reset_rate: float = 0.0
    session_resets: tuple[SessionReset, ...] = SESSION_RESETS

    def to_json(self) -> dict[str, Any]:
        """JSON form, as the admin route takes and answers it."""
        return {
            "error_rates": {str(status): rate for status, rate in self.error_rates.items()},
            "latency": self.latency,
            "latency_jitter": self.latency_jitter,
            "drop_rate": self.drop_rate,
            "paths": list(self.paths),
            "seed": self.seed,
            "lost_answer_rate": self.lost_answer_rate,
            "lost_answers": list(self.lost_answers),
            "session_reset_rate": self.session_reset_rate,
            "session_resets": list(self.session_resets),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Faults:
        """Parse the admin route's body; unknown keys are an error."""
        known = {
            "error_rates",
            "latency",
            "latency_jitter",
            "drop_rate",
            "paths",
            "seed",
            "lost_answer_rate",
            "lost_answers",
            "session_reset_rate",
            "session_resets",
        }
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
            lost_answer_rate=float(data.get("lost_answer_rate", 0.0)),
            lost_answers=_choices(data.get("lost_answers", LOST_ANSWERS), LOST_ANSWERS),
            session_reset_rate=float(data.get("session_reset_rate", 0.0)),
            session_resets=_choices(data.get("session_resets", SESSION_RESETS), SESSION_RESETS),
        )


def lost_answer(value: object) -> LostAnswer:
    """`value` as a `LostAnswer`, or a ValueError naming the choices."""
    if value not in LOST_ANSWERS:
        raise ValueError(f"a lost answer is one of {', '.join(LOST_ANSWERS)}, not {value!r}")
    return value


def session_reset(value: object) -> SessionReset:
    """`value` as a `SessionReset`, or a ValueError naming the choices."""
    if value not in SESSION_RESETS:
        raise ValueError(f"a session reset is one of {', '.join(SESSION_RESETS)}, not {value!r}")
    return value


def _choices(value: object, allowed: tuple[str, ...]) -> Any:
    items = (
        (value,)
        if isinstance(value, str)
        else tuple(value)
        if isinstance(value, list | tuple)
        else ()
    )
    if not items or any(item not in allowed for item in items):
        raise ValueError(f"expected some of {', '.join(allowed)}, got {value!r}")
    return items


class SimulatedDisconnect(httpx.RemoteProtocolError):
    """Raised in-process where a real server would close the connection without answering."""


@dataclass
class _Scheduled:
    kind: Literal["error", "drop", "lose"]
    status: int
    remaining: int
    pattern: str | None
    lose: LostAnswer | None = None
    reset: SessionReset | None = None


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request: wait `delay` seconds, then drop it, fail it, or neither.

    With `lose` set the request is carried out first and its answer lost that way (an ``error``
    answers `lost_status`), then the brokerage session is reset when `reset` says so.
    """

    delay: float = 0.0
    drop: bool = False
    status: int | None = None
    lose: LostAnswer | None = None
    lost_status: int = 503
    reset: SessionReset | None = None


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

    def schedule_lost_answer(
        self,
        how: LostAnswer = "drop",
        *,
        status: int = 503,
        count: int = 1,
        path: str | None = None,
        reset: SessionReset | None = None,
    ) -> None:
        """Carry out the next `count` matching requests, then lose their answers `how`.

        `reset` also resets the brokerage session right after (see `SessionReset`).
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        lost_answer(how)
        if reset is not None:
            session_reset(reset)
        self._scheduled.append(_Scheduled("lose", status, count, path, lose=how, reset=reset))

    @property
    def scheduled(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = []
        for s in self._scheduled:
            item: dict[str, Any] = {
                "kind": s.kind,
                "status": s.status,
                "remaining": s.remaining,
                "path": s.pattern,
            }
            if s.kind == "lose":
                item["lose"] = s.lose
                item["reset"] = s.reset
            listed.append(item)
        return listed

    def decide(self, path: str) -> FaultDecision:
        """The fault for a request to `path` (relative to /v1/api)."""
        for item in self._scheduled:
            if item.pattern is None or _matches(path, [item.pattern]):
                item.remaining -= 1
                if item.remaining == 0:
                    self._scheduled.remove(item)
                if item.kind == "drop":
                    return FaultDecision(drop=True)
                if item.kind == "lose":
                    return FaultDecision(lose=item.lose, lost_status=item.status, reset=item.reset)
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
        if faults.lost_answer_rate and self._random.random() < faults.lost_answer_rate:
            how = self._random.choice(faults.lost_answers)
            reset: SessionReset | None = None
            if faults.session_reset_rate and self._random.random() < faults.session_reset_rate:
                reset = self._random.choice(faults.session_resets)
            return FaultDecision(delay=delay, lose=how, reset=reset)
        return FaultDecision(delay=delay)
