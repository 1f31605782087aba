"""Rasa's conversation locks (one turn of a conversation at a time), with two changes.

- A waiting turn checks the lock every 20 ms: Rasa waits a whole second between checks, so a
  patient's second message sent while the first is being answered would wait a second or more
  for nothing.
- With Redis, the lock's ticket counter is read, changed and written back under a short Redis
  mutex. Rasa's Redis lock store does those three steps unguarded, so two replicas taking a
  message of the same conversation at the same moment could draw the same ticket, process both
  turns at once, and lose one turn's events (seen in tests/test_scale_out.py). The mutex is held
  for the two Redis round trips of the step, never while a turn is processed.

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

    def _guarded(self, conversation_id: str) -> Any:
        return self.red.lock(f"{self.key_prefix}guard:{conversation_id}", timeout=5, blocking_timeout=5, sleep=0.002)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._guarded(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._guarded(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        with self._guarded(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # finishing and deleting in one step: a ticket drawn in between would be deleted with the lock
        with self._guarded(conversation_id):
            super().finish_serving(conversation_id, ticket_number)
            if not self.is_someone_waiting(conversation_id):
                self.delete_lock(conversation_id)

    def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> Any:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)
