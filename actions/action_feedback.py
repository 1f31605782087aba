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
        helpful = latest_intent(tracker) == "feedback_helpful"
        fb = messages.feedback
        # Someone it did not help is offered a person, whatever there is to rate; only an answer
        # of the knowledge base is rated (a button from an old message or a forged payload may
        # name an entry that is not, or no longer, there).
        rated = entry_id if entry_id and kb.entry(entry_id) is not None else None
        if not helpful:
            text, extra = fb["thanks_not_helpful"], messages.helpline_metadata()
        else:
            text, extra = (fb["thanks_helpful"] if rated else fb["nothing_to_rate"]), {}
        record = {"entry_id": rated, "helpful": helpful} if rated else None
        metadata = {"feedback": record, **extra} if record else extra
        send_reply(dispatcher, messages, Reply(topic="feedback", text=text), {}, metadata=metadata)
        return [SlotSet("feedback", record)] if record else []
