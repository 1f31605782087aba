"""Rasa's conversation locks (one turn of a conversation at a time), with two changes.

- A waiting turn checks the lock every 20 ms: Rasa waits a whole second between checks, so a
  patient's second message sent while the first is being answered would wait a second or more
  for nothing.
- With Redis, the lock's ticket counter is read, changed and written back in one Redis
  transaction (WATCH, then MULTI/EXEC; redis-py's `transaction` tries again at once if another
  replica changed the lock in between). Rasa's Redis lock store does those three steps
  unguarded, so two replicas taking a message of the same conversation at the same moment could
  draw the same ticket, process both turns at once, and lose one turn's events (seen in
  tests/test_scale_out.py). Nothing waits or sleeps: an earlier version's Redis mutex waited for
  its turn with the synchronous client, blocking the Rasa server's event loop.

endpoints.yml names the in-memory one (one Rasa server); deploy/endpoints.yml the Redis one (several
replicas, with the settings of Rasa's `redis` lock store). TURN_LOCK_POLL_SECONDS overrides the
interval."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Optional, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from core.settings import settings

POLL_SECONDS = settings().turn_lock_poll_seconds
T = TypeVar("T")


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

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T], create: bool = False) -> Optional[T]:
        """`change` applied to the conversation's lock and saved, atomically; None (and nothing
        saved) when there is no lock and `create` is false. Deletes a lock left empty."""
        key = self.key_prefix + conversation_id
        outcome: Dict[str, Optional[T]] = {"value": None}

        def step(pipe: Any) -> None:
            stored = pipe.get(key)
            if stored:
                lock = TicketLock.from_dict(json.loads(stored))
            elif create:
                lock = TicketLock(conversation_id)
            else:
                return
            outcome["value"] = change(lock)
            pipe.multi()
            pipe.set(key, lock.dumps())

        self.red.transaction(step, key)
        return outcome["value"]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket = self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except Exception as e:  # as Rasa's own: the channel answers politely
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e
        assert ticket is not None
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # finishing and deleting in one transaction: a ticket drawn in between would be deleted
        # with the lock
        key = self.key_prefix + conversation_id

        def step(pipe: Any) -> None:
            stored = pipe.get(key)
            if not stored:
                return
            lock = TicketLock.from_dict(json.loads(stored))
            lock.remove_ticket_for(ticket_number)
            pipe.multi()
            if lock.is_someone_waiting():
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)

        self.red.transaction(step, key)

    def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> Any:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)
