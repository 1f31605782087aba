"""Platforms re-send a webhook when they think it failed (Slack after 3 seconds, Telegram and
Messenger on errors, Twilio on timeouts). Each message id is answered once: the first delivery is
processed, the repeats are acknowledged and dropped.

Kept in this process's memory: with several Rasa replicas, a repeat that reaches another replica
is answered again (see docs/channels/README.md)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable


class SeenMessages:
    def __init__(
        self, ttl_seconds: float = 24 * 3600, size: int = 100_000, clock: Callable[[], float] = time.monotonic
    ):
        self._ttl = ttl_seconds
        self._size = size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (within the time-to-live); records it."""
        now = self._clock()
        while self._seen and (len(self._seen) >= self._size or next(iter(self._seen.values())) < now - self._ttl):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True
