"""Deterministic pseudo-random numbers keyed by integers, and a random walk you can read at any step."""

from __future__ import annotations

import math

_MASK = (1 << 64) - 1
# A walk spans 2**_DEPTH steps; its middle is "now" when the simulator starts.
_DEPTH = 34
WALK_ORIGIN = 1 << (_DEPTH - 1)


def _mix(value: int) -> int:
    """SplitMix64 finaliser: spreads the bits of one 64-bit integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def hash_keys(*keys: int) -> int:
    """A 64-bit hash of a tuple of integers."""
    state = 0x2545F4914F6CDD1D
    for key in keys:
        state = _mix(state ^ (key & _MASK))
    return state


def uniform(*keys: int) -> float:
    """A number in the open interval (0, 1), fixed by the keys."""
    return ((hash_keys(*keys) >> 11) + 0.5) / float(1 << 53)


def gauss(*keys: int) -> float:
    """A standard normal number fixed by the keys (Box-Muller)."""
    first = hash_keys(*keys)
    second = _mix(first ^ 0x5851F42D4C957F2D)
    u1 = ((first >> 11) + 0.5) / float(1 << 53)
    u2 = (second >> 11) / float(1 << 53)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def walk(seed: int, stream: int, step: int) -> float:
    """Value of a standard random walk (variance 1 per step) at `step`.

    Built by midpoint displacement (Levy's construction), so any step is a pure function of
    (seed, stream, step) and costs a few dozen hashes, whatever was read before.
    """
    low, high = 0, 1 << _DEPTH
    step = min(max(step, low), high)
    value_low = 0.0
    value_high = gauss(seed, stream, -1, 0) * math.sqrt(high)
    level, index = 0, 0
    while True:
        if step == low:
            return value_low
        if step == high:
            return value_high
        middle = (low + high) // 2
        value_middle = (value_low + value_high) / 2 + gauss(seed, stream, level, index) * math.sqrt(
            (high - low) / 4
        )
        level += 1
        if step < middle:
            high, value_high, index = middle, value_middle, index * 2
        else:
            low, value_low, index = middle, value_middle, index * 2 + 1
