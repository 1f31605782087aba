"""Builds tracker JSON as Rasa sends it to the action server, for action tests over HTTP."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence


def user(
    text: str,
    intent: str,
    entities: Sequence[Dict[str, Any]] = (),
    confidence: float = 0.95,
    ranking: Optional[List[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities),
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
    }
    return {"event": "user", "timestamp": time.time(), "text": text, "parse_data": parse, "metadata": {}}


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": len(value), "extractor": "test"}


def bot(text: str, **metadata: Any) -> Dict[str, Any]:
    return {"event": "bot", "timestamp": time.time(), "text": text, "data": {}, "metadata": metadata}


def action(name: str) -> Dict[str, Any]:
    return {"event": "action", "timestamp": time.time(), "name": name}


def slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "timestamp": time.time(), "name": name, "value": value}


def tracker(events: List[Dict[str, Any]], sender_id: str = "test-user") -> Dict[str, Any]:
    """The tracker after `events`; slots and the latest message are derived from them."""
    slots: Dict[str, Any] = {}
    latest: Dict[str, Any] = {}
    for e in events:
        if e["event"] == "slot":
            slots[e["name"]] = e["value"]
        elif e["event"] == "user":
            latest = e["parse_data"]
    return {
        "sender_id": sender_id,
        "slots": slots,
        "latest_message": latest,
        "events": [action("action_session_start"), action("action_listen"), *events],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }


def conversation(*turns: Dict[str, Any]) -> Dict[str, Any]:
    return tracker(list(turns))
