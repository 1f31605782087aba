"""Rasa's REST channel, extended: each bot message also carries its metadata (topic id,
sources, helpline), bad requests get a clear 400, and a patient always gets a reply: empty or
over-long messages are answered politely, and if the bot produced nothing (an action server
outage, an error) the reply says so and gives the helpline.

Same URL and response shape as Rasa's `rest` channel: POST /webhooks/rest/webhook
with {"sender": "...", "message": "..."}; each reply is
{"recipient_id", "text", "buttons"?, "image"?, "custom"?, "metadata": {"topic", "sources", ...}}.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.knowledge.messages import Messages, Reply, cached_messages
from actions.replies import helpline_metadata

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
STANDARD_KEYS = ("text", "buttons", "image", "custom", "attachment", "quick_replies", "elements")
NOT_METADATA = set(STANDARD_KEYS) | {"timestamp", "recipient_id", "utter_action"}


class MetadataCollectingOutputChannel(CollectingOutputChannel):
    """Collects whole bot messages, metadata included, instead of text/buttons only."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        reply: Dict[str, Any] = {"recipient_id": recipient_id}
        reply.update({k: message[k] for k in STANDARD_KEYS if message.get(k)})
        reply["metadata"] = {k: v for k, v in message.items() if k not in NOT_METADATA}
        await self._persist_message(reply)


def canned(recipient_id: str, messages: Messages, reply: Reply, **values: Any) -> Dict[str, Any]:
    """A reply made by the channel itself, shaped like the bot's."""
    return {
        "recipient_id": recipient_id,
        "text": messages.render(reply.text, **values),
        "metadata": {"topic": reply.topic, "sources": [], **helpline_metadata(messages)},
    }


class RestWithMetadataInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @staticmethod
    def _bad_request(problem: str) -> HTTPResponse:
        return response.json({"error": problem}, status=400)

    def _parse(self, request: Request) -> tuple:
        """(sender, text, metadata) from the body, or raises ValueError naming what is wrong."""
        try:
            body = request.json
        except Exception as e:  # sanic raises its own InvalidUsage for broken JSON
            raise ValueError("the body is not valid JSON") from e
        if not isinstance(body, dict):
            raise ValueError('the body must be a JSON object: {"sender": "...", "message": "..."}')
        sender = body.get("sender", "default")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise ValueError(f"`sender` must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
        text = body.get("message")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise ValueError("`message` must be a string")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ValueError("`metadata` must be a JSON object")
        return sender, text, metadata

    async def _handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str,
        metadata: Optional[Dict[str, Any]],
    ) -> List[Dict[str, Any]]:
        messages = cached_messages()
        if not text.strip():
            return [canned(sender, messages, messages.system["empty_message"])]
        if len(text) > MAX_MESSAGE_CHARS:
            return [canned(sender, messages, messages.system["too_long"], max_chars=MAX_MESSAGE_CHARS)]
        collector = MetadataCollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
        except (asyncio.CancelledError, Exception):
            logger.exception("message from %s could not be processed", sender)
        if not collector.messages:
            logger.error("no reply produced for %s; answering with the helpline", sender)
            return [canned(sender, messages, messages.system["unavailable"])]
        return collector.messages

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("rest_with_metadata_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = self._parse(request)
            except ValueError as e:
                return self._bad_request(str(e))
            return response.json(await self._handle(on_new_message, sender, text, metadata))

        return bp
