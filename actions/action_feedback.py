"""action_feedback: records whether an answer helped ("Was this helpful?") and thanks the person."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from actions.conversation import button_entry_id, latest_intent
from actions.replies import send_reply
from core.knowledge.messages import Messages, Reply
from core.knowledge.repository import KnowledgeRepository


class ActionFeedback(KnowledgeAction):
    def name(self) -> str:
        return "action_feedback"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeRepository, messages: Messages
    ) -> List[Dict[str, Any]]:
        entry_id = button_entry_id(tracker) or tracker.get_slot("last_entry")
        fb = messages.feedback
        if not entry_id:
            send_reply(dispatcher, messages, Reply(topic="feedback", text=fb["nothing_to_rate"]), {})
            return []
        helpful = latest_intent(tracker) == "feedback_helpful"
        text = fb["thanks_helpful"] if helpful else fb["thanks_not_helpful"]
        record = {"entry_id": entry_id, "helpful": helpful}
        send_reply(dispatcher, messages, Reply(topic="feedback", text=text), {}, metadata={"feedback": record})
        return [SlotSet("feedback", record)]
