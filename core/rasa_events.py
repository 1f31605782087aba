"""Rasa's stored events, described and read once for every part that reads them: the `events`
table of the tracker store (read by the review console and the retention commands, written by
Rasa), and one reader that turns an event (a table row, or an event's dict from a tracker) into
a patient message, a bot message or a new session; everything else (actions, slots) is left out.
The bot records each message's topic, sources and feedback in its metadata (actions/replies.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Union

import sqlalchemy as sa

from core.intent_kinds import FALLBACK_INTENT
from core.topics import FALLBACK_TOPIC, URGENT_TOPIC, is_handoff, top_topic

NEGATIVE_FEEDBACK_INTENT = "feedback_not_helpful"
# The events the reader turns into items (Rasa's type names); every other is left out.
SHOWN_TYPES = ("user", "bot", "session_started")

# Rasa's table of events (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent): the columns the
# project reads. Rasa creates and writes it; `data` is the event's dict as JSON.
EVENTS = sa.table(
    "events",
    sa.column("id", sa.BigInteger),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)


@dataclass
class PatientMessage:
    event_id: int
    at: float
    text: str
    intent: str
    confidence: Optional[float]
    entities: List[Dict[str, Any]]
    channel: str
    pressed: str = ""  # the button's title, when the message is a button press
    display: str = ""  # what a channel showed for it (the widget: the title of the button clicked)

    @property
    def typed(self) -> bool:
        """Typed by the person (a button press sends its payload, "/intent{...}")."""
        return not self.text.startswith("/")

    @property
    def fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT

    @property
    def negative_feedback(self) -> bool:
        return self.intent == NEGATIVE_FEEDBACK_INTENT


@dataclass
class BotMessage:
    event_id: int
    at: float
    text: str
    topic: str
    sources: List[Dict[str, Any]]
    buttons: List[Dict[str, str]]
    feedback: Optional[Dict[str, Any]] = None  # {"entry_id", "helpful"} on the thank-you message
    metadata: Dict[str, Any] = field(default_factory=dict)  # all of it, as the bot sent it

    @property
    def handoff(self) -> bool:
        return is_handoff(self.topic)

    @property
    def urgent(self) -> bool:
        return top_topic(self.topic) == URGENT_TOPIC

    @property
    def fallback(self) -> bool:
        return top_topic(self.topic) == FALLBACK_TOPIC


@dataclass
class SessionStart:
    event_id: int
    at: float


Item = Union[PatientMessage, BotMessage, SessionStart]


@dataclass
class EventRow:
    id: int
    sender_id: str
    type_name: str
    timestamp: Optional[float]
    data: str


# What the readers select of an event: the fields of EventRow, in its order.
EVENT_ROW_COLUMNS = (EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)


def _json(raw: str) -> Dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _clean_entities(entities: Any) -> List[Dict[str, Any]]:
    return [
        {"entity": str(e.get("entity", "")), "value": str(e.get("value", "")), "extractor": str(e.get("extractor", ""))}
        for e in entities or []
        if isinstance(e, dict)
    ]


def _clean_sources(sources: Any) -> List[Dict[str, Any]]:
    return [
        {k: str(s.get(k) or "") for k in ("doc", "title", "citation", "kind", "quote")}
        for s in sources or []
        if isinstance(s, dict)
    ]


def to_item(row: EventRow) -> Optional[Item]:
    """A row of the events table as an item (None for the events no reader shows; their JSON is not parsed)."""
    if row.type_name not in SHOWN_TYPES:
        return None
    return read_event(_json(row.data), row.id, row.type_name, row.timestamp)


def read_event(
    data: Dict[str, Any], event_id: int = 0, type_name: Optional[str] = None, timestamp: Optional[float] = None
) -> Optional[Item]:
    """An event's dict (Rasa's `Event.as_dict()`, as stored in `data`) as an item."""
    type_name = type_name or str(data.get("event") or "")
    if type_name not in SHOWN_TYPES:
        return None
    at = float(timestamp or data.get("timestamp") or 0)
    if type_name == "session_started":
        return SessionStart(event_id, at)
    if type_name == "user":
        parse = data.get("parse_data") if isinstance(data.get("parse_data"), dict) else {}
        intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
        confidence = intent.get("confidence")
        user_metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return PatientMessage(
            event_id=event_id,
            at=at,
            text=str(data.get("text") or ""),
            intent=str(intent.get("name") or ""),
            confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            entities=_clean_entities(parse.get("entities") or data.get("entities")),
            channel=str(data.get("input_channel") or ""),
            display=str(user_metadata.get("display") or ""),
        )
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    extra = data.get("data") if isinstance(data.get("data"), dict) else {}
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in extra.get("buttons") or []
        if isinstance(b, dict)
    ]
    feedback = metadata.get("feedback") if isinstance(metadata.get("feedback"), dict) else None
    return BotMessage(
        event_id=event_id,
        at=at,
        text=str(data.get("text") or ""),
        topic=str(metadata.get("topic") or ""),
        sources=_clean_sources(metadata.get("sources")),
        buttons=buttons,
        feedback=feedback,
        metadata=metadata,
    )


def transcript(rows: Iterable[EventRow]) -> List[Item]:
    """A conversation's items in order; a button press shows the title of the button pressed."""
    items: List[Item] = []
    titles: Dict[str, str] = {}
    for row in rows:
        item = to_item(row)
        if isinstance(item, BotMessage):
            titles.update({b["payload"]: b["title"] for b in item.buttons})
        elif isinstance(item, PatientMessage) and not item.typed:
            item.pressed = titles.get(item.text, "")
        if item is not None:
            items.append(item)
    return items
