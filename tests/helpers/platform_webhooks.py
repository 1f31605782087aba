"""Webhook requests shaped as each messaging platform sends them, signed with the test stack's
secrets, and the environment that turns every channel on against the fake platform."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple
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


# --- each app, as the tests that go over every app need it -------------------------------------


def _phone(n: int) -> str:
    return f"+447700{n % 10**6:06d}"


def _form_text(text: Any) -> str:
    """A text as a form field carries it (a field cannot hold half a character)."""
    return str(text).encode("utf-8", "replace").decode()


def _break(path: Tuple[Any, ...], value: Any = None) -> Callable[[Any], None]:
    """Changes a body so that it is no longer what the platform sends: the key at `path` set to
    `value`, or removed when `value` is None."""

    def broken(body: Any) -> None:
        *parents, last = path
        for key in parents:
            body = body[key]
        if value is None:
            del body[last]
        else:
            body[last] = value

    return broken


@dataclass(frozen=True)
class AppShape:
    """What a test needs to be a patient on one messaging app. There is one entry per app of
    credentials.yml (tests/test_channel_registry.py checks it), so that adding an app adds its
    entry here and changes none of the tests that go over every app."""

    identity: Callable[[int], Tuple[str, str]]  # a new patient's (id on the app, where replies go)
    reply_method: str  # the platform API method the bot's replies are sent with
    message: Callable[[Webhooks, str, str, Any, str], Any]  # (webhooks, user, address, text, message id) -> body
    send: Callable[..., Any]  # (webhooks, body, **signing) -> response, signed unless told otherwise
    send_raw: Callable[[Webhooks, bytes], Any]  # raw bytes, as signed as the app allows
    unsigned: Dict[str, Any]  # the signing arguments of `send` that leave the request unsigned
    wrongly_signed: Dict[str, Any]
    not_as_sent: Callable[[Any], None]  # spoils a body the way no platform would send it
    acknowledged: Callable[[Any], bool]  # whether a webhook's response is the app's acknowledgement
    new_message_id: Callable[[], str]
    takes_json: bool  # its webhooks are JSON (not a form)


def _twilio(channel: str, to: str) -> AppShape:
    return AppShape(
        identity=lambda n: (f"{channel}:{_phone(n)}" if channel == "whatsapp" else _phone(n),) * 2,
        reply_method="Messages.json",
        message=lambda w, user, _, text, mid: w.twilio_message(user, _form_text(text), to=to, sid=mid or None),
        send=lambda w, body, **signing: w.twilio(channel, body, **signing),
        send_raw=lambda w, raw: w.post(channel, raw, {"Content-Type": "application/x-www-form-urlencoded"}),
        unsigned={"token": None},
        wrongly_signed={"token": "wrong"},
        not_as_sent=_break(("MessageSid",)),
        acknowledged=lambda r: r.headers["content-type"].startswith("text/xml") and "<Response></Response>" in r.text,
        new_message_id=lambda: f"SM{next_id():032d}",
        takes_json=False,
    )


APP_SHAPES: Dict[str, AppShape] = {
    "telegram": AppShape(
        identity=lambda n: (str(n), str(n)),
        reply_method="sendMessage",
        message=lambda w, user, _, text, mid: w.telegram_message(int(user), text, int(mid) if mid else None),
        send=lambda w, body, **signing: w.telegram(body, **signing),
        send_raw=lambda w, raw: w.telegram(raw),
        unsigned={"secret": None},
        wrongly_signed={"secret": "not-the-secret"},
        not_as_sent=_break(("update_id",), "not a number"),
        acknowledged=lambda r: r.json() == {"status": "received"},
        new_message_id=lambda: str(next_id()),
        takes_json=True,
    ),
    "slack": AppShape(
        identity=lambda n: (f"U{n}", f"D{n}"),
        reply_method="chat.postMessage",
        message=lambda w, user, address, text, mid: w.slack_message(user, address, text, mid or None),
        send=lambda w, body, **signing: w.slack(body, **signing),
        send_raw=lambda w, raw: w.slack(raw),
        unsigned={"secret": None},
        wrongly_signed={"secret": "not-the-secret"},
        not_as_sent=_break(("event_id",)),
        acknowledged=lambda r: r.text == "",
        new_message_id=lambda: f"Ev{next_id()}",
        takes_json=True,
    ),
    "messenger": AppShape(
        identity=lambda n: (f"PSID{n}", f"PSID{n}"),
        reply_method="messages",
        message=lambda w, user, _, text, mid: w.messenger_message(user, text, mid=mid or None),
        send=lambda w, body, **signing: w.messenger(body, **signing),
        send_raw=lambda w, raw: w.messenger(raw),
        unsigned={"secret": None},
        wrongly_signed={"secret": "not-the-secret"},
        not_as_sent=_break(("entry", 0, "messaging"), {"not": "a list"}),
        acknowledged=lambda r: r.text == "EVENT_RECEIVED",
        new_message_id=lambda: f"m_{next_id()}",
        takes_json=True,
    ),
    "sms": _twilio("sms", SMS_NUMBER),
    "whatsapp": _twilio("whatsapp", WHATSAPP_NUMBER),
}
