"""action_canned_reply: small talk, out-of-scope, hand-offs and urgent-care advice, worded in
knowledge/messages.yml and chosen by the intent."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from actions.conversation import latest_intent
from actions.replies import send_reply
from core.knowledge.messages import Messages
from core.knowledge.repository import KnowledgeRepository
from core.topics import HANDOFF_TOPICS, top_topic


class ActionCannedReply(KnowledgeAction):
    def name(self) -> str:
        return "action_canned_reply"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeRepository, messages: Messages
    ) -> List[Dict[str, Any]]:
        reply = messages.replies.get(latest_intent(tracker)) or messages.system["fallback"]
        send_reply(dispatcher, messages, reply, kb.documents())
        topic = top_topic(reply.topic)
        # A hand-off ends the thread of questions: "tell me more" should not continue it.
        return [SlotSet("topic", topic), SlotSet("last_entry", None)] if topic in HANDOFF_TOPICS else []
