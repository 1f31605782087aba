"""WhatsApp through Twilio: the SMS channel (channels/messaging/sms.py) with WhatsApp's numbers,
whose addresses Twilio writes as "whatsapp:+44...", and its own webhook."""

from __future__ import annotations

from channels.messaging.sms import TwilioSmsChannel


class TwilioWhatsAppChannel(TwilioSmsChannel):
    REQUIRED = {
        "account_sid": "TWILIO_ACCOUNT_SID",
        "auth_token": "TWILIO_AUTH_TOKEN",
        "number": "TWILIO_WHATSAPP_NUMBER",
        "webhook_url": "TWILIO_WHATSAPP_WEBHOOK_URL",
    }
    ADDRESS_PREFIX = "whatsapp:"

    @classmethod
    def name(cls) -> str:
        return "whatsapp"
