"""SMS through Twilio, on Rasa's connector (WhatsApp through Twilio works the same way:
channels/messaging/whatsapp.py): webhooks must carry a valid
`X-Twilio-Signature` (HMAC-SHA1 over the public webhook URL and the posted parameters, checked
with Twilio's own validator; Rasa 3.6 checks nothing). A turn's messages go out as one text, split
at 1600 characters, with the options numbered ("Reply 1 for ..."); a number reply chooses one."""

from __future__ import annotations

from typing import Dict, List
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.twilio import TwilioInput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.messaging.offered_options import numbered_texts
from channels.messaging.platform_api import PlatformApi
from channels.messaging.reply_text import split_text
from channels.messaging.settings import api_timeout
from channels.messaging.webhook import Incoming, MessagingChannel, Rejected, Replies

SIGNATURE_HEADER = "X-Twilio-Signature"
TEXT_LIMIT = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioSmsChannel(MessagingChannel, TwilioInput):
    REQUIRED = {
        "account_sid": "TWILIO_ACCOUNT_SID",
        "auth_token": "TWILIO_AUTH_TOKEN",
        "number": "TWILIO_SMS_NUMBER",
        "webhook_url": "TWILIO_SMS_WEBHOOK_URL",
    }
    OPTIONAL = {"api_url": ("TWILIO_API_URL", "https://api.twilio.com")}
    UNDERSTANDS_NUMBERS = True
    ADDRESS_PREFIX = ""

    @classmethod
    def name(cls) -> str:
        return "sms"

    def make_api(self, settings: Dict[str, str]) -> PlatformApi:
        return PlatformApi(
            "Twilio",
            f"{settings['api_url'].rstrip('/')}/2010-04-01/Accounts/{settings['account_sid']}",
            api_timeout(),
            auth=aiohttp.BasicAuth(settings["account_sid"], settings["auth_token"]),
        )

    def _params(self, request: Request) -> Dict[str, str]:
        if not (request.content_type or "").startswith("application/x-www-form-urlencoded"):
            return {}
        # Twilio signs every parameter, empty ones too (a picture sent without words has Body=""),
        # which Sanic's request.form leaves out
        fields = parse_qs((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in fields.items()}

    def verify(self, request: Request) -> None:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise Rejected(401, f"the {SIGNATURE_HEADER} header is missing")
        assert self.settings is not None
        validator = RequestValidator(self.settings["auth_token"])
        if not validator.validate(self.settings["webhook_url"], self._params(request), signature):
            raise Rejected(403, f"the {SIGNATURE_HEADER} signature is wrong")

    def incoming(self, request: Request) -> List[Incoming]:
        params = self._params(request)
        sid, sender = params.get("MessageSid") or params.get("SmsSid"), params.get("From")
        if not sid or not sender:
            raise ValueError("a Twilio message needs MessageSid and From (form-encoded)")
        if sender.startswith("whatsapp:") != (self.ADDRESS_PREFIX == "whatsapp:"):
            raise ValueError(f"this webhook takes {self.name()} messages only")
        body = params.get("Body")
        text = body.replace("¡", "@") if body else None  # some carriers turn @ into ¡
        if text is None and int(params.get("NumMedia") or 0) == 0:
            text = ""
        return [Incoming(sid, sender, sender, text)]

    def acknowledge(self, request: Request) -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")

    def _from(self) -> str:
        assert self.settings is not None
        number = self.settings["number"]
        return number if number.startswith(self.ADDRESS_PREFIX) else self.ADDRESS_PREFIX + number

    async def deliver(self, message: Incoming, replies: Replies) -> None:
        assert self.api is not None
        for part in split_text("\n\n".join(numbered_texts(replies)), TEXT_LIMIT):
            await self.api.call("Messages.json", form={"To": message.reply_to, "From": self._from(), "Body": part})
