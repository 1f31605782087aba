"""The project's channels served in process as the Rasa server serves them, for tests without a
trained model or running processes: each channel made by `from_credentials`, its blueprint
registered on a Sanic app by Rasa's own `register` (so under /webhooks/<name>/), the app's start
and stop listeners run through its ASGI lifespan, and requests sent to it over ASGI by httpx2.

The bot is played by `PlayedBot`, which stands where Rasa's agent stands (`app.ctx.agent`): it is
given each UserMessage, keeps the conversation in Rasa's in-memory tracker store and sends its
scripted replies, metadata included, to the message's output channel as Rasa's processor does.

The server runs its event loop in a thread of its own, so that tests stay synchronous, like those
of the running stack."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Coroutine, Dict, List, Optional, Sequence, Set, TypeVar
from urllib.parse import urlsplit

import httpx2
from rasa.core.actions.action import create_bot_utterance
from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from sanic import Sanic

from channels.messaging.platform_api import PlatformApi
from tests.helpers.fake_platform import Call

T = TypeVar("T")
Reply = Dict[str, Any]  # {"text", "buttons"?, **metadata}, as an action's dispatcher sends it

BASE_URL = "http://rasa.test"  # where the requests say they go (Twilio signs the whole URL)
LEAFLET = {
    "doc": "004",
    "title": "Breast calcifications",
    "citation": "*Breast calcifications*, patient leaflet reviewed April 2016",
    "kind": "reviewed_patient_leaflet",
    "quote": "It will not set off alarms at airports.",
}
# An answer turn as action_answer sends it (tests/test_actions.py): the answer with its
# citation and follow-up buttons, then the feedback question with its two buttons.
ANSWER_TURN: List[Reply] = [
    {
        "text": "No. The marker clip will not set off alarms at airports.\n\nFrom: " + LEAFLET["citation"],
        "buttons": [
            {"title": "What about MRI scans with the clip?", "payload": '/choose_entry{"entry_id": "marker_clip.mri"}'},
            {"title": "Can the clip stay in?", "payload": '/choose_entry{"entry_id": "marker_clip.left_in"}'},
        ],
        "topic": "marker_clip.airport",
        "sources": [LEAFLET],
        "entry_id": "marker_clip.airport",
    },
    {
        "text": "Was this helpful?",
        "buttons": [
            {"title": "Yes, it helped", "payload": '/feedback_helpful{"entry_id": "marker_clip.airport"}'},
            {"title": "No", "payload": '/feedback_not_helpful{"entry_id": "marker_clip.airport"}'},
        ],
        "topic": "marker_clip.airport",
        "feedback_request": True,
        "sources": [],
    },
]
# How long a test waits at most for the server to start, stop or finish its work: far more than
# any of it takes, so that a broken server fails the test instead of hanging the suite.
GIVE_UP_SECONDS = 30

# Sanic's test mode, as sanic-testing sets it: more than one app per process, each started with
# the request handling that Sanic rewrites at start (its "touch-up") restored first. Set when the
# tests are collected, before any test starts an app (one started outside test mode rewrites it
# for good, and the next app's start fails).
Sanic.test_mode = True


class PlayedBot:
    """Plays Rasa's agent for the channels. `answer` gives the replies to a message (default: the
    answer turn); `hangs` makes it never answer, `fails` raise, and a bot whose `answer` returns
    [] says nothing, as when an action failed."""

    def __init__(self, answer: Optional[Callable[[UserMessage], Sequence[Reply]]] = None) -> None:
        self.answer = answer or (lambda _: ANSWER_TURN)
        self.hangs = False
        self.fails = False
        self.received: List[UserMessage] = []
        self.hanging: Set[asyncio.Task] = set()  # the work of messages it will never answer
        self.tracker_store = InMemoryTrackerStore(Domain.empty())

    @property
    def texts(self) -> List[str]:
        """What the channels passed on, in order."""
        return [m.text for m in self.received]

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.hangs:
            task = asyncio.current_task()
            assert task is not None
            self.hanging.add(task)
            await asyncio.Event().wait()
        if self.fails:
            raise RuntimeError("the bot failed")
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, input_channel=message.input_channel, metadata=message.metadata))
        for reply in self.answer(message):
            event = create_bot_utterance(dict(reply))
            tracker.update(event)
            await message.output_channel.send_response(message.sender_id, event.message())
        await self.tracker_store.save(tracker)


class ChannelServer:
    """`channels` served on a Sanic app with `bot` as its agent; a context manager."""

    def __init__(self, channels: Sequence[InputChannel], bot: PlayedBot) -> None:
        self.channels = list(channels)
        self.bot = bot
        self.app = Sanic("channels_under_test")
        self.app.ctx.agent = bot
        register(self.channels, self.app, "/webhooks/")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._lifespan_in: Optional[asyncio.Queue] = None  # what the ASGI server says to the app
        self._lifespan_out: Optional[asyncio.Queue] = None  # and what the app answers
        self._lifespan_task: Optional[asyncio.Task] = None
        self._client: Optional[httpx2.AsyncClient] = None

    def __enter__(self) -> ChannelServer:
        self._thread.start()
        try:
            self._run(self._start())
        except BaseException:
            self._end_the_loop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(self._stop())
        finally:
            self._end_the_loop()

    def _end_the_loop(self) -> None:
        self._run(self._cancel_the_rest())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(GIVE_UP_SECONDS)
        self._loop.close()

    # --- requests ---------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """A request to the server, as httpx2's `request` takes it (json=, content=, headers=)."""
        assert self._client is not None, "the server is not running: use it in a `with` block"
        return self._run(self._client.request(method, path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("POST", path, **kwargs)

    def settle(self) -> None:
        """Waits until the work the requests started in the background (a messaging channel's
        replies, sent after its webhook was acknowledged) is done; a hanging bot's is not waited for."""
        self._run(self._settle())

    # --- the event loop ---------------------------------------------------------------------

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(GIVE_UP_SECONDS)

    async def _start(self) -> None:
        # The ASGI lifespan, as an ASGI server runs it: Sanic's start listeners on startup, its
        # stop listeners (the messaging channels wait for their replies) on shutdown.
        self._lifespan_in, self._lifespan_out = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._lifespan_task = asyncio.ensure_future(self.app(scope, self._lifespan_in.get, self._lifespan_out.put))
        await self._lifespan_in.put({"type": "lifespan.startup"})
        await self._lifespan_answer("lifespan.startup.complete")
        transport = httpx2.ASGITransport(app=self.app)
        self._client = httpx2.AsyncClient(transport=transport, base_url=BASE_URL)

    async def _stop(self) -> None:
        assert self._lifespan_in is not None and self._lifespan_out is not None and self._client is not None
        await self._client.aclose()
        await self._lifespan_in.put({"type": "lifespan.shutdown"})
        await self._lifespan_answer("lifespan.shutdown.complete")

    async def _lifespan_answer(self, expected: str) -> None:
        """Waits for the app's answer to a lifespan event; raises the app's error if it failed."""
        assert self._lifespan_out is not None and self._lifespan_task is not None
        answer = asyncio.ensure_future(self._lifespan_out.get())
        await asyncio.wait({answer, self._lifespan_task}, return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            self._lifespan_task.result()  # the app's error
            raise AssertionError(f"the app ended its lifespan without {expected}")
        assert answer.result()["type"] == expected

    async def _settle(self) -> None:
        while True:
            not_waited_for = {asyncio.current_task(), self._lifespan_task, *self.bot.hanging}
            others = [t for t in asyncio.all_tasks() if t not in not_waited_for]
            if not others:
                return
            await asyncio.wait(others)

    async def _cancel_the_rest(self) -> None:
        """Ends what is still running: a hanging bot's work, and the lifespan call (Sanic 21.12
        goes on to treat the lifespan scope as a request once shutdown is complete, and fails)."""
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)


class RecordingApi:
    """Stands in for a messaging channel's PlatformApi: keeps each call as the fake platform
    (tests/helpers/fake_platform.py) records it, and answers as the platform does."""

    def __init__(self, replaced: PlatformApi) -> None:
        self.base_path = urlsplit(replaced.base_url).path
        self.calls: List[Call] = []

    async def call(self, path: str, *, json: Any = None, form: Optional[Dict[str, str]] = None) -> Any:
        body = json if json is not None else dict(form or {})
        self.calls.append(Call(f"{self.base_path}/{path.lstrip('/')}", {}, body))
        return {"ok": True, "result": True}

    async def close(self) -> None:
        pass

    def texts(self) -> List[str]:
        return [c.text for c in self.calls]
