"""MessageComposer: one reading of a message from the readings of its sentences.

Last in the NLU pipeline, after the SentenceSplitter's sentence messages have been classified
like the whole message (DIET, FallbackClassifier, SafetyNet). For a message of several sentences
(or one, where a safety rule made a question a hand-off):

1. Urgent signs in the whole message or in any sentence (by a safety rule, or by the classifier
   with at least `handoff_confidence`) win: the message gets that urgent intent and nothing else,
   so urgent advice never follows a leaflet answer.
2. The topic comes from the sentence carrying the question: of the question-like sentences (a
   question mark, a question word first, or a question inside), the one with the most confident
   answer reading; failing that, the whole message's. A question that a safety rule made a
   hand-off ("mine came back as B3, what is a vacuum biopsy like?") is read as the classifier's
   likeliest answer intent if it has at least `answer_beside_rule`; an unsure one as its likeliest
   answer intent about a topic the message names, with at least `named_topic_confidence`. The
   rest of the message is context: its concepts are used when the question names none.
3. A sentence about the person's own situation or feelings, or asking for a person (by a safety
   rule, or by the classifier with at least `handoff_confidence`), adds a hand-off: with a
   general question the message gets the answer intent plus `handoff` (the answer, then the
   hand-off, in one turn); without one, it gets the hand-off intent.

What was decided is added to the parse result as `message_reading` (the whole message's own
reading), `sentences` (each sentence's span, intent and confidence; never its text, which would
escape the tracker store's masking) and `handoff`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Pattern, Sequence, Set, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from actions.knowledge.source_files import read_concepts, read_intents
from nlu_components.configured import ConfiguredComponent
from nlu_components.intent_kinds import ASK_PERSON_INTENT, HANDOFF_INTENTS, STATEMENT_INTENT, URGENT_INTENTS
from nlu_components.lookup_tables import terms_by_topic
from nlu_components.safety_net import ESCALATION_FLOOR, SAFETY_NET
from nlu_components.sentence_splitter import SENTENCE_OF, SENTENCE_START

PERSON_INTENTS = HANDOFF_INTENTS + (ASK_PERSON_INTENT,)
# Readings that say nothing about the question: unsure, or a sentence of the person's story.
UNSURE_INTENTS = (DEFAULT_NLU_FALLBACK_INTENT_NAME, STATEMENT_INTENT)
HANDOFF = "handoff"
SENTENCES = "sentences"
READING = "message_reading"  # the whole message's own reading, before composing
QUESTION_START = re.compile(
    r"^\W*(?:(?:so|and|but|also|ok|okay|just|well|oh|hi|hello|please|sorry|then|plus|anyway|um+|er+)\W+)*"
    r"(?:what|whats|wat|how|why|when|where|which|who|whose|is|isn'?t|are|aren'?t|do|does|doesn'?t|did|"
    r"can|could|will|would|should|shall|may|might|has|have|am|was|were|any|wondering|explain|tell me)\b"
)


# A question asked inside a sentence: "so she's asking me does having benign ones raise the risk".
QUESTION_INSIDE = re.compile(
    r"\b(?:wondering|want(?:ed)? to know|like to know|need to know|asking(?: me| you)?|curious|tell me|explain)\b|"
    r"\b(?:is|are|does|do|can|could|will|would|should|has|have)\s+(?:it|they|that|this|there|i|you|she|he|we|"
    r"having|being|getting)\b"
)


def is_question(text: str) -> bool:
    lowered = text.lower()
    return "?" in text or bool(QUESTION_START.search(lowered) or QUESTION_INSIDE.search(lowered))


def by_rule(message: Message) -> bool:
    """Whether a safety rule (not the classifier's hand-off weight) set the intent."""
    return message.get(SAFETY_NET) not in (None, ESCALATION_FLOOR)


def sentence_reading(sentence: Message) -> Dict[str, Any]:
    """What is recorded of a sentence: where it is and how it was read, never its text (which would
    escape the tracker store's masking)."""
    start = sentence.get(SENTENCE_START) or 0
    return {
        "start": start,
        "end": start + len(sentence.get(TEXT) or ""),
        "intent": intent_of(sentence),
        "confidence": round(confidence_of(sentence), 3),
        "question": is_question(sentence.get(TEXT) or ""),
    }


def intent_of(message: Message) -> str:
    return (message.get(INTENT) or {}).get("name") or ""


def confidence_of(message: Message) -> float:
    return float((message.get(INTENT) or {}).get("confidence") or 0.0)


def read_folder(folder: Path) -> Tuple[Dict[str, Optional[str]], Dict[str, Pattern[str]]]:
    """From the knowledge folder: answer intent -> the topic it asks about (None for the
    contextual ones, "tell me more"), and topic -> a pattern of the words patients use for its
    concepts."""
    problems: List[str] = []
    intents = {i.intent: i.topic for i in read_intents(folder, problems)}
    terms = terms_by_topic(read_concepts(folder, problems))
    if problems:
        raise ValueError("; ".join(problems))
    alternatives = {
        t: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) for t, words in terms.items()
    }
    return intents, {topic: re.compile(rf"\b(?:{words})(?:e?s)?\b") for topic, words in alternatives.items()}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MessageComposer(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Chosen on dev8-dev12 (docs/understanding-patients.md): at 0.5 more in-scope answers got
        # a hand-off beside them with no hand-off gained.
        return {
            "knowledge_dir": "knowledge",
            "handoff_confidence": 0.8,
            "answer_beside_rule": 0.5,
            "named_topic_confidence": 0.2,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        topics, self.topic_terms = read_folder(Path(config["knowledge_dir"]))
        topics.pop(ASK_PERSON_INTENT, None)
        self.topic_of_intent = topics
        self.answer_intents = set(topics)
        self.named_topic_confidence = float(config["named_topic_confidence"])
        self.handoff_confidence = float(config["handoff_confidence"])
        self.answer_beside_rule = float(config["answer_beside_rule"])

    def process(self, messages: List[Message]) -> List[Message]:
        wholes = [m for m in messages if m.get(SENTENCE_OF) is None]
        for index, whole in enumerate(wholes):
            self._compose(whole, [m for m in messages if m.get(SENTENCE_OF) == index])
        return wholes

    def _counts(self, part: Message, whole: Message, group: Sequence[str]) -> bool:
        """Whether a part reads as one of `group`: the whole message's own reading, a safety
        rule's on a sentence, or a sentence's confident classifier reading (out of context a
        sentence can get any intent; below `handoff_confidence` it is not trusted)."""
        if intent_of(part) not in group:
            return False
        return part is whole or by_rule(part) or confidence_of(part) >= self.handoff_confidence

    def _compose(self, whole: Message, sentences: List[Message]) -> None:
        whole.set(
            READING, {"intent": intent_of(whole), "confidence": round(confidence_of(whole), 3)}, add_to_output=True
        )
        if sentences:
            whole.set(SENTENCES, [sentence_reading(s) for s in sentences], add_to_output=True)
        parts = [whole, *sentences]
        urgent = next((p for p in parts if self._counts(p, whole, URGENT_INTENTS)), None)
        if urgent is not None:
            self._take(whole, urgent, intent_of(urgent))
            return
        handoff = next((p for p in parts if self._counts(p, whole, PERSON_INTENTS)), None)
        handoff_intent = intent_of(handoff) if handoff is not None else None
        named = {t for t, pattern in self.topic_terms.items() if pattern.search((whole.get(TEXT) or "").lower())}
        # The question's sentence first; failing that, the whole message read as a question.
        question = self._question(sentences, named) or self._question([whole], named)
        if question is not None:
            part, intent = question
            self._take(whole, part, intent)
            if handoff_intent and handoff_intent != intent:
                whole.set(HANDOFF, {"intent": handoff_intent}, add_to_output=True)
        elif handoff is not None and handoff_intent:
            self._take(whole, handoff, handoff_intent)

    def _answer_reading(self, part: Message, named: Set[str]) -> Optional[Tuple[str, float]]:
        """The answer intent a question-like part asks for: its intent; or, when a safety rule
        made it a hand-off ("mine came back as B3, what is a vacuum biopsy like?"), the
        classifier's likeliest answer intent if it has at least `answer_beside_rule`; or, when
        the classifier was unsure, its likeliest answer intent about a topic the message names
        ("they left a marker in. will i get pulled aside at the scanner?") with at least
        `named_topic_confidence`."""
        if not is_question(part.get(TEXT) or ""):
            return None
        intent = intent_of(part)
        if intent in self.answer_intents:
            return intent, confidence_of(part)
        if intent in HANDOFF_INTENTS and by_rule(part):
            return self._likeliest(part, self.answer_beside_rule, lambda i: True)
        if intent in UNSURE_INTENTS:
            return self._likeliest(part, self.named_topic_confidence, lambda i: self.topic_of_intent.get(i) in named)
        return None

    def _likeliest(self, part: Message, floor: float, allowed: Callable[[str], bool]) -> Optional[Tuple[str, float]]:
        ranked = [
            (str(r["name"]), float(r.get("confidence") or 0.0))
            for r in part.get(INTENT_RANKING_KEY) or []
            if r.get("name") in self.answer_intents and allowed(str(r["name"]))
        ]
        best = max(ranked, key=lambda r: r[1], default=None)
        return best if best and best[1] >= floor else None

    def _question(self, parts: List[Message], named: Set[str]) -> Optional[Tuple[Message, str]]:
        """The question-like part with the most confident answer reading, and that intent."""
        readings = [(part, reading) for part in parts for reading in [self._answer_reading(part, named)] if reading]
        if not readings:
            return None
        part, (intent, _) = max(readings, key=lambda r: r[1][1])
        return part, intent

    @staticmethod
    def _take(whole: Message, part: Message, intent: str) -> None:
        """The whole message takes the intent as read in the part (with the part's ranking), and
        the part's concepts (placed in the whole text) when it names any; otherwise it keeps its
        own as context."""
        ranking = part.get(INTENT_RANKING_KEY) or []
        confidence = next((r.get("confidence") for r in ranking if r.get("name") == intent), confidence_of(part))
        whole.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
        others = [r for r in ranking if r.get("name") != intent]
        whole.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}, *others], add_to_output=True)
        if part is whole:
            return
        if part.get(SAFETY_NET):
            whole.set(SAFETY_NET, part.get(SAFETY_NET), add_to_output=True)
        shift = part.get(SENTENCE_START) or 0
        entities = [
            {
                **e,
                ENTITY_ATTRIBUTE_START: e[ENTITY_ATTRIBUTE_START] + shift,
                ENTITY_ATTRIBUTE_END: e[ENTITY_ATTRIBUTE_END] + shift,
            }
            for e in part.get(ENTITIES) or []
        ]
        if entities:
            whole.set(ENTITIES, entities, add_to_output=True)
