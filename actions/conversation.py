"""What the actions read from the tracker: the latest message, its entities, earlier replies."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from core.intent_kinds import FALLBACK_INTENT

ENTRY_ID_ENTITY = "entry_id"


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def intent_ranking(tracker: Tracker) -> List[Dict[str, Any]]:
    return list(tracker.latest_message.get("intent_ranking") or [])


def best_guess(tracker: Tracker) -> str:
    """The classifier's likeliest intent, even when it was too unsure to act on it."""
    ranked = (r.get("name") for r in intent_ranking(tracker))
    return next((name for name in ranked if name and name != FALLBACK_INTENT), "")


def mentions(tracker: Tracker) -> List[str]:
    """Values of the entities found in the latest message, except button ids."""
    return [
        str(e.get("value"))
        for e in tracker.latest_message.get("entities") or []
        if e.get("entity") != ENTRY_ID_ENTITY and e.get("value")
    ]


def handoff_intent(tracker: Tracker) -> Optional[str]:
    """The hand-off the NLU found beside the message's general question ("mine came back as B3 -
    what is a vacuum biopsy like?", nlu_components/message_composer.py), if any."""
    handoff = tracker.latest_message.get("handoff") or {}
    return str(handoff.get("intent") or "") or None


def button_entry_id(tracker: Tracker) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(ENTRY_ID_ENTITY), None)
    return str(value) if value else None


def previous_bot_metadata(tracker: Tracker) -> Dict[str, Any]:
    """Metadata of the last bot message before the latest user message ({} if none)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return {}
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return event.get("metadata") or {}
    return {}
