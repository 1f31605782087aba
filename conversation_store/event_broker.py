"""Rasa's RabbitMQ event broker with queues that forget. Every stored event (masked) is published
to the broker's queues for an analytics consumer, which the deployment may not run: a durable
queue nothing reads would keep every event for ever, out of reach of purge and forget. So each
queue is declared with a time to live for its messages and a length limit (the oldest dropped).

endpoints.yml:
  event_broker:
    type: conversation_store.event_broker.ExpiringPikaEventBroker
    queue_ttl_seconds: 86400     # a message is dropped a day after it was published
    queue_max_length: 100000     # and the oldest once the queue holds this many
"""

from __future__ import annotations

from typing import Any, Dict

import aio_pika
import rasa.shared.core.events  # noqa: F401  (Rasa's broker uses it when publishing, unimported)
from rasa.core.brokers.pika import PikaEventBroker

DEFAULT_TTL_SECONDS = 86400
DEFAULT_MAX_LENGTH = 100_000

# The one step of Rasa's broker this class replaces; a Rasa release without it would publish to
# queues without limits, so the server refuses to start instead.
if not callable(getattr(PikaEventBroker, "_set_up_exchange", None)):
    raise RuntimeError(
        "rasa.core.brokers.pika.PikaEventBroker._set_up_exchange is gone: review ExpiringPikaEventBroker"
    )


class ExpiringPikaEventBroker(PikaEventBroker):
    def __init__(
        self,
        host: str,
        queue_ttl_seconds: float = DEFAULT_TTL_SECONDS,
        queue_max_length: int = DEFAULT_MAX_LENGTH,
        **kwargs: Any,
    ) -> None:
        super().__init__(host, **kwargs)
        if float(queue_ttl_seconds) <= 0 or int(queue_max_length) <= 0:
            raise ValueError("queue_ttl_seconds and queue_max_length must be positive")
        self.queue_arguments: Dict[str, Any] = {
            "x-message-ttl": int(float(queue_ttl_seconds) * 1000),
            "x-max-length": int(queue_max_length),
            "x-overflow": "drop-head",
        }

    async def _set_up_exchange(self, channel: aio_pika.RobustChannel) -> aio_pika.RobustExchange:
        exchange = await channel.declare_exchange(self.exchange_name, type=aio_pika.ExchangeType.FANOUT)
        for name in self.queues:
            queue = await channel.declare_queue(name, durable=True, arguments=self.queue_arguments)
            await queue.bind(exchange, "")
        return exchange
