"""Sends the bot's messages. Every message carries its topic id (and sources, when it has any)
in the event metadata, so channels, evaluation and the review console read them as data."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from rasa_sdk.executor import CollectingDispatcher

from core.knowledge.messages import Messages, Reply
from core.knowledge.repository import EntryView, KnowledgeRepository
from core.topics import HELPLINE_TOPIC

MAX_FOLLOW_UPS = 3


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def citation_line(sources: List[Dict[str, Any]]) -> str:
    citations = list(dict.fromkeys(s["citation"] for s in sources))
    return "From: " + "; and ".join(citations) if citations else ""


def entry_sources(entry: EntryView) -> List[Dict[str, Any]]:
    return [
        {"doc": s.doc, "title": s.title, "citation": s.citation, "kind": s.kind, "quote": s.quote}
        for s in entry.sources
    ]


def helpline_sources(messages: Messages, documents: Dict[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    h = messages.helpline
    doc = documents.get(h.source_doc or "")
    if not doc:
        return []
    return [
        {
            "doc": h.source_doc,
            "title": doc["title"],
            "citation": doc["citation"],
            "kind": doc["kind"],
            "quote": h.source_quote,
        }
    ]


def send(
    dispatcher: CollectingDispatcher,
    text: str,
    topic: str,
    sources: Optional[List[Dict[str, Any]]] = None,
    buttons: Optional[List[Dict[str, str]]] = None,
    **metadata: Any,
) -> None:
    """One bot message; the citation is appended to the text so every channel shows it."""
    sources = sources or []
    shown = f"{text}\n\n{citation_line(sources)}" if sources else text
    dispatcher.utter_message(
        text=shown,
        buttons=buttons or [],
        topic=topic,
        sources=sources,
        answer=text,
        **metadata,
    )


def send_reply(
    dispatcher: CollectingDispatcher,
    messages: Messages,
    reply: Reply,
    documents: Dict[str, Dict[str, Any]],
    buttons: Optional[List[Dict[str, str]]] = None,
    metadata: Optional[Dict[str, Any]] = None,
    **values: Any,
) -> None:
    """A canned reply from the messages file (and its second message, if it has one)."""
    sources = helpline_sources(messages, documents) if reply.cite_helpline else []
    metadata = metadata or {}
    with_helpline = {**(messages.helpline_metadata() if reply.cite_helpline else {}), **metadata}
    if not reply.then:
        send(dispatcher, messages.render(reply.text, **values), reply.topic, sources, buttons, **with_helpline)
        return
    # The helpline's call button goes with the message that names it: beside the urgent advice
    # ("call 999 now") it would offer the wrong number first.
    send(dispatcher, messages.render(reply.text, **values), reply.topic, [], buttons, **metadata)
    send(dispatcher, messages.render(reply.then, **values), reply.topic, sources, **with_helpline)


def send_answer(
    dispatcher: CollectingDispatcher, messages: Messages, entry: EntryView, follow_ups: List[EntryView]
) -> None:
    """A knowledge-base answer with follow-up buttons, then the "Was this helpful?" question."""
    sources = entry_sources(entry)
    buttons = [
        {"title": f.title, "payload": payload("choose_entry", entry_id=f.id)} for f in follow_ups[:MAX_FOLLOW_UPS]
    ]
    send(dispatcher, messages.render(entry.answer), entry.id, sources, buttons, entry_id=entry.id)
    fb = messages.feedback
    dispatcher.utter_message(
        text=fb["question"],
        buttons=[
            {"title": fb["helpful_button"], "payload": payload("feedback_helpful", entry_id=entry.id)},
            {"title": fb["not_helpful_button"], "payload": payload("feedback_not_helpful", entry_id=entry.id)},
        ],
        topic=entry.id,
        entry_id=entry.id,
        feedback_request=True,
        sources=[],
    )


def send_handoff(dispatcher: CollectingDispatcher, kb: KnowledgeRepository, messages: Messages, intent: str) -> None:
    """The hand-off for an intent: its reply in the messages file ("I can't advise on your own
    results..."), else (asking for a person) the helpline entry of the knowledge base."""
    reply = messages.replies.get(intent)
    if reply is not None:
        send_reply(dispatcher, messages, reply, kb.documents())
        return
    entry = kb.topic_entries(HELPLINE_TOPIC)[0]
    send(dispatcher, messages.render(entry.answer), entry.id, entry_sources(entry), entry_id=entry.id)
