"""Rasa's conversation locks (one turn of a conversation at a time), checked every 20 ms instead of
every second: Rasa waits a whole second between checks, so a patient's second message sent while
the first is being answered would wait a second or more for nothing.

endpoints.yml names the in-memory one (one Rasa server); deploy/endpoints.yml the Redis one (several
replicas, with the settings of Rasa's `redis` lock store). TURN_LOCK_POLL_SECONDS overrides the
interval."""

from __future__ import annotations

import os
from typing import Any, Optional

from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

POLL_SECONDS = float(os.environ.get("TURN_LOCK_POLL_SECONDS") or 0.02)


class QuickInMemoryLockStore(InMemoryLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        super().__init__()

    def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> Any:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)


class QuickRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> Any:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)
