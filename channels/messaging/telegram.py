"""Telegram, on Rasa's connector: the webhook is verified by the secret token Telegram sends in
`X-Telegram-Bot-Api-Secret-Token` (set with `setWebhook`; Rasa 3.6 checks nothing), only private
chats are answered, follow-up buttons are an inline keyboard, and texts are split at 4096
characters. Rasa's own connector calls Telegram when it starts and on every message; this one
calls it only to reply, and to register the webhook when TELEGRAM_WEBHOOK_URL is set."""

from __future__ import annotations

import hmac
import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.telegram import TelegramInput
from sanic.request import Request

from channels.messaging.offered_options import TOKEN_PREFIX, button_token
from channels.messaging.platform_api import DeliveryFailed, PlatformApi, ok_field_true
from channels.messaging.reply_text import message_parts
from channels.messaging.settings import api_timeout
from channels.messaging.webhook import Incoming, MessagingChannel, Rejected, Replies
from channels.request_body import parse_json

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096
COMMANDS = {"/start": "/greet", "/help": "/ask_helpline"}


class TelegramChannel(MessagingChannel, TelegramInput):
    REQUIRED = {"access_token": "TELEGRAM_ACCESS_TOKEN", "secret_token": "TELEGRAM_SECRET_TOKEN"}
    OPTIONAL = {
        "api_url": ("TELEGRAM_API_URL", "https://api.telegram.org"),
        "webhook_url": ("TELEGRAM_WEBHOOK_URL", None),
    }

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def make_api(self, settings: Dict[str, str]) -> PlatformApi:
        return PlatformApi(
            "Telegram",
            f"{settings['api_url'].rstrip('/')}/bot{settings['access_token']}",
            api_timeout(),
            body_ok=ok_field_true,
        )

    def verify(self, request: Request) -> None:
        given = request.headers.get(SECRET_HEADER)
        if not given:
            raise Rejected(401, f"the {SECRET_HEADER} header is missing")
        assert self.settings is not None
        if not hmac.compare_digest(given.encode(), self.settings["secret_token"].encode()):
            raise Rejected(403, f"the {SECRET_HEADER} header is wrong")

    def incoming(self, request: Request) -> List[Incoming]:
        update = parse_json(request)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise ValueError("not a Telegram update: a JSON object with an integer update_id is expected")
        message_id = str(update["update_id"])
        if isinstance(update.get("callback_query"), dict):
            query = update["callback_query"]
            chat = _chat(query.get("message"))
            data = query.get("data")
            if chat is None or not isinstance(data, str):
                raise ValueError("a callback_query needs message.chat.id and data")
            token = data if data.startswith(TOKEN_PREFIX) else None
            return [
                Incoming(
                    message_id,
                    chat,
                    chat,
                    None if token else data,
                    button_token=token,
                    context={"callback_query_id": query.get("id")},
                )
            ]
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict):
            return []  # updates that are not messages (a member joined, a poll) need no answer
        chat = _chat(message)
        if chat is None:
            raise ValueError("a message needs chat.id")
        if (message.get("chat") or {}).get("type", "private") != "private":
            logger.info("telegram: a message from a group chat is not answered")
            return []
        text = message.get("text")
        if isinstance(text, str):
            command = text.split("@")[0].strip() if text.startswith("/") else ""
            text = COMMANDS.get(command, text)
        return [Incoming(message_id, chat, chat, text if isinstance(text, str) else None)]

    async def deliver(self, message: Incoming, replies: Replies) -> None:
        assert self.api is not None
        query = message.context.get("callback_query_id")
        if query:
            try:  # stops the button's spinner; the answer itself follows
                await self.api.call("answerCallbackQuery", json={"callback_query_id": query})
            except DeliveryFailed as e:
                logger.warning("telegram: %s", e)
        for part, buttons in message_parts(replies, TEXT_LIMIT):
            body: Dict[str, Any] = {"chat_id": message.reply_to, "text": part}
            if buttons:
                body["reply_markup"] = {
                    "inline_keyboard": [
                        [{"text": b.get("title", ""), "callback_data": button_token(str(b.get("payload", "")))}]
                        for b in buttons
                    ]
                }
            await self.api.call("sendMessage", json=body)

    async def on_start(self) -> None:
        assert self.settings is not None and self.api is not None
        url = self.settings.get("webhook_url")
        if not url:
            return
        try:
            await self.api.call(
                "setWebhook",
                json={
                    "url": url,
                    "secret_token": self.settings["secret_token"],
                    "allowed_updates": ["message", "edited_message", "callback_query"],
                },
            )
            logger.info("telegram: webhook registered at %s", url)
        except DeliveryFailed as e:
            logger.error("telegram: the webhook could not be registered at %s: %s", url, e)


def _chat(message: Any) -> Optional[str]:
    chat = (message or {}).get("chat") if isinstance(message, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return str(chat_id) if isinstance(chat_id, (int, str)) and str(chat_id) else None
