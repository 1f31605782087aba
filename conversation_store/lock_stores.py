"""Rasa's conversation locks (one turn of a conversation at a time), with two changes.

- A waiting turn checks the lock every 20 ms: Rasa waits a whole second between checks, so a
  patient's second message sent while the first is being answered would wait a second or more
  for nothing.
- With Redis, the lock's ticket counter is read, changed and written back in one Redis
  transaction (WATCH, then MULTI/EXEC, tried again at once if another replica changed the lock in
  between). Rasa's Redis lock store does those three steps unguarded, so two replicas taking a
  message of the same conversation at the same moment could draw the same ticket, process both
  turns at once, and lose one turn's events (seen in tests/test_scale_out.py). The Rasa server
  takes, waits for and releases the lock (`lock()`) through Redis's asyncio client, so its event
  loop carries on with other conversations while a turn waits for Redis or for its turn; the
  other methods, Rasa's synchronous interface of a lock store, make the same changes with the
  synchronous client.

endpoints.yml names the in-memory one (one Rasa server); deploy/endpoints.yml the Redis one (several
replicas, with the settings of Rasa's `redis` lock store). TURN_LOCK_POLL_SECONDS overrides the
interval."""

from __future__ import annotations

import asyncio
import inspect
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Optional

import redis.asyncio
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from core.settings import settings

POLL_SECONDS = settings().turn_lock_poll_seconds


class QuickInMemoryLockStore(InMemoryLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        super().__init__()

    def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> Any:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)


def _parsed(stored: Optional[bytes]) -> Optional[TicketLock]:
    return TicketLock.from_dict(json.loads(stored)) if stored else None


@dataclass(frozen=True)
class LockChange:
    """One change of a conversation's stored lock, made in a Redis transaction."""

    conversation_id: str
    change: Callable[[TicketLock], Any]
    create: bool = False  # a new lock when there is none (else nothing is changed)
    delete_when_idle: bool = False  # deleted once nobody holds or waits for it

    @classmethod
    def issue(cls, conversation_id: str, lock_lifetime: float) -> LockChange:
        return cls(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)

    @classmethod
    def finish(cls, conversation_id: str, ticket_number: int, delete_when_idle: bool = False) -> LockChange:
        return cls(
            conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), delete_when_idle=delete_when_idle
        )

    @classmethod
    def remove_expired(cls, conversation_id: str) -> LockChange:
        return cls(conversation_id, lambda lock: lock.remove_expired_tickets())

    def queue(self, pipe: Any, key: str, stored: Optional[bytes]) -> Any:
        """Queues the lock's new state in the transaction (`pipe`, watching `key`, whose value was
        `stored`); returns what `change` returned, None when there was nothing to change."""
        lock = _parsed(stored) or (TicketLock(self.conversation_id) if self.create else None)
        if lock is None:
            return None
        outcome = self.change(lock)
        if self.delete_when_idle and not lock.is_someone_waiting():
            pipe.multi()
            pipe.delete(key)
        elif (changed := lock.dumps()).encode() != stored:
            # (unchanged, it is not written: a write would make every other waiting turn's
            # transaction start again)
            pipe.multi()
            pipe.set(key, changed)
        return outcome


def _lock_error(e: Exception) -> LockError:
    # as Rasa's own: the channel answers politely
    return LockError(f"Error while acquiring lock. Error:\n{e}")


class QuickRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa's own settings and defaults, for both clients
        rasa_settings = inspect.signature(RedisLockStore).bind(host=endpoint_config.url, **endpoint_config.kwargs)
        rasa_settings.apply_defaults()
        super().__init__(**rasa_settings.arguments)
        s = rasa_settings.arguments
        self.async_red = redis.asyncio.Redis(
            host=s["host"],
            port=int(s["port"]),
            db=int(s["db"]),
            username=s["username"],
            password=s["password"],
            ssl=s["use_ssl"],
            ssl_certfile=s["ssl_certfile"],
            ssl_keyfile=s["ssl_keyfile"],
            ssl_ca_certs=s["ssl_ca_certs"],
            socket_timeout=s["socket_timeout"],
        )

    def _make(self, change: LockChange) -> Any:
        """`change` made atomically, with the synchronous client; what its `change` returned."""
        key = self.key_prefix + change.conversation_id
        return self.red.transaction(lambda pipe: change.queue(pipe, key, pipe.get(key)), key, value_from_callable=True)

    async def _make_async(self, change: LockChange) -> Any:
        """`_make` with the asyncio client."""
        key = self.key_prefix + change.conversation_id

        async def step(pipe: Any) -> Any:
            return change.queue(pipe, key, await pipe.get(key))

        return await self.async_red.transaction(step, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._make(LockChange.issue(conversation_id, lock_lifetime))
        except Exception as e:
            raise _lock_error(e) from e

    def update_lock(self, conversation_id: str) -> None:
        self._make(LockChange.remove_expired(conversation_id))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._make(LockChange.finish(conversation_id, ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # finishing and deleting in one transaction: a ticket drawn in between would be deleted
        # with the lock
        self._make(LockChange.finish(conversation_id, ticket_number, delete_when_idle=True))

    @asynccontextmanager
    async def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> AsyncIterator[TicketLock]:
        """The conversation's lock once this turn's ticket is served, as Rasa's `LockStore.lock`,
        awaiting Redis instead of blocking the event loop."""
        try:
            ticket = await self._make_async(LockChange.issue(conversation_id, lock_lifetime))
        except Exception as e:
            raise _lock_error(e) from e
        try:
            yield await self._turn(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await self._make_async(LockChange.finish(conversation_id, ticket, delete_when_idle=True))

    async def _turn(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """The lock once `ticket` is the one served (Rasa's `LockStore._acquire_lock`)."""
        while True:
            lock = _parsed(await self.async_red.get(self.key_prefix + conversation_id))
            if lock is None:  # expired, and deleted by another turn's cleanup
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await self._make_async(LockChange.remove_expired(conversation_id))
