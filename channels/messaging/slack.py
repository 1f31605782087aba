"""Slack, on Rasa's connector, whose signing-secret check (HMAC-SHA256 over the timestamp and the
body, refused when the timestamp is more than five minutes off) is kept; a failing request gets
401/403 instead of Rasa's 400. Direct messages and mentions are answered, the bot's own messages
are ignored, and follow-up buttons are Slack buttons."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from rasa.core.channels.slack import SlackInput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging.platform_api import PlatformApi, ok_field_true
from channels.messaging.reply_text import message_parts
from channels.messaging.settings import api_timeout
from channels.messaging.webhook import Incoming, MessagingChannel, Rejected, Replies
from channels.request_body import parse_json

SECTION_LIMIT = 3000
BUTTON_TITLE_LIMIT = 75


class SlackChannel(MessagingChannel, SlackInput):
    REQUIRED = {"bot_token": "SLACK_BOT_TOKEN", "signing_secret": "SLACK_SIGNING_SECRET"}
    OPTIONAL = {"api_url": ("SLACK_API_URL", "https://slack.com/api")}

    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(self, settings: Any) -> None:
        MessagingChannel.__init__(self, settings)
        if settings:
            SlackInput.__init__(
                self, slack_token=settings["bot_token"], slack_signing_secret=settings["signing_secret"]
            )

    def make_api(self, settings: Dict[str, str]) -> PlatformApi:
        return PlatformApi(
            "Slack",
            settings["api_url"],
            api_timeout(),
            headers={"Authorization": f"Bearer {settings['bot_token']}"},
            body_ok=ok_field_true,
        )

    def verify(self, request: Request) -> None:
        if not request.headers.get("X-Slack-Signature") or not request.headers.get("X-Slack-Request-Timestamp"):
            raise Rejected(401, "the X-Slack-Signature and X-Slack-Request-Timestamp headers are required")
        if not self.is_request_from_slack_authentic(request):
            raise Rejected(403, "the Slack signature is wrong or its timestamp is more than 5 minutes off")

    def incoming(self, request: Request) -> List[Incoming]:
        if (request.content_type or "").startswith("application/x-www-form-urlencoded"):
            return self._button_click(request)
        body = parse_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            raise ValueError("not a Slack event: a JSON object with a type is expected")
        if body["type"] != "event_callback":
            return []  # url_verification is answered by acknowledge()
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(body.get("event_id"), str):
            raise ValueError("a Slack event_callback needs event and event_id")
        if event.get("subtype") or not self._is_user_message(body):
            return []  # edits, joins, and the bot's own messages
        if not (self._is_direct_message(body) or self._is_app_mention(body)):
            return []
        user, channel = event.get("user"), event.get("channel")
        if not isinstance(user, str) or not isinstance(channel, str):
            raise ValueError("a Slack message event needs user and channel")
        bot_users = [a.get("user_id") for a in body.get("authorizations") or [] if isinstance(a, dict)]
        text = self._sanitize_user_message(str(event.get("text") or ""), [u for u in bot_users if u])
        return [Incoming(body["event_id"], user, channel, text)]

    def _button_click(self, request: Request) -> List[Incoming]:
        try:
            payload = json.loads(request.form.get("payload") or "")
        except ValueError as e:
            raise ValueError("a Slack interaction needs a JSON `payload` field") from e
        if not isinstance(payload, dict) or not self._is_interactive_message(payload):
            return []
        action = payload["actions"][0]
        user = (payload.get("user") or {}).get("id")
        channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get("channel_id")
        value = self._get_interactive_response(action)
        if not isinstance(user, str) or not isinstance(channel, str) or not isinstance(value, str):
            raise ValueError("a Slack button click needs user.id, channel.id and the button's value")
        message_id = f"{user}:{action.get('action_ts') or payload.get('trigger_id')}"
        return [Incoming(message_id, user, channel, value)]

    def acknowledge(self, request: Request) -> HTTPResponse:
        if (request.content_type or "").startswith("application/json"):
            body = request.json
            if isinstance(body, dict) and body.get("type") == "url_verification":
                return response.json({"challenge": body.get("challenge")})
        return response.text("")

    async def deliver(self, message: Incoming, replies: Replies) -> None:
        assert self.api is not None
        for part, buttons in message_parts(replies, SECTION_LIMIT):
            blocks: List[Dict[str, Any]] = [{"type": "section", "text": {"type": "plain_text", "text": part}}]
            if buttons:
                elements = [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": str(b.get("title", ""))[:BUTTON_TITLE_LIMIT]},
                        "value": str(b.get("payload", "")),
                        "action_id": f"option-{n}",
                    }
                    for n, b in enumerate(buttons, start=1)
                ]
                blocks.append({"type": "actions", "elements": elements})
            await self.api.call("chat.postMessage", json={"channel": message.reply_to, "text": part, "blocks": blocks})
