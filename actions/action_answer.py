"""action_answer: answers a question from the knowledge base, with its source and follow-ups."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_selection import Question, follow_up_entry, select_entry
from actions.base import KnowledgeAction
from actions.conversation import button_entry_id, handoff_intent, latest_intent, latest_text, mentions
from actions.replies import send_answer, send_handoff, send_reply
from core.knowledge.messages import Messages
from core.knowledge.repository import EntryView, KnowledgeRepository
from core.topics import HELPLINE_TOPIC

MAX_REMEMBERED = 50
# A short pointing follow-up that names nothing ("how long does it stay in?") and shares this much
# with an entry of the topic being discussed (two title words) is answered from that topic,
# whatever the intent.
STAYS_ON_TOPIC = 4


class ActionAnswer(KnowledgeAction):
    def name(self) -> str:
        return "action_answer"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeRepository, messages: Messages
    ) -> List[Dict[str, Any]]:
        shown = list(tracker.get_slot("shown_entries") or [])
        text = latest_text(tracker)
        question = Question(
            intent=latest_intent(tracker),
            mentions=mentions(tracker),
            entry_id=button_entry_id(tracker),
            last_topic=tracker.get_slot("topic"),
            last_entry=tracker.get_slot("last_entry"),
            shown=shown,
        )
        pointing_back = not question.entry_id and not question.mentions
        entry = follow_up_entry(kb, text, question.last_topic, STAYS_ON_TOPIC) if pointing_back else None
        entry = entry or select_entry(kb, question)
        handoff = handoff_intent(tracker)
        if entry is None:
            if handoff:
                send_handoff(dispatcher, kb, messages, handoff)
            else:
                unanswered = "expired_button" if question.entry_id else "no_context"
                send_reply(dispatcher, messages, messages.system[unanswered], kb.documents())
            return []
        events = answer_with(dispatcher, tracker, kb, messages, entry)
        # The person also spoke of their own situation: the general answer, then the hand-off.
        if handoff and entry.topic != HELPLINE_TOPIC:
            send_handoff(dispatcher, kb, messages, handoff)
        return events


def answer_with(
    dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeRepository, messages: Messages, entry: EntryView
) -> List[Dict[str, Any]]:
    """Sends the entry as the answer, with follow-ups not yet shown, and remembers it."""
    shown = list(tracker.get_slot("shown_entries") or [])
    follow_ups = kb.entries(r for r in entry.related if r not in shown) or kb.entries(entry.related)
    send_answer(dispatcher, messages, entry, follow_ups)
    shown = ([e for e in shown if e != entry.id] + [entry.id])[-MAX_REMEMBERED:]
    return [
        SlotSet("topic", entry.topic),
        SlotSet("last_entry", entry.id),
        SlotSet("sources", sorted({s.doc for s in entry.sources})),
        SlotSet("shown_entries", shown),
    ]
