"""What the console understands of Rasa's stored events: each row of the `events` table becomes a
patient message, a bot message, or a new session; everything else (actions, slots) is left out.
The bot records each message's topic, sources and feedback in its metadata (actions/replies.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Union

from core.conventions import EVALUATION_CHANNEL, is_evaluation

FALLBACK_INTENT = "nlu_fallback"
HANDOFF_TOPICS = ("helpline", "urgent")
NEGATIVE_FEEDBACK_INTENT = "feedback_not_helpful"


def top_topic(topic: str) -> str:
    """`marker_clip.mri` counts as `marker_clip` (knowledge-topics.md)."""
    return (topic or "").split(".", 1)[0]


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

    @property
    def handoff(self) -> bool:
        return top_topic(self.topic) in HANDOFF_TOPICS

    @property
    def urgent(self) -> bool:
        return top_topic(self.topic) == "urgent"

    @property
    def fallback(self) -> bool:
        return top_topic(self.topic) == "fallback"


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
    if row.type_name not in ("user", "bot", "session_started"):
        return None
    data = _json(row.data)
    at = float(row.timestamp or data.get("timestamp") or 0)
    if row.type_name == "session_started":
        return SessionStart(row.id, at)
    if row.type_name == "user":
        parse = data.get("parse_data") if isinstance(data.get("parse_data"), dict) else {}
        intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
        confidence = intent.get("confidence")
        return PatientMessage(
            event_id=row.id,
            at=at,
            text=str(data.get("text") or ""),
            intent=str(intent.get("name") or ""),
            confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            entities=_clean_entities(parse.get("entities") or data.get("entities")),
            channel=str(data.get("input_channel") or ""),
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
        event_id=row.id,
        at=at,
        text=str(data.get("text") or ""),
        topic=str(metadata.get("topic") or ""),
        sources=_clean_sources(metadata.get("sources")),
        buttons=buttons,
        feedback=feedback,
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


@dataclass
class Summary:
    """What the conversation list filters on, for the events of one conversation seen so far."""

    conversation_id: str
    channel: str = ""
    started_at: Optional[float] = None
    last_at: Optional[float] = None
    patient_messages: int = 0
    bot_messages: int = 0
    handed_off: bool = False
    urgent: bool = False
    fallback: bool = False
    min_confidence: Optional[float] = None
    negative_feedback: int = 0
    positive_feedback: int = 0
    first_message: str = ""
    topics: set = field(default_factory=set)
    intents: set = field(default_factory=set)

    def add(self, item: Item) -> None:
        self.started_at = item.at if self.started_at is None else min(self.started_at, item.at)
        self.last_at = item.at if self.last_at is None else max(self.last_at, item.at)
        if isinstance(item, PatientMessage):
            self.patient_messages += 1
            self.channel = self.channel or (EVALUATION_CHANNEL if is_evaluation(self.conversation_id) else item.channel)
            self.fallback = self.fallback or item.fallback
            if item.intent:
                self.intents.add(item.intent)
            if item.typed:
                self.first_message = self.first_message or item.text[:200]
                if item.confidence is not None:
                    low = self.min_confidence
                    self.min_confidence = item.confidence if low is None else min(low, item.confidence)
        elif isinstance(item, BotMessage):
            self.bot_messages += 1
            self.handed_off = self.handed_off or item.handoff
            self.urgent = self.urgent or item.urgent
            self.fallback = self.fallback or item.fallback
            if item.topic:
                self.topics.add(top_topic(item.topic))
            if item.feedback is not None:
                if item.feedback.get("helpful"):
                    self.positive_feedback += 1
                else:
                    self.negative_feedback += 1
