"""The messaging apps' webhooks in process: a channel made as Rasa makes it, with its platform API
replaced by a recorder, served by a ChannelServer (tests/helpers/channel_server.py), and patients
who post to it the signed requests of tests/helpers/platform_webhooks.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List

import httpx2
import pytest

from channels.messaging.webhook import MessagingChannel
from channels.registry import channel_class
from tests.helpers.channel_server import BASE_URL, ChannelServer, PlayedBot, RecordingApi
from tests.helpers.fake_platform import Call
from tests.helpers.platform_webhooks import APP_SHAPES, Webhooks, channel_env, conversation_id, next_id

PLATFORM_URL = "http://platform.test"  # never called: the channels' API is a RecordingApi
REGISTRATION = "setWebhook"  # Telegram's, when the server starts


def turn_messaging_channels_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every messaging channel's variables, with the test secrets; the channels' state in memory."""
    for variable, value in channel_env(BASE_URL, PLATFORM_URL).items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("REDIS_HOST", raising=False)


def messaging_channel(app: str) -> MessagingChannel:
    """The app's channel from credentials.yml's class, as Rasa makes it, its API a RecordingApi."""
    channel = channel_class(app).from_credentials(None)
    if channel.api is not None:
        channel.api = RecordingApi(channel.api)
    return channel


class InProcessWebhooks(Webhooks):
    """The platforms' signed requests, posted to a ChannelServer instead of a running bot."""

    def __init__(self, server: ChannelServer) -> None:
        super().__init__(BASE_URL)
        self.server = server

    def post(self, channel: str, body: bytes, headers: Dict[str, str]) -> httpx2.Response:  # type: ignore[override]
        return self.server.post(f"/webhooks/{channel}/webhook", content=body, headers=headers)


@dataclass
class AppPatient:
    """A patient on one messaging app, writing to a served channel."""

    app: str
    server: ChannelServer

    def __post_init__(self) -> None:
        self.webhooks = InProcessWebhooks(self.server)
        self.shape = APP_SHAPES[self.app]
        self.user, self.address = self.shape.identity(next_id())

    @property
    def bot(self) -> PlayedBot:
        return self.server.bot

    @property
    def api(self) -> RecordingApi:
        (channel,) = self.server.channels
        assert isinstance(channel.api, RecordingApi)
        return channel.api

    @property
    def conversation(self) -> str:
        return conversation_id(self.app, self.user)

    def request(self, text: str, message_id: str = "") -> Any:
        """The platform's webhook body for one text message."""
        return self.shape.message(self.webhooks, self.user, self.address, text, message_id)

    def post(self, body: Any, **signing: Any) -> httpx2.Response:
        """Posts `body` signed as the platform signs it (`secret=`/`token=` None: unsigned)."""
        return self.shape.send(self.webhooks, body, **signing)

    def sent(self) -> List[Call]:
        """The calls the channel made to the platform for this patient (not registering its webhook)."""
        return [c for c in self.api.calls if c.method != REGISTRATION]

    def say(self, text: str, message_id: str = "") -> List[Call]:
        """Sends `text`; the calls made to the platform for it once the channel has replied."""
        before = len(self.sent())
        r = self.post(self.request(text, message_id))
        assert r.status_code == 200, r.text
        self.server.settle()
        return self.sent()[before:]
