"""Webhook requests shaped as each messaging platform sends them, signed with the test stack's
secrets, and the environment that turns every channel on against the fake platform."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any, Dict, Optional
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

from channels.messaging.conversation_ids import ConversationIds

CHANNEL_ID_SECRET = "test-channel-id-secret-0123456789abcdef"
TELEGRAM_TOKEN = "123456:test-telegram-token"
TELEGRAM_SECRET = "test-telegram-secret-token"
SLACK_SIGNING_SECRET = "test-slack-signing-secret"
MESSENGER_APP_SECRET = "test-messenger-app-secret"
MESSENGER_VERIFY_TOKEN = "test-messenger-verify-token"
TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_TOKEN = "test-twilio-auth-token"
SMS_NUMBER = "+447700900000"
WHATSAPP_NUMBER = "whatsapp:+14155238886"
API_TIMEOUT_SECONDS = 2

_ids = itertools.count(int(time.time() * 1000) % 10**9)


def next_id() -> int:
    return next(_ids)


def channel_env(rasa_url: str, platform_url: str) -> Dict[str, str]:
    return {
        "CHANNEL_ID_SECRET": CHANNEL_ID_SECRET,
        "MESSAGING_API_TIMEOUT_SECONDS": str(API_TIMEOUT_SECONDS),
        "TELEGRAM_ACCESS_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_WEBHOOK_URL": f"{rasa_url}/webhooks/telegram/webhook",
        "TELEGRAM_API_URL": f"{platform_url}/telegram",
        "SLACK_BOT_TOKEN": "xoxb-test-slack-token",
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": f"{platform_url}/slack",
        "MESSENGER_PAGE_ACCESS_TOKEN": "test-page-access-token",
        "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN,
        "MESSENGER_API_URL": f"{platform_url}/graph",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_URL": f"{platform_url}/twilio",
        "TWILIO_SMS_NUMBER": SMS_NUMBER,
        "TWILIO_SMS_WEBHOOK_URL": f"{rasa_url}/webhooks/sms/webhook",
        "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER,
        "TWILIO_WHATSAPP_WEBHOOK_URL": f"{rasa_url}/webhooks/whatsapp/webhook",
    }


def conversation_id(channel: str, platform_user_id: str) -> str:
    return ConversationIds(CHANNEL_ID_SECRET.encode()).for_user(channel, platform_user_id)


class Webhooks:
    """Posts to the running bot's webhooks as the platforms do."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        self.http = requests.Session()

    def url(self, channel: str) -> str:
        return f"{self.rasa_url}/webhooks/{channel}/webhook"

    def post(self, channel: str, body: bytes, headers: Dict[str, str]) -> requests.Response:
        return self.http.post(self.url(channel), data=body, headers=headers, timeout=30)

    # --- Telegram -----------------------------------------------------------------------------

    @staticmethod
    def telegram_message(chat_id: int, text: str, update_id: Optional[int] = None) -> Dict[str, Any]:
        return {
            "update_id": update_id or next_id(),
            "message": {
                "message_id": next_id(),
                "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
                "chat": {"id": chat_id, "type": "private", "first_name": "Pat"},
                "date": int(time.time()),
                "text": text,
            },
        }

    @staticmethod
    def telegram_button(chat_id: int, data: str) -> Dict[str, Any]:
        return {
            "update_id": next_id(),
            "callback_query": {
                "id": str(next_id()),
                "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
                "message": {"message_id": next_id(), "chat": {"id": chat_id, "type": "private"}, "date": 0},
                "chat_instance": "1",
                "data": data,
            },
        }

    def telegram(self, update: Any, secret: Optional[str] = TELEGRAM_SECRET) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return self.post("telegram", _body(update), headers)

    # --- Slack --------------------------------------------------------------------------------

    @staticmethod
    def slack_message(user: str, channel: str, text: str, event_id: Optional[str] = None) -> Dict[str, Any]:
        return {
            "token": "unused",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next_id()}",
            "event_time": int(time.time()),
            "authorizations": [{"user_id": "UBOT"}],
            "event": {
                "type": "message",
                "channel_type": "im",
                "user": user,
                "channel": channel,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }

    @staticmethod
    def slack_click(user: str, channel: str, value: str) -> str:
        payload = {
            "type": "block_actions",
            "user": {"id": user},
            "channel": {"id": channel},
            "trigger_id": str(next_id()),
            "actions": [{"type": "button", "value": value, "action_id": "option-1", "action_ts": str(next_id())}],
        }
        return urlencode({"payload": json.dumps(payload)})

    def slack(
        self,
        body: Any,
        secret: Optional[str] = SLACK_SIGNING_SECRET,
        timestamp: Optional[int] = None,
        content_type: str = "application/json",
    ) -> requests.Response:
        raw = _body(body)
        headers = {"Content-Type": content_type}
        if secret is not None:
            ts = str(timestamp or int(time.time()))
            digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
            headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"})
        return self.post("slack", raw, headers)

    # --- Messenger ----------------------------------------------------------------------------

    @staticmethod
    def messenger_message(psid: str, text: str, quick_reply: Optional[str] = None, mid: Optional[str] = None) -> Dict:
        message: Dict[str, Any] = {"mid": mid or f"m_{next_id()}", "text": text}
        if quick_reply:
            message["quick_reply"] = {"payload": quick_reply}
        return {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE1",
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "sender": {"id": psid},
                            "recipient": {"id": "PAGE1"},
                            "timestamp": int(time.time() * 1000),
                            "message": message,
                        }
                    ],
                }
            ],
        }

    def messenger(self, body: Any, secret: Optional[str] = MESSENGER_APP_SECRET) -> requests.Response:
        raw = _body(body)
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        return self.post("messenger", raw, headers)

    # --- Twilio SMS and WhatsApp --------------------------------------------------------------

    @staticmethod
    def twilio_message(sender: str, text: str, to: str = SMS_NUMBER, sid: Optional[str] = None) -> Dict[str, str]:
        return {
            "MessageSid": sid or f"SM{next_id():032d}",
            "AccountSid": TWILIO_SID,
            "From": sender,
            "To": to,
            "Body": text,
            "NumMedia": "0",
        }

    def twilio(self, channel: str, params: Dict[str, str], token: Optional[str] = TWILIO_TOKEN) -> requests.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if token is not None:
            headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(self.url(channel), params)
        return self.post(channel, urlencode(params).encode(), headers)


def _body(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    return (body if isinstance(body, str) else json.dumps(body)).encode()
