"""What every project channel does with a patient's message: passes it to Rasa, collects the
bot's messages whole (metadata included), and makes sure a patient always gets a reply: empty or
over-long messages are answered politely, and if the bot produced nothing (an action server
outage, an error) or has not answered by the reply deadline, the reply says so and gives the
helpline (channels/outages.py)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.outages import ERROR, NO_REPLY, TIMEOUT, UNANSWERED
from conversation_store.tracker_store import STORE_FAILURES
from core.knowledge.messages import Messages, Reply, cached_messages
from core.settings import settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
STANDARD_KEYS = ("text", "buttons", "image", "custom", "attachment", "quick_replies", "elements")
NOT_METADATA = set(STANDARD_KEYS) | {"timestamp", "recipient_id", "utter_action"}


class MetadataCollectingOutputChannel(CollectingOutputChannel):
    """Collects whole bot messages, metadata included, instead of text/buttons only."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        reply: Dict[str, Any] = {"recipient_id": recipient_id}
        reply.update({k: message[k] for k in STANDARD_KEYS if message.get(k)})
        reply["metadata"] = {k: v for k, v in message.items() if k not in NOT_METADATA}
        await self._persist_message(reply)


# C0 and C1 control characters other than tab and newlines (a NUL cannot even be stored in
# PostgreSQL, and none of them means anything in a chat message), and halves of characters.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    return LONE_SURROGATES.sub("\ufffd", CONTROL_CHARACTERS.sub("", text))


def canned(recipient_id: str, messages: Messages, reply: Reply, **values: Any) -> Dict[str, Any]:
    """A reply made by the channel itself, shaped like the bot's."""
    return {
        "recipient_id": recipient_id,
        "text": messages.render(reply.text, **values),
        "metadata": {"topic": reply.topic, "sources": [], **messages.helpline_metadata()},
    }


async def respond(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    sender: str,
    text: str,
    metadata: Optional[Dict[str, Any]],
    input_channel: str,
) -> List[Dict[str, Any]]:
    """The bot's replies to one message, never an empty list."""
    messages = cached_messages()
    text = clean_text(text)
    if not text.strip():
        return [canned(sender, messages, messages.system["empty_message"])]
    if len(text) > MAX_MESSAGE_CHARS:
        return [canned(sender, messages, messages.system["too_long"], max_chars=MAX_MESSAGE_CHARS)]
    collector = MetadataCollectingOutputChannel()
    message = UserMessage(text, collector, sender, input_channel=input_channel, metadata=metadata)
    # Shielded: a patient who stops waiting (or the deadline) does not cut the processing short, so
    # the message and the bot's answer are still stored and the conversation lock is released.
    store_failures: List[str] = []
    token = STORE_FAILURES.set(store_failures)  # the processing task gets its own copy of the context
    processing = asyncio.ensure_future(on_new_message(message))
    STORE_FAILURES.reset(token)
    problem = None
    try:
        await asyncio.wait_for(asyncio.shield(processing), timeout=settings().reply_deadline_seconds)
    except asyncio.TimeoutError:
        problem = TIMEOUT
        processing.add_done_callback(_log_late_failure)
    except Exception:
        logger.exception("message from %s could not be processed", sender)
        problem = ERROR
    if problem is None and store_failures:
        logger.error("the tracker store failed (%s) for %s", ", ".join(store_failures), sender)
        problem = ERROR
    if problem is None and not collector.messages:
        problem = NO_REPLY
    if problem:
        UNANSWERED.record(problem, sender, input_channel, text)
        return [canned(sender, messages, messages.system["unavailable"])]
    return collector.messages


def _log_late_failure(processing: asyncio.Future[Any]) -> None:
    if not processing.cancelled() and processing.exception() is not None:
        logger.error("a message answered after the deadline then failed", exc_info=processing.exception())
