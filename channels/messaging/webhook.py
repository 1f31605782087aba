"""What every messaging channel does with a webhook, in this order: refuse it if the channel is
off (404) or the request is not signed by the platform (401 without a signature, 403 with a wrong
one), refuse a malformed body (400), drop repeat deliveries of a message already received,
acknowledge at once, and then, in the background, pass each new message to the bot and send the
replies through the platform's API. Nothing is stored before the signature is checked.

A platform module says how to check its signature, read its payload and send its replies."""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, ClassVar, Dict, List, Mapping, Optional, Set, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import registry
from channels.bot_replies import canned, respond
from channels.messaging.conversation_ids import ConversationIds
from channels.messaging.offered_options import payload_for_number, payload_for_token
from channels.messaging.platform_api import DeliveryFailed, PlatformApi
from channels.messaging.settings import read_settings
from channels.outages import ERROR, UNANSWERED
from channels.shared_state import state_from_env
from core.knowledge.messages import cached_messages

logger = logging.getLogger(__name__)

REPEATS_SEEN_SECONDS = 24 * 3600  # platforms give up re-sending well within a day


class Rejected(Exception):
    """A webhook request that is not from the platform: answered with `status`."""

    def __init__(self, status: int, problem: str) -> None:
        super().__init__(problem)
        self.status = status
        self.problem = problem


@dataclass
class Incoming:
    """One patient message from a platform."""

    message_id: str  # the platform's id for it: repeat deliveries share it
    user_id: str  # the platform's id for the person (or chat); only a keyed hash of it is stored
    reply_to: str  # where the platform API sends the replies
    text: Optional[str]  # None: not a text message (a photo, a sticker, a voice note)
    button_token: Optional[str] = None  # a Telegram button, looked up in the conversation
    context: Dict[str, Any] = field(default_factory=dict)


Replies = List[Dict[str, Any]]


class MessagingChannel(InputChannel):
    """The shared webhook flow. Subclasses also inherit Rasa's connector for their platform."""

    REQUIRED: ClassVar[Mapping[str, str]] = {}  # setting -> environment variable
    OPTIONAL: ClassVar[Mapping[str, Tuple[str, Optional[str]]]] = {}  # setting -> (variable, default)
    UNDERSTANDS_NUMBERS: ClassVar[bool] = False  # "2" chooses option 2 of the last turn

    @classmethod
    def guide(cls) -> str:
        return registry.guide(cls.name())

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(read_settings(cls.name(), cls.REQUIRED, cls.OPTIONAL, credentials, guide=cls.guide()))

    def __init__(self, settings: Optional[Dict[str, str]]) -> None:
        self.settings = settings
        self.state = state_from_env()  # message ids already received (channels/shared_state.py)
        self.ids = ConversationIds.from_env() if settings else None
        self.api = self.make_api(settings) if settings else None
        self._tasks: Set[asyncio.Task] = set()

    # --- what each platform defines ----------------------------------------------------------

    @abstractmethod
    def make_api(self, settings: Dict[str, str]) -> PlatformApi: ...

    @abstractmethod
    def verify(self, request: Request) -> None:
        """Raises Rejected unless the platform signed this request."""

    @abstractmethod
    def incoming(self, request: Request) -> List[Incoming]:
        """The patient messages in a verified request; ValueError if it is malformed."""

    @abstractmethod
    async def deliver(self, message: Incoming, replies: Replies) -> None:
        """Sends the replies to `message`; DeliveryFailed if the platform refuses them."""

    def acknowledge(self, request: Request) -> HTTPResponse:
        return response.json({"status": "received"})

    def extra_routes(self, blueprint: Blueprint) -> None:
        """Routes a platform needs besides the webhook (a set-up handshake, say)."""

    async def on_start(self) -> None:
        """Work to do once the server is up (registering the webhook, say)."""

    def get_output_channel(self) -> None:  # type: ignore[override]
        """None: Rasa's HTTP API cannot send to these apps (only a keyed hash of the platform's
        user id is kept), and Rasa's own output channels would call the platform on creation."""
        return None

    # --- the shared flow ---------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint(f"messaging_{self.name()}", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "off"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.settings:
                return response.json({"error": f"the {self.name()} channel is off"}, status=404)
            try:
                self.verify(request)
                messages = self.incoming(request)
            except Rejected as e:
                logger.warning("%s webhook refused (%s): %s", self.name(), e.status, e.problem)
                return response.json({"error": e.problem}, status=e.status)
            except ValueError as e:
                logger.warning("%s webhook malformed: %s", self.name(), e)
                return response.json({"error": str(e)}, status=400)
            store = request.app.ctx.agent.tracker_store
            for message in messages:
                if await self.state.first_time(f"seen:{self.name()}:{message.message_id}", REPEATS_SEEN_SECONDS):
                    self._in_background(self._handle(message, on_new_message, store))
                else:
                    logger.info("%s message %s delivered again: already answered", self.name(), message.message_id)
            return self.acknowledge(request)

        @bp.listener("after_server_start")
        async def started(*_: Any) -> None:
            if self.settings:
                await self.on_start()

        @bp.listener("before_server_stop")
        async def stopping(*_: Any) -> None:
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=10)
            if self.api:
                await self.api.close()

        self.extra_routes(bp)
        return bp

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # a reference, so the task is not collected half-way
        task.add_done_callback(self._tasks.discard)

    async def _handle(
        self, message: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]], store: Any
    ) -> None:
        assert self.ids is not None
        sender = self.ids.for_user(self.name(), message.user_id)
        try:
            replies = await self._replies(message, sender, on_new_message, store)
            await self.deliver(message, replies)
        except DeliveryFailed as e:
            logger.error(
                "%s: the reply in conversation %s was not delivered: %s. The conversation is in the tracker store.",
                self.name(),
                sender,
                e,
            )
        except Exception:
            logger.exception("%s: message %s in conversation %s failed", self.name(), message.message_id, sender)

    async def _replies(
        self, message: Incoming, sender: str, on_new_message: Callable[[UserMessage], Awaitable[Any]], store: Any
    ) -> Replies:
        messages = cached_messages()
        try:
            if message.button_token is not None:
                text = await payload_for_token(store, sender, message.button_token)
                if text is None:
                    return [canned(sender, messages, messages.system["expired_button"])]
            elif message.text is None:
                return [canned(sender, messages, messages.system["not_text"])]
            else:
                text = message.text
                if self.UNDERSTANDS_NUMBERS:
                    text = await payload_for_number(store, sender, text) or text
        except Exception:  # the tracker store is unavailable: the patient still gets an answer
            logger.exception("%s: the conversation %s could not be read", self.name(), sender)
            UNANSWERED.record(ERROR, sender, self.name(), message.text or f"(button {message.button_token})")
            return [canned(sender, messages, messages.system["unavailable"])]
        metadata = {"channel": self.name(), "platform_message_id": message.message_id}
        return await respond(on_new_message, sender, text, metadata, self.name())
