"""The Redis conversation lock (conversation_store/lock_stores.py) through the machine's Redis: tickets
drawn at the same moment by many callers are all different (Rasa's own store read, changed and
wrote back unguarded), and the last turn's cleanup removes the lock, with nothing waiting or
sleeping in between."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from rasa.utils.endpoints import EndpointConfig

from conversation_store.lock_stores import QuickRedisLockStore


def store() -> QuickRedisLockStore:
    return QuickRedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, db=1, key_prefix=f"test{uuid.uuid4().hex}"))


def test_tickets_drawn_at_once_are_all_different_and_the_last_cleanup_removes_the_lock() -> None:
    locks = store()
    conversation = "a-conversation"
    with ThreadPoolExecutor(max_workers=8) as pool:
        tickets = list(pool.map(lambda _: locks.issue_ticket(conversation), range(200)))
    assert sorted(tickets) == list(range(200))
    assert locks.is_someone_waiting(conversation)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda t: locks.cleanup(conversation, t), tickets))
    assert locks.get_lock(conversation) is None


def test_a_finished_ticket_leaves_the_others_waiting() -> None:
    locks = store()
    first, second = locks.issue_ticket("c"), locks.issue_ticket("c")
    locks.cleanup("c", first)
    lock = locks.get_lock("c")
    assert lock is not None and not lock.is_locked(second)
    locks.cleanup("c", second)
    assert locks.get_lock("c") is None
