"""What the console's conversation list filters on, summed up from a conversation's items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from core.conventions import EVALUATION_CHANNEL, is_evaluation
from core.rasa_events import BotMessage, Item, PatientMessage
from core.topics import top_topic


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
