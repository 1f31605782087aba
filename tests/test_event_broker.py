"""The event broker's queues forget (conversation_store/event_broker.py): through the real
RabbitMQ, a published event is dropped after the queue's time to live, and the oldest once the
queue is full, so that purge and forget reach the broker's copies too."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Iterator, List

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from tests.helpers.rabbitmq import RABBITMQ_URL, delete_queue

pytestmark = pytest.mark.integration  # processes of its own


async def broker(queue: str, **limits: float) -> EventBroker:
    config = EndpointConfig(
        type="conversation_store.event_broker.ExpiringPikaEventBroker",
        url="127.0.0.1",
        username="guest",
        password="guest",
        queues=[queue],
        **limits,
    )
    created = await EventBroker.create(config)
    assert created is not None and created.is_ready()
    return created


async def waiting_texts(queue: str) -> List[str]:
    """The texts of the events waiting in `queue`, left in it."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        source = await channel.get_queue(queue, ensure=True)
        texts = []
        while (message := await source.get(no_ack=False, fail=False)) is not None:
            texts.append(message.body.decode())
        await channel.close()  # unacknowledged: back in the queue
    return texts


@pytest.fixture()
def queue() -> Iterator[str]:
    name = f"calcifications-broker-test-{uuid.uuid4().hex[:8]}"
    yield name
    delete_queue(name)


def publish(events: EventBroker, text: str) -> None:
    events.publish({"event": "user", "text": text, "sender_id": "broker-test"})


async def until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.2)


def test_a_published_event_is_dropped_after_the_time_to_live(queue: str) -> None:
    async def scenario() -> None:
        events = await broker(queue, queue_ttl_seconds=2)
        try:
            publish(events, "kept for two seconds")
            await until(lambda: _has(queue, 1))
            await until(lambda: _has(queue, 0))
        finally:
            await events.close()

    asyncio.run(scenario())


def test_the_oldest_events_are_dropped_once_the_queue_is_full(queue: str) -> None:
    async def scenario() -> None:
        events = await broker(queue, queue_max_length=2)
        try:
            for n in range(4):
                publish(events, f"event {n}")
            await until(lambda: _has(queue, 2))
            assert [t.split('"text": ')[1][:9] for t in await waiting_texts(queue)] == ['"event 2"', '"event 3"']
        finally:
            await events.close()

    asyncio.run(scenario())


def test_limits_that_are_not_positive_are_refused(queue: str) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        asyncio.run(broker(queue, queue_ttl_seconds=0))


async def _has(queue: str, count: int) -> bool:
    return len(await waiting_texts(queue)) == count
