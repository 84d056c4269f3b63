"""RedisStore: one budget per gateway for every process on every host, through Redis.

Each operation is one call of a Lua script, which Redis runs atomically, timed by the Redis
server's own clock (``TIME``) so hosts with skewed clocks still agree. State per gateway:

* ``{prefix}:{<gateway>}:state`` - a hash: next grant time per rate key (``t:<key>``), the hold,
  the gate (holder token, lease, clear time) and the last grant;
* ``{prefix}:{<gateway>}:cap:<key>`` - a sorted set of the slots in use, scored by lease expiry, so
  the slots of a crashed process free themselves after ``slot_lease`` seconds.

The keys share one hash tag, so the script also runs on Redis Cluster. Needs the ``redis`` extra:
``pip install 'ibkr-webapi-client[redis]'``.
"""

from __future__ import annotations

import hashlib
import os
import socket
from typing import TYPE_CHECKING, Any

from .. import errors
from ._policy import Demand
from ._rates import TIMER_SLACK
from ._store import CAP, GATE, GRANTED, HOLD, RATE, Outcome, Slot

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisStore"]

_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local S = KEYS[1]
local op = ARGV[1]
local function num(v) if v then return tonumber(v) end return 0 end
local function gate_holder()
  local g = redis.call('HMGET', S, 'gate', 'gate_lease', 'gate_clear')
  if not g[1] or g[1] == '' then return '', 0 end
  if num(g[2]) <= now then
    redis.call('HDEL', S, 'gate', 'gate_lease', 'gate_clear', 'gate_len')
    return '', 0
  end
  return g[1], num(g[3])
end
if op == 'acquire' then
  local token = ARGV[2]
  local nrates = tonumber(ARGV[3])
  local hold = num(redis.call('HGET', S, 'hold'))
  if hold > now then return {0, tostring(hold - now), 'hold', ''} end
  local holder, clear = gate_holder()
  if holder ~= '' then
    if holder ~= token then return {0, '-1', 'gate', ''} end
    if clear > now then return {0, tostring(clear - now), 'gate', ''} end
  end
  local worst, why = 0, ''
  local dues = {}
  local i = 4
  for r = 1, nrates do
    local key, interval = ARGV[i], tonumber(ARGV[i + 1])
    local due = math.min(num(redis.call('HGET', S, 't:' .. key)), now + interval)
    dues[r] = due
    if due - now > worst then worst = due - now; why = key end
    i = i + 2
  end
  if worst > 0 then return {0, tostring(worst), 'rate', why} end
  i = i + 1  -- the timer slack, used below
  local ncaps = tonumber(ARGV[i]); i = i + 1
  local member, lease = ARGV[i], tonumber(ARGV[i + 1]); i = i + 2
  for c = 1, ncaps do
    local zkey, limit = KEYS[1 + c], tonumber(ARGV[i + c - 1])
    redis.call('ZREMRANGEBYSCORE', zkey, '-inf', now)
    if redis.call('ZCARD', zkey) >= limit then return {0, '-1', 'cap', zkey} end
  end
  for c = 1, ncaps do
    redis.call('ZADD', KEYS[1 + c], now + lease, member)
    redis.call('PEXPIRE', KEYS[1 + c], math.ceil(lease * 1000))
  end
  i = 4
  local longest = 0
  local late = now - tonumber(ARGV[3 + 2 * nrates + 1])
  for r = 1, nrates do
    local interval = tonumber(ARGV[i + 1])
    redis.call('HSET', S, 't:' .. ARGV[i], tostring(math.max(dues[r], late) + interval))
    if interval > longest then longest = interval end
    i = i + 2
  end
  redis.call('HSET', S, 'last', tostring(now))
  if holder ~= '' then
    redis.call('HSET', S, 'gate_lease', tostring(now + num(redis.call('HGET', S, 'gate_len'))))
  end
  redis.call('PEXPIRE', S, math.ceil((longest + 86400) * 1000))
  return {1, '0', '', ''}
elseif op == 'release' then
  for c = 2, #KEYS do redis.call('ZREM', KEYS[c], ARGV[2]) end
  return {1, '0', '', ''}
elseif op == 'hold' then
  local seconds = tonumber(ARGV[2])
  local hold = num(redis.call('HGET', S, 'hold'))
  local started = 0
  if hold <= now then started = 1 end
  if now + seconds > hold then
    hold = now + seconds
    redis.call('HSET', S, 'hold', tostring(hold))
    redis.call('PEXPIRE', S, math.ceil((seconds + 86400) * 1000))
  end
  return {started, tostring(hold - now), '', ''}
elseif op == 'remaining' then
  return {1, tostring(math.max(0, num(redis.call('HGET', S, 'hold')) - now)), '', ''}
elseif op == 'take_gate' then
  local token, margin, lease = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
  local holder = gate_holder()
  if holder ~= '' and holder ~= token then return {0, '-1', 'gate', ''} end
  local last = num(redis.call('HGET', S, 'last'))
  redis.call('HSET', S, 'gate', token, 'gate_lease', tostring(now + lease),
    'gate_clear', tostring(math.min(last + margin, now + margin)), 'gate_len', tostring(lease))
  return {1, '0', '', ''}
elseif op == 'release_gate' then
  if redis.call('HGET', S, 'gate') == ARGV[2] then
    redis.call('HDEL', S, 'gate', 'gate_lease', 'gate_clear', 'gate_len')
  end
  return {1, '0', '', ''}
elseif op == 'reset' then
  redis.call('DEL', unpack(KEYS))
  return {1, '0', '', ''}
end
return redis.error_reply('unknown pacing operation ' .. tostring(op))
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStore:
    """The budget in Redis (see the module docs).

    ``redis`` is a URL (``"redis://localhost:6379/0"``, ``"rediss://..."`` for TLS) or a
    ``redis.asyncio.Redis`` client you made. ``name`` replaces the gateway URL as the budget's
    name: give every host the same name when they reach one IBKR login through different URLs.
    ``slot_lease`` bounds how long a concurrency slot of a crashed process stays taken.
    """

    shared = True
    poll_interval = 0.05
    max_cap = 1_000_000

    def __init__(
        self,
        redis: str | Redis = "redis://localhost:6379/0",
        *,
        name: str | None = None,
        prefix: str = "ibkr_webapi",
        slot_lease: float = 120.0,
    ) -> None:
        try:
            from redis.asyncio import Redis as RedisClient
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise errors.ConfigurationError(
                "RedisStore needs the redis client: pip install 'ibkr-webapi-client[redis]'"
            ) from exc
        self._client: Redis = RedisClient.from_url(redis) if isinstance(redis, str) else redis
        self._owns_client = isinstance(redis, str)
        self._url = redis if isinstance(redis, str) else repr(redis)
        self._name = name
        self._prefix = prefix
        self._slot_lease = slot_lease
        self._script = self._client.register_script(_SCRIPT)
        self._state = ""
        self._tag = ""
        self._member = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._serial = 0

    def __repr__(self) -> str:
        return f"RedisStore(state={self._state or '(unbound)'!r})"

    def bind(self, gateway: str) -> None:
        name = self._name or gateway
        digest = hashlib.sha256(name.encode()).hexdigest()[:20]
        self._tag = f"{self._prefix}:{{{digest}}}"
        self._state = f"{self._tag}:state"

    def _cap_key(self, key: str) -> str:
        return f"{self._tag}:cap:{key}"

    async def _eval(self, keys: list[str], args: list[str | int | float]) -> list[Any]:
        from redis.exceptions import RedisError

        if not self._state:
            raise RuntimeError("RedisStore used before bind(gateway)")
        try:
            result = await self._script(keys=keys, args=args)
        except RedisError as exc:
            raise errors.PacingUnavailableError(
                f"the shared pacing store at {_safe(self._url)} failed ({type(exc).__name__}: "
                f"{exc}); nothing was sent. Check that Redis is running and reachable"
            ) from exc
        return list(result)

    async def acquire(self, demand: Demand, gate: int) -> Outcome:
        args: list[str | int | float] = ["acquire", str(gate), len(demand.limits)]
        for limit in demand.limits:
            args += [limit.key, repr(limit.interval)]
        keys = [self._state]
        member = ""
        args.append(repr(TIMER_SLACK))
        args.append(len(demand.caps))
        if demand.caps:
            self._serial += 1
            member = f"{self._member}:{self._serial}"
        args += [member, repr(self._slot_lease)]
        for cap in demand.caps:
            keys.append(self._cap_key(cap.key))
            args.append(cap.limit)
        granted, wait, reason, key = await self._eval(keys, args)
        if int(granted):
            if not demand.caps:
                return GRANTED
            return Outcome(True, slots=tuple(Slot(k, 0, member) for k in keys[1:]))
        seconds = float(_text(wait))
        reason = _text(reason)
        return Outcome(
            False,
            wait=None if seconds < 0 else seconds,
            reason={"hold": HOLD, "gate": GATE, "rate": RATE}.get(reason, CAP),
            key=_text(key),
        )

    async def release(self, slots: tuple[Slot, ...]) -> None:
        if slots:
            await self._eval([self._state, *(s.key for s in slots)], ["release", slots[0].holder])

    async def hold(self, seconds: float) -> tuple[float, bool]:
        started, left, _, _ = await self._eval([self._state], ["hold", repr(float(seconds))])
        return float(_text(left)), bool(int(started))

    async def hold_remaining(self) -> float:
        _, left, _, _ = await self._eval([self._state], ["remaining"])
        return float(_text(left))

    async def take_gate(self, token: int, margin: float, lease: float) -> float | None:
        taken, _, _, _ = await self._eval(
            [self._state], ["take_gate", str(token), repr(margin), repr(lease)]
        )
        return None if int(taken) else self.poll_interval

    async def release_gate(self, token: int) -> None:
        await self._eval([self._state], ["release_gate", str(token)])

    async def reset(self) -> None:
        cursor = 0
        keys = [self._state]
        while True:
            cursor, found = await self._client.scan(cursor, match=f"{self._tag}:cap:*")
            keys += [_text(k) for k in found]
            if not cursor:
                break
        await self._eval(keys, ["reset"])

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _safe(url: str) -> str:
    from ..redact import redact_url

    return redact_url(url) if "://" in url else url
