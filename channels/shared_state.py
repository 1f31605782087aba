"""What the channels remember between requests: message ids already received (platforms deliver
a webhook again when they think it failed), the widget's rate limit per conversation, and the
widget's replies to recent messages (a browser re-sends a message whose response it lost).

Kept in this process's memory by default. With several Rasa replicas it must be shared, or a
repeat that reaches another replica is answered twice and each replica counts its own rate limit:
set REDIS_HOST (and REDIS_PORT, REDIS_PASSWORD, REDIS_STATE_DB if not 6379, none, 1) and it is
kept in Redis, the server that already holds Rasa's conversation locks.

If Redis cannot be reached, the channels keep answering: a message counts as new, the rate limit
lets it through and no earlier reply is found. The failure is logged.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict, deque
from typing import Any, Callable, Deque, Dict, Optional, Tuple, Union

from core.settings import Settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "calcifications:"

# A sliding window of hits per key, checked and recorded in one step on the Redis server.
_ALLOW_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return 1
"""


class MemoryState:
    """This process's memory, with a bound on the number of keys."""

    def __init__(self, size: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._size = size
        self._clock = clock
        self._values: OrderedDict[str, Tuple[float, Any]] = OrderedDict()  # key -> (expires, value)
        self._hits: Dict[str, Deque[float]] = {}

    def _forget_expired(self, now: float) -> None:
        while self._values and (len(self._values) >= self._size or next(iter(self._values.values()))[0] < now):
            self._values.popitem(last=False)

    async def first_time(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds; records it."""
        now = self._clock()
        self._forget_expired(now)
        if key in self._values:
            return False
        self._values[key] = (now + ttl, True)
        return True

    async def allow(self, key: str, limit: int, window: float) -> bool:
        """True if fewer than `limit` hits on `key` in the last `window` seconds; records this one."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] > window:
            hits.popleft()
        if len(hits) >= limit:
            return False
        hits.append(now)
        if len(self._hits) > self._size:  # forget idle keys
            for k in [k for k, v in self._hits.items() if not v or now - v[-1] > window]:
                del self._hits[k]
        return True

    async def get(self, key: str) -> Any:
        expires, value = self._values.get(key, (0.0, None))
        return value if expires >= self._clock() else None

    async def put(self, key: str, value: Any, ttl: float) -> None:
        now = self._clock()
        self._forget_expired(now)
        self._values[key] = (now + ttl, value)
        self._values.move_to_end(key)


class RedisState:
    """Redis, shared by every replica. Values are stored as JSON."""

    def __init__(self, client: Any) -> None:
        self._redis = client
        self._allow = client.register_script(_ALLOW_SCRIPT)

    async def first_time(self, key: str, ttl: float) -> bool:
        try:
            return bool(await self._redis.set(KEY_PREFIX + key, 1, nx=True, px=int(ttl * 1000)))
        except Exception:
            logger.exception("Redis unavailable: message %s treated as new", key)
            return True

    async def allow(self, key: str, limit: int, window: float) -> bool:
        try:
            now = time.time()
            member = f"{now}:{os.urandom(4).hex()}"
            return bool(await self._allow(keys=[KEY_PREFIX + "rate:" + key], args=[now, window, limit, member]))
        except Exception:
            logger.exception("Redis unavailable: rate limit not applied to %s", key)
            return True

    async def get(self, key: str) -> Any:
        try:
            raw = await self._redis.get(KEY_PREFIX + key)
        except Exception:
            logger.exception("Redis unavailable: no earlier reply looked up for %s", key)
            return None
        return json.loads(raw) if raw is not None else None

    async def put(self, key: str, value: Any, ttl: float) -> None:
        try:
            await self._redis.set(KEY_PREFIX + key, json.dumps(value), px=int(ttl * 1000))
        except Exception:
            logger.exception("Redis unavailable: reply for %s not kept", key)


State = Union[MemoryState, RedisState]


def state_from_env(env: Optional[Dict[str, str]] = None) -> State:
    """RedisState when REDIS_HOST is set, else MemoryState."""
    given = Settings.from_env(env)
    host = given.redis_host
    if not host:
        return MemoryState()
    import redis.asyncio

    client = redis.asyncio.Redis(
        host=host,
        port=given.redis_port,
        password=given.redis_password,
        db=given.redis_state_db,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
    )
    logger.info("channel state is kept in Redis at %s", host)
    return RedisState(client)
