"""Rasa's REST channel, extended: each bot message also carries its metadata (topic id,
sources, helpline), bad requests get a clear 400, and a patient always gets a reply
(channels/bot_replies.py).

Same URL and response shape as Rasa's `rest` channel: POST /webhooks/rest/webhook
with {"sender": "...", "message": "..."}; each reply is
{"recipient_id", "text", "buttons"?, "image"?, "custom"?, "metadata": {"topic", "sources", ...}}.
GET /webhooks/rest/ is its health route; GET /webhooks/rest/unanswered gives staff and monitoring
this replica's counts of unanswered messages by reason (channels/outages.py), and
GET /webhooks/rest/patches which of the project's patches of Rasa are in place in this server
(rasa_patches: {"rasa": version, "patches": {name: true|false}}), each with the header
`Authorization: Bearer $MONITORING_TOKEN` (without that variable neither is served).
"""

from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable

import rasa
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import rasa_patches
from channels.bot_replies import respond
from channels.outages import UNANSWERED
from channels.request_body import message_text, parse_json
from core.settings import settings

MAX_SENDER_CHARS = 128


def is_monitoring(request: Request) -> bool:
    """Whether the request carries the monitoring token (never, when none is configured)."""
    token = settings().monitoring_token or ""
    offered = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
    return bool(token) and offered.isascii() and hmac.compare_digest(offered, token)


class RestWithMetadataInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @staticmethod
    def _bad_request(problem: str) -> HTTPResponse:
        return response.json({"error": problem}, status=400)

    @staticmethod
    def _monitoring_token_required() -> HTTPResponse:
        return response.json({"error": "monitoring token required"}, status=401)

    def _parse(self, request: Request) -> tuple:
        """(sender, text, metadata) from the body, or raises ValueError naming what is wrong."""
        body = parse_json(request)
        if not isinstance(body, dict):
            raise ValueError('the body must be a JSON object: {"sender": "...", "message": "..."}')
        sender = body.get("sender", "default")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise ValueError(f"`sender` must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
        text = message_text(body)
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ValueError("`metadata` must be a JSON object")
        return sender, text, metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("rest_with_metadata_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/unanswered", methods=["GET"])
        async def unanswered(request: Request) -> HTTPResponse:
            # this replica's count of messages answered with `unavailable`, by reason
            if not is_monitoring(request):
                return self._monitoring_token_required()
            return response.json({"unanswered": UNANSWERED.counts()})

        @bp.route("/patches", methods=["GET"])
        async def patches(request: Request) -> HTTPResponse:
            if not is_monitoring(request):
                return self._monitoring_token_required()
            return response.json({"rasa": rasa.__version__, "patches": rasa_patches.applied()})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = self._parse(request)
            except ValueError as e:
                return self._bad_request(str(e))
            return response.json(await respond(on_new_message, sender, text, metadata, self.name()))

        return bp
