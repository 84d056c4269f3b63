"""HostStore: one budget per gateway for every process of this user on this machine.

The state lives in a small memory-mapped file in the user's cache directory
(``$IBKR_WEBAPI_PACING_DIR``, else ``$XDG_CACHE_HOME/ibkr-webapi``, else ``~/.cache/ibkr-webapi``),
one file per gateway. Every operation is a critical section of a few microseconds under an
exclusive ``flock``, taken without blocking: when another process holds it, the coroutine yields
to the event loop and tries again. The kernel drops the lock of a process that dies, and slots and
gates held by dead processes are reclaimed, so a crash never leaves the budget stuck.

Times are wall-clock seconds (``time.time``), shared by every process; values further ahead than
they could legitimately be (after the clock was set back) are clamped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mmap
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ._memory import MemoryStore
from ._policy import Demand
from ._rates import TIMER_SLACK
from ._store import CAP, GATE, GRANTED, HOLD, RATE, Outcome, Slot

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: HostStore falls back to process memory
    fcntl = None  # type: ignore[assignment]

__all__ = ["HostStore", "default_state_dir"]

logger = logging.getLogger("ibkr_webapi")
T = TypeVar("T")

_MAGIC = b"IBKRPACE"
_VERSION = 1
_HEADER = struct.Struct("<8sI")
_F64 = struct.Struct("<d")
_HOLD = struct.Struct("<dd")  # hold_until, hold_length
_GATE = struct.Struct("<qi4xddd")  # token, pid, lease_until, clear_at, lease_length
_OFF_HOLD = 16  # hold_until, hold_length
_OFF_GATE = 32
_OFF_LAST = 72
_RATES = 128
_RATE_ENTRIES = 256
_RATE = struct.Struct("<Qd")  # key hash, next grant time
_CAPS = _RATES + _RATE_ENTRIES * _RATE.size
_CAP_ENTRIES = 16
_CAP_SLOTS = 64
_CAP_HASH = struct.Struct("<Q")
_HOLDER = struct.Struct("<iI")  # pid, serial
_CAP_SIZE = _CAP_HASH.size + _CAP_SLOTS * _HOLDER.size
_SIZE = 16384
assert _CAPS + _CAP_ENTRIES * _CAP_SIZE <= _SIZE


def default_state_dir() -> Path:
    """Where the host-local pacing state lives (see the module docs)."""
    explicit = os.environ.get("IBKR_WEBAPI_PACING_DIR")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "ibkr-webapi"


def _hash(key: str) -> int:
    value = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
    return value or 1


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


class HostStore:
    """Host-local shared state (see the module docs). ``directory`` overrides where it lives.

    Should the directory be unusable (read-only, no ``fcntl``), the store logs one warning and
    keeps the budget in this process only.
    """

    shared = True
    poll_interval = 0.02
    max_cap = _CAP_SLOTS

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._directory = Path(directory) if directory is not None else None
        self._clock = clock
        self._gateway = ""
        self._path: Path | None = None
        self._fd = -1
        self._mm: mmap.mmap | None = None
        self._pid = 0
        self._serial = 0
        self._hashes: dict[str, int] = {}
        self._rate_slot: dict[int, int] = {}
        self._fallback: MemoryStore | None = None

    def __repr__(self) -> str:
        return f"HostStore({str(self._path) if self._path else '(unbound)'!r})"

    @property
    def path(self) -> Path | None:
        """The state file (once bound to a gateway)."""
        return self._path

    def bind(self, gateway: str) -> None:
        self._gateway = gateway
        directory = self._directory or default_state_dir()
        name = hashlib.sha256(gateway.encode()).hexdigest()[:20]
        self._path = directory / f"pacing-{name}.bin"

    # -- the critical section -------------------------------------------------------------------

    def _open(self) -> None:
        if self._path is None:
            raise RuntimeError("HostStore used before bind(gateway)")
        if fcntl is None:
            raise OSError("no fcntl.flock on this platform")
        # A forked child must not use its parent's descriptor: flock is shared through it.
        self._mm = None
        self._fd = -1
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._pid = os.getpid()
        self._rate_slot.clear()

    def _map(self) -> mmap.mmap:
        """Map the file (under the lock), initialising it when new or of another layout."""
        if os.fstat(self._fd).st_size < _SIZE:
            os.ftruncate(self._fd, _SIZE)
        mm = mmap.mmap(self._fd, _SIZE)
        magic, version = _HEADER.unpack_from(mm, 0)
        if magic != _MAGIC or version != _VERSION:
            mm[:_SIZE] = bytes(_SIZE)
            _HEADER.pack_into(mm, 0, _MAGIC, _VERSION)
        self._mm = mm
        return mm

    def _fall_back(self, exc: OSError) -> MemoryStore:
        logger.warning(
            "pacing: cannot share the budget through %s (%s); pacing within this process only",
            self._path,
            exc,
        )
        self._fallback = MemoryStore()
        return self._fallback

    async def _locked(self, work: Callable[[mmap.mmap, float], T]) -> T:
        if self._pid != os.getpid():
            self._open()
        fd = self._fd
        spins = 0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                spins += 1  # another process is inside its few-microsecond section
                await asyncio.sleep(0 if spins < 4 else 0.0005)
        try:
            mm = self._mm if self._mm is not None else self._map()
            return work(mm, self._clock())
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    async def _run(self, work: Callable[[mmap.mmap, float], T]) -> T | None:
        """Run ``work`` in the critical section; ``None`` when the file cannot be used."""
        if self._fallback is not None:
            return None
        try:
            return await self._locked(work)
        except OSError as exc:
            self._fall_back(exc)
            return None

    # -- rate entries ---------------------------------------------------------------------------

    def _key_hash(self, key: str) -> int:
        found = self._hashes.get(key)
        if found is None:
            found = self._hashes[key] = _hash(key)
        return found

    def _rate_offset(self, mm: mmap.mmap, key_hash: int, now: float, create: bool) -> int:
        cached = self._rate_slot.get(key_hash)
        if cached is not None and _RATE.unpack_from(mm, cached)[0] == key_hash:
            return cached
        start = key_hash % _RATE_ENTRIES
        reusable = -1
        oldest, oldest_at = -1, float("inf")
        for step in range(_RATE_ENTRIES):
            offset = _RATES + ((start + step) % _RATE_ENTRIES) * _RATE.size
            found, tat = _RATE.unpack_from(mm, offset)
            if found == key_hash:
                self._rate_slot[key_hash] = offset
                return offset
            if found == 0:
                if reusable < 0:
                    reusable = offset
                break  # the probe chain ends here
            if reusable < 0 and tat <= now:
                reusable = offset  # an entry whose key is free again anyway
            if tat < oldest_at:
                oldest, oldest_at = offset, tat
        if not create:
            return -1
        offset = reusable if reusable >= 0 else oldest
        _RATE.pack_into(mm, offset, key_hash, 0.0)
        self._rate_slot[key_hash] = offset
        return offset

    # -- operations -----------------------------------------------------------------------------

    def _gate_state(self, mm: mmap.mmap, now: float) -> tuple[int, float]:
        """(token, clear_at) of a live gate holder, or (0, 0)."""
        token, pid, lease_until, clear_at, lease = _GATE.unpack_from(mm, _OFF_GATE)
        if token == 0:
            return 0, 0.0
        if lease_until <= now or lease_until > now + lease + 1.0 or not _alive(pid):
            _GATE.pack_into(mm, _OFF_GATE, 0, 0, 0.0, 0.0, 0.0)
            return 0, 0.0
        return token, clear_at

    def _acquire(self, demand: Demand, gate: int, mm: mmap.mmap, now: float) -> Outcome:
        hold_until, hold_length = _HOLD.unpack_from(mm, _OFF_HOLD)
        if hold_until > now:
            return Outcome(False, wait=min(hold_until, now + hold_length) - now, reason=HOLD)
        holder, clear_at = self._gate_state(mm, now)
        if holder:
            if holder != gate:
                return Outcome(False, wait=None, reason=GATE)
            if clear_at > now:
                return Outcome(False, wait=clear_at - now, reason=GATE)
        worst = 0.0
        why = ""
        offsets = []
        dues = []
        for limit in demand.limits:
            offset = self._rate_offset(mm, self._key_hash(limit.key), now, True)
            offsets.append(offset)
            due = min(_F64.unpack_from(mm, offset + 8)[0], now + limit.interval)
            dues.append(due)
            if due - now > worst:
                worst, why = due - now, limit.key
        if worst > 0.0:
            return Outcome(False, wait=worst, reason=RATE, key=why)
        slots: list[Slot] = []
        if demand.caps:
            taken = self._take_slots(mm, demand)
            if isinstance(taken, Outcome):
                return taken
            slots = taken
        late = now - TIMER_SLACK
        for limit, offset, due in zip(demand.limits, offsets, dues, strict=True):
            _F64.pack_into(mm, offset + 8, max(due, late) + limit.interval)
        _F64.pack_into(mm, _OFF_LAST, now)
        if holder:
            _, _, _, _, lease = _GATE.unpack_from(mm, _OFF_GATE)
            _F64.pack_into(mm, _OFF_GATE + 16, now + lease)  # the holder renews its lease
        return Outcome(True, slots=tuple(slots)) if slots else GRANTED

    def _cap_offset(self, mm: mmap.mmap, key_hash: int) -> int:
        free = -1
        for entry in range(_CAP_ENTRIES):
            offset = _CAPS + entry * _CAP_SIZE
            (found,) = _CAP_HASH.unpack_from(mm, offset)
            if found == key_hash:
                return offset
            if free < 0 and (found == 0 or not any(self._holders(mm, offset))):
                free = offset
        if free >= 0:
            mm[free : free + _CAP_SIZE] = bytes(_CAP_SIZE)
            _CAP_HASH.pack_into(mm, free, key_hash)
        return free

    @staticmethod
    def _holders(mm: mmap.mmap, offset: int) -> list[int]:
        base = offset + _CAP_HASH.size
        return [_HOLDER.unpack_from(mm, base + i * _HOLDER.size)[0] for i in range(_CAP_SLOTS)]

    def _take_slots(self, mm: mmap.mmap, demand: Demand) -> list[Slot] | Outcome:
        chosen: list[tuple[str, int, int]] = []
        for cap in demand.caps:
            offset = self._cap_offset(mm, self._key_hash(cap.key))
            if offset < 0:
                return Outcome(False, wait=None, reason=CAP, key=cap.key)
            pids = self._holders(mm, offset)
            busy = sum(1 for pid in pids if pid)
            if busy >= cap.limit:
                for index, pid in enumerate(pids):  # reclaim the slots of dead processes
                    if pid and pid != self._pid and not _alive(pid):
                        pids[index] = 0
                        _HOLDER.pack_into(mm, offset + 8 + index * _HOLDER.size, 0, 0)
                        busy -= 1
            if busy >= cap.limit:
                return Outcome(False, wait=None, reason=CAP, key=cap.key)
            chosen.append((cap.key, offset, pids.index(0)))
        slots = []
        for key, offset, index in chosen:
            self._serial = (self._serial + 1) & 0xFFFFFFFF
            _HOLDER.pack_into(mm, offset + 8 + index * _HOLDER.size, self._pid, self._serial)
            slots.append(Slot(key, offset + 8 + index * _HOLDER.size, str(self._serial)))
        return slots

    def _release(self, slots: tuple[Slot, ...], mm: mmap.mmap, now: float) -> None:
        for slot in slots:
            pid, serial = _HOLDER.unpack_from(mm, slot.index)
            if pid == self._pid and str(serial) == slot.holder:
                _HOLDER.pack_into(mm, slot.index, 0, 0)

    def _hold(self, seconds: float, mm: mmap.mmap, now: float) -> tuple[float, bool]:
        hold_until, _length = _HOLD.unpack_from(mm, _OFF_HOLD)
        started = hold_until <= now
        until = now + seconds
        if until > hold_until or started:
            _HOLD.pack_into(mm, _OFF_HOLD, max(until, hold_until), max(seconds, 0.0))
            hold_until = max(until, hold_until)
        return hold_until - now, started

    def _hold_left(self, mm: mmap.mmap, now: float) -> float:
        hold_until, hold_length = _HOLD.unpack_from(mm, _OFF_HOLD)
        left: float = min(hold_until, now + hold_length) - now
        return max(0.0, left)

    def _take_gate(
        self, token: int, margin: float, lease: float, mm: mmap.mmap, now: float
    ) -> float | None:
        holder, _ = self._gate_state(mm, now)
        if holder and holder != token:
            return self.poll_interval
        (last,) = _F64.unpack_from(mm, _OFF_LAST)
        clear_at = min(last + margin, now + margin)
        _GATE.pack_into(mm, _OFF_GATE, token, os.getpid(), now + lease, clear_at, lease)
        return None

    def _release_gate(self, token: int, mm: mmap.mmap, now: float) -> None:
        if _GATE.unpack_from(mm, _OFF_GATE)[0] == token:
            _GATE.pack_into(mm, _OFF_GATE, 0, 0, 0.0, 0.0, 0.0)

    def _reset(self, mm: mmap.mmap, now: float) -> None:
        mm[16:_SIZE] = bytes(_SIZE - 16)
        self._rate_slot.clear()

    # -- the Store interface --------------------------------------------------------------------

    async def acquire(self, demand: Demand, gate: int) -> Outcome:
        result = await self._run(lambda mm, now: self._acquire(demand, gate, mm, now))
        if result is None:
            return await self._memory().acquire(demand, gate)
        return result

    async def release(self, slots: tuple[Slot, ...]) -> None:
        if not slots:
            return
        if self._fallback is not None:
            await self._fallback.release(slots)
            return
        await self._run(lambda mm, now: self._release(slots, mm, now))

    async def hold(self, seconds: float) -> tuple[float, bool]:
        result = await self._run(lambda mm, now: self._hold(seconds, mm, now))
        return result if result is not None else await self._memory().hold(seconds)

    async def hold_remaining(self) -> float:
        result = await self._run(self._hold_left)
        return result if result is not None else await self._memory().hold_remaining()

    async def take_gate(self, token: int, margin: float, lease: float) -> float | None:
        if self._fallback is not None:
            return await self._fallback.take_gate(token, margin, lease)
        try:
            return await self._locked(
                lambda mm, now: self._take_gate(token, margin, lease, mm, now)
            )
        except OSError as exc:
            return await self._fall_back(exc).take_gate(token, margin, lease)

    async def release_gate(self, token: int) -> None:
        if self._fallback is not None:
            await self._fallback.release_gate(token)
            return
        await self._run(lambda mm, now: self._release_gate(token, mm, now))

    async def reset(self) -> None:
        if self._fallback is not None:
            await self._fallback.reset()
            return
        await self._run(self._reset)

    def _memory(self) -> MemoryStore:
        assert self._fallback is not None
        return self._fallback

    async def aclose(self) -> None:
        if self._mm is not None:
            self._mm.close()
            self._mm = None
        if self._fd >= 0 and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = -1
        self._pid = 0
