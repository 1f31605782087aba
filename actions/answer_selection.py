"""Chooses the knowledge-base entry that answers a message, from its intent, the concepts it
names and what the conversation was about. Pure logic over a KnowledgeRepository."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Set

from core.knowledge.repository import ConceptView, EntryView, KnowledgeRepository
from core.topics import HELPLINE_TOPIC, top_topic


@dataclass(frozen=True)
class Question:
    intent: str
    mentions: Sequence[str] = ()  # entity values found in the message
    entry_id: Optional[str] = None  # set by a follow-up button
    last_topic: Optional[str] = None  # the topic of the previous answer
    last_entry: Optional[str] = None
    shown: Sequence[str] = ()  # entries already given in this conversation


def _best(
    entries: List[EntryView], concepts: Sequence[ConceptView], facet: Optional[str] = None
) -> Optional[EntryView]:
    """The entry sharing most concepts with the message (earliest on ties), else the first."""
    if facet:
        entries = [e for e in entries if facet in e.facets]
    if not entries:
        return None
    wanted = {c.id for c in concepts}
    return max(entries, key=lambda e: (len(e.concepts & wanted), -e.position))


# Only something done to the patient has an "after" that a related topic may answer: pain after
# "the operation" is surgery recovery, but "can you feel them?" after macro/micro, or "feel" next
# to "x-ray", is not the discomfort of further tests.
HAS_AFTERMATH = ("procedure", "device")


def _facet_entry(
    kb: KnowledgeRepository, topic: str, concepts: Sequence[ConceptView], facet: str, exclude: str
) -> Optional[EntryView]:
    """The topic's entry with the facet; failing that, for a procedure or device, one in a topic
    its entries relate to."""
    entries = kb.topic_entries(topic)
    found = _best(entries, concepts, facet)
    if found or topic not in kb.topics_of_concepts_labelled(HAS_AFTERMATH):
        return found
    related_topics = dict.fromkeys(top_topic(r) for e in entries for r in e.related)
    for related in related_topics:
        if related not in (topic, exclude):
            found = _best(kb.topic_entries(related), concepts, facet)
            if found:
                return found
    return None


def select_entry(kb: KnowledgeRepository, q: Question) -> Optional[EntryView]:
    """The entry to answer with, or None when the message does not say enough to choose one."""
    if q.entry_id:
        # A button from before the knowledge base changed may name an entry that is gone: its
        # topic's first entry answers instead, if the topic is still there.
        return kb.entry(q.entry_id) or next(iter(kb.topic_entries(top_topic(q.entry_id))), None)
    spec = kb.intent(q.intent)
    if spec is None:
        return None
    concepts = kb.concepts_for(q.mentions)
    named_topics = [c.topic for c in concepts if c.topic]

    if spec.contextual:
        if named_topics:
            return _best(kb.topic_entries(named_topics[0]), concepts)
        if q.last_entry:
            last = kb.entry(q.last_entry)
            unseen = [r for r in (last.related if last else ()) if r not in q.shown]
            following = kb.entries(unseen)
            if following:
                return following[0]
            if last:
                others = [e for e in kb.topic_entries(last.topic) if e.id not in q.shown]
                return others[0] if others else None
        return None

    if spec.facet:
        # "Does it hurt?" is about what the message names, else what was being discussed.
        subjects = named_topics or ([q.last_topic] if q.last_topic else [])
        for topic in subjects:
            if topic != spec.topic:
                found = _facet_entry(kb, topic, concepts, spec.facet, exclude=spec.topic)
                if found:
                    return found

    return _best(kb.topic_entries(spec.topic), concepts) if spec.topic else None


ANAPHORA = {"it", "its", "they", "them", "those", "these", "that", "this", "one", "ones", "there", "other"}
STOPWORDS = ANAPHORA | {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "so",
    "is",
    "are",
    "was",
    "be",
    "do",
    "does",
    "did",
    "can",
    "will",
    "would",
    "i",
    "you",
    "me",
    "my",
    "your",
    "to",
    "of",
    "in",
    "on",
    "for",
    "at",
    "with",
    "what",
    "how",
    "why",
    "when",
    "if",
    "have",
    "has",
    "get",
    "about",
    "any",
    "then",
    "though",
    "just",
    "really",
}
MAX_FOLLOW_UP_WORDS = 15
# A message that carries on from the last answer without a pronoun: "and if I need a scan one day?",
# "even in your thirties?", "ever?"
CONTINUES = re.compile(
    r"^\W*(and|also|plus|what about|how about|what if|but what|but if|ok and|so what if|even|ever|never|only)\b"
)
ANSWER_TOPICS_EXCLUDED = {HELPLINE_TOPIC}


def _stems(text: str) -> Set[str]:
    words = re.findall(r"[a-z]+", text.lower())
    return {re.sub(r"(ing|ed|es|s)$", "", w) for w in words if w not in STOPWORDS and len(w) > 2}


def follow_up_entry(
    kb: KnowledgeRepository, text: str, last_topic: Optional[str], min_score: int = 0
) -> Optional[EntryView]:
    """For a short message that points back at the topic being discussed ("does it have to come
    out?" or "and if I need a scan one day?" after the marker clip), the entry of that topic
    sharing most words with it (title words count twice). None when the message is long, has no
    pointing or continuing word, nothing is being discussed, or no entry scores at least
    `min_score`."""
    words = re.findall(r"[a-z']+", text.lower())
    if not last_topic or last_topic in ANSWER_TOPICS_EXCLUDED or len(words) > MAX_FOLLOW_UP_WORDS:
        return None
    if not ANAPHORA & {w.split("'")[0] for w in words} and not CONTINUES.match(text.lower()):
        return None
    asked = _stems(text)
    scored = [
        (2 * len(asked & _stems(e.title)) + len(asked & _stems(e.answer)), -e.position, e)
        for e in kb.topic_entries(last_topic)
    ]
    if not scored:
        return None
    score, _, entry = max(scored, key=lambda t: t[:2])
    return entry if score >= min_score else None
