"""Facebook Messenger, on Rasa's connector: webhooks must carry `X-Hub-Signature-256` (HMAC-SHA256
of the body with the app secret), compared in constant time (Rasa 3.6 checks only the SHA-1
header, with a plain comparison). Every event of a batched delivery is answered (Rasa's answers
the first). Quick replies vanish when the next message arrives and their titles are cut at 20
characters, so a turn's options are also numbered in the text and a number reply chooses one."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Dict, List

from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging.offered_options import numbered_texts, turn_options
from channels.messaging.platform_api import PlatformApi
from channels.messaging.reply_text import split_text
from channels.messaging.settings import api_timeout
from channels.messaging.webhook import Incoming, MessagingChannel, Rejected, Replies
from channels.request_body import parse_json

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMIT = 2000
QUICK_REPLY_TITLE_LIMIT = 20
QUICK_REPLIES_LIMIT = 13


def signature_matches(app_secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def _shorten(title: str, limit: int) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


class MessengerChannel(MessagingChannel, FacebookInput):
    REQUIRED = {
        "page_access_token": "MESSENGER_PAGE_ACCESS_TOKEN",
        "app_secret": "MESSENGER_APP_SECRET",
        "verify_token": "MESSENGER_VERIFY_TOKEN",
    }
    OPTIONAL = {"api_url": ("MESSENGER_API_URL", "https://graph.facebook.com/v18.0")}
    UNDERSTANDS_NUMBERS = True

    @classmethod
    def name(cls) -> str:
        return "messenger"

    def make_api(self, settings: Dict[str, str]) -> PlatformApi:
        return PlatformApi(
            "Messenger",
            settings["api_url"],
            api_timeout(),
            headers={"Authorization": f"Bearer {settings['page_access_token']}"},
        )

    def verify(self, request: Request) -> None:
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            raise Rejected(401, f"the {SIGNATURE_HEADER} header is missing")
        assert self.settings is not None
        if not signature_matches(self.settings["app_secret"], request.body or b"", header):
            raise Rejected(403, f"the {SIGNATURE_HEADER} signature is wrong")

    def extra_routes(self, blueprint: Blueprint) -> None:
        @blueprint.route("/webhook", methods=["GET"])
        async def subscribe(request: Request) -> HTTPResponse:
            """Meta's handshake when the webhook is registered."""
            token = request.args.get("hub.verify_token") or ""
            if (
                self.settings
                and request.args.get("hub.mode") == "subscribe"
                and hmac.compare_digest(token.encode(), self.settings["verify_token"].encode())
            ):
                return response.text(request.args.get("hub.challenge") or "")
            return response.json({"error": "wrong verify token"}, status=403)

    def incoming(self, request: Request) -> List[Incoming]:
        body = parse_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
            raise ValueError("not a Messenger webhook: a JSON object with an entry list is expected")
        if body.get("object") != "page":
            return []
        received = []
        for entry in body["entry"]:
            events = entry.get("messaging") if isinstance(entry, dict) else None
            if not isinstance(events, list):
                raise ValueError("each Messenger entry needs a messaging list")
            received += [m for m in (self._one(event) for event in events) if m]
        return received

    def _one(self, event: Any) -> Any:
        if not isinstance(event, dict) or not isinstance((event.get("sender") or {}).get("id"), str):
            # One odd event must not cost the others in its batch their answers (Meta would
            # re-send the whole batch after a 400, and refuse it again).
            logger.warning("messenger: an event without sender.id was skipped: %.200s", event)
            return None
        sender = event["sender"]["id"]
        message, postback = event.get("message"), event.get("postback")
        if isinstance(message, dict) and not message.get("is_echo"):
            mid = message.get("mid") or f"{sender}:{event.get('timestamp')}"
            quick_reply = (message.get("quick_reply") or {}).get("payload")
            text = quick_reply or message.get("text")
            return Incoming(str(mid), sender, sender, text if isinstance(text, str) else None)
        if isinstance(postback, dict):
            mid = postback.get("mid") or f"{sender}:{event.get('timestamp')}"
            return Incoming(str(mid), sender, sender, str(postback.get("payload") or postback.get("title") or ""))
        return None  # echoes, delivery and read receipts

    def acknowledge(self, request: Request) -> HTTPResponse:
        return response.text("EVENT_RECEIVED")

    async def deliver(self, message: Incoming, replies: Replies) -> None:
        assert self.api is not None
        options = [o for group in turn_options(replies) for o in group]
        quick_replies = [
            {
                "content_type": "text",
                "title": _shorten(f"{o.number}. {o.title}", QUICK_REPLY_TITLE_LIMIT),
                "payload": o.payload,
            }
            for o in options[:QUICK_REPLIES_LIMIT]
        ]
        parts: List[str] = []
        for text in numbered_texts(replies):
            parts += split_text(text, TEXT_LIMIT)
        for i, part in enumerate(parts):
            sent: Dict[str, Any] = {"text": part}
            if quick_replies and i == len(parts) - 1:
                sent["quick_replies"] = quick_replies
            await self.api.call(
                "me/messages",
                json={"recipient": {"id": message.reply_to}, "messaging_type": "RESPONSE", "message": sent},
            )
