"""The web chat widget's channel (`web_widget/`): sessions issued and signed by the server,
messages over HTTP with each bot message's topic, sources and buttons as data, the conversation's
history for a reloaded page, rate and size limits, and cross-origin access only from configured
sites.

Routes, under /webhooks/widget/:
  GET  /          health (the widget polls it to reconnect)
  POST /session   {"session": old token or absent} -> {"session", "expires_at", "helpline"}
  POST /message   Authorization: Bearer <token>; {"message", "id", "title"?} -> {"messages": [...]}
  GET  /history   Authorization: Bearer <token> -> {"messages": [...]}

Configured in credentials.yml; environment variables override: WIDGET_ALLOWED_ORIGINS
(comma-separated), WIDGET_SECRET or WIDGET_SECRET_FILE, WIDGET_SESSION_HOURS.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.bot_replies import canned, respond
from channels.request_body import message_text, parse_json
from channels.secret_store import load_secret
from channels.shared_state import state_from_env
from channels.widget_sessions import InvalidSession, SessionSigner
from core.knowledge.messages import cached_messages
from core.paths import PROJECT_ROOT
from core.rasa_events import BotMessage, PatientMessage, read_event
from core.settings import settings

logger = logging.getLogger(__name__)


MAX_ID_CHARS = 64
MAX_TITLE_CHARS = 200
MAX_BODY_BYTES = 64 * 1024
REPLY_KEPT_SECONDS = 3600  # how long a reply is kept for a browser that re-sends its message


class WidgetInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        given = settings()
        origins = given.widget_origins()
        allowed = origins if origins is not None else list(credentials.get("allowed_origins") or [])
        hours = float(given.widget_session_hours or credentials.get("session_hours") or 24)
        secret = load_secret(None, PROJECT_ROOT / str(credentials.get("secret_file") or "var/widget_secret"))
        return cls(
            allowed_origins=[o for o in allowed if o],
            signer=SessionSigner(secret, int(hours * 3600)),
            messages_per_minute=int(credentials.get("messages_per_minute") or 20),
        )

    def __init__(self, allowed_origins: List[str], signer: SessionSigner, messages_per_minute: int) -> None:
        self.allowed_origins = allowed_origins
        self.signer = signer
        self.messages_per_minute = messages_per_minute
        self.state = state_from_env()  # rate limits and recent replies (channels/shared_state.py)

    # --- checks: each raises Refused, which the routes answer with its status ------------------

    def _check_origin(self, request: Request) -> None:
        """Browsers name the page's origin; only configured sites may use the widget."""
        origin = request.headers.get("origin")
        if origin and origin not in self.allowed_origins:
            logger.warning("widget request from an origin that is not allowed: %s", origin)
            raise Refused(403, "this site may not use the chat")

    def _sender(self, request: Request) -> str:
        """The conversation id of the request's signed session."""
        auth = request.headers.get("authorization") or ""
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        try:
            return self.signer.verify(token)
        except InvalidSession as e:
            raise Refused(401, str(e)) from e

    @staticmethod
    def _body(request: Request) -> Dict[str, Any]:
        try:
            if len(request.body or b"") > MAX_BODY_BYTES:
                raise ValueError("the request is too large")
            body = parse_json(request)
            if body is None:
                return {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            return body
        except ValueError as e:
            raise Refused(400, str(e)) from e

    # --- routes ----------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("web_widget", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/session", methods=["POST"])
        @_answers_refusals
        async def session(request: Request) -> HTTPResponse:
            self._check_origin(request)
            token = self._body(request).get("session")
            try:
                self.signer.verify(token)
            except InvalidSession:
                token = self.signer.issue()  # a tampered or expired token gets a new conversation
            return response.json(
                {
                    "session": token,
                    "expires_at": self.signer.expires_at(token),
                    **cached_messages().helpline_metadata(),
                }
            )

        @bp.route("/message", methods=["POST"])
        @_answers_refusals
        async def message(request: Request) -> HTTPResponse:
            self._check_origin(request)
            sender = self._sender(request)
            text, client_id, title = _message_fields(self._body(request))
            key = f"widget-reply:{sender}:{client_id}" if client_id else None
            earlier = await self.state.get(key) if key else None
            if earlier is not None:
                return response.json({"messages": earlier})
            if not await self.state.allow(f"widget:{sender}", self.messages_per_minute, 60):
                messages = cached_messages()
                reply = [canned(sender, messages, messages.system["too_many_messages"])]
                return response.json({"messages": reply}, status=429)
            metadata = {"display": title} if title else None
            replies = await respond(on_new_message, sender, text, metadata, self.name())
            if key:
                await self.state.put(key, replies, REPLY_KEPT_SECONDS)
            return response.json({"messages": replies})

        @bp.route("/history", methods=["GET"])
        @_answers_refusals
        async def history(request: Request) -> HTTPResponse:
            self._check_origin(request)
            sender = self._sender(request)
            try:
                tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            except Exception:
                logger.exception("the history of %s could not be read", sender)
                raise Refused(503, "the conversation cannot be loaded right now") from None
            return response.json({"messages": _transcript(tracker.events if tracker else [])})

        return bp


class Refused(Exception):
    """A request the widget channel turns away: the HTTP status and the problem, for the reply."""

    def __init__(self, status: int, problem: str) -> None:
        super().__init__(problem)
        self.status = status
        self.problem = problem


def _answers_refusals(
    handler: Callable[[Request], Awaitable[HTTPResponse]],
) -> Callable[[Request], Awaitable[HTTPResponse]]:
    @functools.wraps(handler)
    async def route(request: Request) -> HTTPResponse:
        try:
            return await handler(request)
        except Refused as e:
            return response.json({"error": e.problem}, status=e.status)

    return route


def _message_fields(body: Dict[str, Any]) -> tuple:
    try:
        text = message_text(body)
        client_id = body.get("id")
        if client_id is not None and (not isinstance(client_id, str) or len(client_id) > MAX_ID_CHARS):
            raise ValueError(f"`id` must be a string of at most {MAX_ID_CHARS} characters")
        title = body.get("title")
        if title is not None and (not isinstance(title, str) or len(title) > MAX_TITLE_CHARS):
            raise ValueError(f"`title` must be a string of at most {MAX_TITLE_CHARS} characters")
    except ValueError as e:
        raise Refused(400, str(e)) from e
    return text, client_id, title


def _transcript(events: Any) -> List[Dict[str, Any]]:
    """The conversation as the widget shows it: what the patient typed (or the button they
    clicked) and the bot's messages with their metadata."""
    shown: List[Dict[str, Any]] = []
    for item in (read_event(event.as_dict()) for event in events):
        if isinstance(item, PatientMessage):
            text = item.display or (item.text if item.typed else "")  # the widget's own "/greet" is not shown
            if text:
                shown.append({"sender": "user", "text": text})
        elif isinstance(item, BotMessage):
            shown.append(
                {
                    "sender": "bot",
                    "text": item.text,
                    "buttons": item.buttons,
                    "metadata": {k: v for k, v in item.metadata.items() if k != "utter_action"},
                }
            )
    return shown
