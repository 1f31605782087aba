"""action_fallback: the two-stage fallback. A short message that points back at the topic being
discussed ("does it have to come out?") is answered from that topic. Otherwise, the first time
the bot is unsure it says so and offers the likeliest topics as buttons; if the next message is
not understood either, it hands the person to the helpline rather than guess. When even the
likeliest reading is "not about breast calcifications", it says it cannot answer that (the
out-of-scope reply, with the helpline) instead of asking the person to rephrase: rephrasing a
question the documents do not cover cannot help."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.action_answer import answer_with
from actions.answer_selection import follow_up_entry
from actions.base import KnowledgeAction
from actions.conversation import best_guess, intent_ranking, latest_text, previous_bot_metadata
from actions.replies import payload, send_reply
from core.intent_kinds import OUT_OF_SCOPE_INTENT
from core.knowledge.messages import Messages
from core.knowledge.repository import KnowledgeRepository
from core.topics import FALLBACK_TOPIC, top_topic

MAX_SUGGESTIONS = 3
MIN_SUGGESTION_CONFIDENCE = 0.05


class ActionFallback(KnowledgeAction):
    def name(self) -> str:
        return "action_fallback"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeRepository, messages: Messages
    ) -> List[Dict[str, Any]]:
        entry = follow_up_entry(kb, latest_text(tracker), tracker.get_slot("topic"))
        if entry is not None:
            return answer_with(dispatcher, tracker, kb, messages, entry)
        docs = kb.documents()
        if best_guess(tracker) == OUT_OF_SCOPE_INTENT:
            send_reply(dispatcher, messages, messages.replies[OUT_OF_SCOPE_INTENT], docs)
            return []
        if top_topic(str(previous_bot_metadata(tracker).get("topic", ""))) == FALLBACK_TOPIC:
            send_reply(dispatcher, messages, messages.system["not_understood"], docs)
            return []
        buttons = []
        for ranked in intent_ranking(tracker):
            if len(buttons) == MAX_SUGGESTIONS or ranked.get("confidence", 0) < MIN_SUGGESTION_CONFIDENCE:
                break
            spec = kb.intent(ranked.get("name") or "")
            entries = kb.topic_entries(spec.topic) if spec and spec.topic else []
            if entries and all(entries[0].id not in b["payload"] for b in buttons):
                buttons.append({"title": entries[0].title, "payload": payload("choose_entry", entry_id=entries[0].id)})
        buttons.append({"title": "Talk to a person", "payload": payload("ask_helpline")})
        send_reply(dispatcher, messages, messages.system["fallback"], docs, buttons=buttons)
        return []
