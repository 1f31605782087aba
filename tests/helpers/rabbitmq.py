"""The machine's RabbitMQ, for the tests that publish to it: its address, and a queue deleted."""

from __future__ import annotations

import asyncio

import aio_pika

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


def delete_queue(queue: str) -> None:
    async def delete() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)

    asyncio.run(delete())
