"""The Redis conversation lock (conversation_store/lock_stores.py) through the machine's Redis: tickets
drawn at the same moment by many callers are all different (Rasa's own store read, changed and
wrote back unguarded), and the last turn's cleanup removes the lock, with nothing waiting or
sleeping in between; the Rasa server's way in, `lock()`, lets one turn of a conversation in at a
time, and while it waits for Redis the event loop carries on."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import List

import redis.asyncio
from rasa.core.lock import TicketLock
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


def test_turns_taken_at_once_through_the_lock_go_in_one_at_a_time_and_the_last_removes_it() -> None:
    locks = store()
    inside: List[int] = []
    most_inside = 0

    async def turn(number: int) -> None:
        nonlocal most_inside
        async with locks.lock("c"):
            inside.append(number)
            most_inside = max(most_inside, len(inside))
            await asyncio.sleep(0)  # another turn would run now, were it let in
            inside.remove(number)

    async def turns() -> None:
        await asyncio.gather(*(turn(n) for n in range(20)))

    asyncio.run(turns())
    assert most_inside == 1 and inside == []
    assert locks.get_lock("c") is None


def test_the_event_loop_carries_on_while_a_turn_waits_for_redis() -> None:
    """Redis holds back the lock's transaction (CLIENT PAUSE WRITE) until another coroutine of the
    same event loop, which could not run were the loop blocked, sees it held back and lets it go."""
    locks = store()

    async def take() -> TicketLock:
        async with locks.lock("c") as lock:
            return lock

    async def held_back(admin: redis.asyncio.Redis) -> bool:
        return any("x" in c["flags"] and "b" in c["flags"] for c in await admin.client_list())

    async def scenario() -> None:
        admin = redis.asyncio.Redis(host="127.0.0.1", port=6379)
        await admin.client_pause(10_000, all=False)
        try:
            taking = asyncio.ensure_future(take())
            while not taking.done() and not await held_back(admin):
                await asyncio.sleep(0.01)
            assert not taking.done()  # this coroutine ran while the turn waited for Redis
        finally:
            await admin.client_unpause()
        lock = await taking
        assert lock.conversation_id == "c" and locks.get_lock("c") is None

    asyncio.run(scenario())
