"""MessageComposer: one reading of a message from the readings of its sentences.

Last in the NLU pipeline, after the SentenceSplitter's sentence messages have been classified
like the whole message (DIET, FallbackClassifier, SafetyNet). For a message of several sentences:

1. Urgent signs in any sentence (or the whole; sentences read by the classifier alone count as in
   3.) win: the message gets that urgent intent and
   nothing else, so urgent advice is never preceded by a leaflet answer.
2. The topic comes from the sentence carrying the question: of the question-like sentences (a
   question mark, or a question word first), the one with the most confident answer intent. The
   rest of the message is context: its concepts are used when the question names none.
3. A sentence about the person's own situation or feelings, or asking for a person (by a safety
   rule, or by the classifier with at least `handoff_confidence` when the whole message's reading
   gives such intents at least `sentence_support`), adds a hand-off: with a general question the
   message gets the answer intent plus `handoff` (the answer, then the hand-off, in one turn);
   without one, it gets the hand-off intent.

What was decided is added to the parse result as `sentences` (each sentence's span, intent and
confidence; never its text, which would escape the tracker store's masking) and `handoff`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu_components.intent_kinds import ASK_PERSON_INTENT, HANDOFF_INTENTS, URGENT_INTENTS
from nlu_components.sentence_splitter import SENTENCE_OF, SENTENCE_START

SAFETY_NET = "safety_net"  # what the SafetyNet records when it set the intent: a rule's name, or
ESCALATION_FLOOR = "escalation_floor"  # the classifier's weight on hand-off intents
PERSON_INTENTS = HANDOFF_INTENTS + (ASK_PERSON_INTENT,)
HANDOFF = "handoff"
SENTENCES = "sentences"
QUESTION_START = re.compile(
    r"^\W*(?:(?:so|and|but|also|ok|okay|just|well|oh|hi|hello|please|sorry|then|plus|anyway|um+|er+)\W+)*"
    r"(?:what|whats|wat|how|why|when|where|which|who|whose|is|isn'?t|are|aren'?t|do|does|doesn'?t|did|"
    r"can|could|will|would|should|shall|may|might|has|have|am|was|were|any|wondering|explain|tell me)\b"
)


def is_question(text: str) -> bool:
    return "?" in text or bool(QUESTION_START.search(text.lower()))


def intent_of(message: Message) -> str:
    return (message.get(INTENT) or {}).get("name") or ""


def confidence_of(message: Message) -> float:
    return float((message.get(INTENT) or {}).get("confidence") or 0.0)


def weight(message: Message, group: Sequence[str]) -> float:
    """The classifier's confidence in the group's intents, added up."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    return sum(float(r.get("confidence") or 0.0) for r in ranking if r.get("name") in group)


def answer_intents(intents_file: Path) -> Set[str]:
    data = yaml.safe_load(intents_file.read_text(encoding="utf-8")) or {}
    return set(data.get("answer_intents") or {}) | set(data.get("contextual_intents") or [])


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MessageComposer(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"intents_file": "knowledge/intents.yml", "handoff_confidence": 0.5, "sentence_support": 0.1}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.answer_intents = answer_intents(Path(config["intents_file"])) - {ASK_PERSON_INTENT}
        self.handoff_confidence = float(config["handoff_confidence"])
        self.sentence_support = float(config["sentence_support"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageComposer:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        wholes = [m for m in messages if m.get(SENTENCE_OF) is None]
        for index, whole in enumerate(wholes):
            sentences = [m for m in messages if m.get(SENTENCE_OF) == index]
            if sentences:
                self._compose(whole, sentences)
        return wholes

    def _counts(self, part: Message, whole: Message, group: Sequence[str]) -> bool:
        """Whether a part reads as one of `group`: the whole message's own reading, or a safety
        rule's on a sentence, always; a sentence's classifier reading only when confident and
        when the whole message's classifier gives the group some weight too (out of context, a
        sentence such as "just want to be prepared" can get any intent with full confidence)."""
        if intent_of(part) not in group:
            return False
        if part is whole or part.get(SAFETY_NET) not in (None, ESCALATION_FLOOR):
            return True
        return confidence_of(part) >= self.handoff_confidence and weight(whole, group) >= self.sentence_support

    def _compose(self, whole: Message, sentences: List[Message]) -> None:
        parts = [whole, *sentences]
        whole.set(
            SENTENCES,
            [
                {
                    "start": s.get(SENTENCE_START),
                    "end": s.get(SENTENCE_START) + len(s.get(TEXT) or ""),
                    "intent": intent_of(s),
                    "confidence": round(confidence_of(s), 3),
                    "question": is_question(s.get(TEXT) or ""),
                }
                for s in sentences
            ],
            add_to_output=True,
        )
        urgent = next((p for p in parts if self._counts(p, whole, URGENT_INTENTS)), None)
        if urgent is not None:
            self._take(whole, urgent)
            return
        question = self._question(whole, sentences)
        handoff = next((p for p in parts if self._counts(p, whole, PERSON_INTENTS)), None)
        if question is not None:
            handoff_intent = intent_of(handoff) if handoff is not None else None
            self._take(whole, question)
            if handoff_intent and handoff_intent != intent_of(whole):
                whole.set(HANDOFF, {"intent": handoff_intent}, add_to_output=True)
        elif handoff is not None:
            self._take(whole, handoff)

    def _question(self, whole: Message, sentences: List[Message]) -> Optional[Message]:
        """The question-like sentence with the most confident answer intent, if any."""
        asked = [s for s in sentences if is_question(s.get(TEXT) or "") and intent_of(s) in self.answer_intents]
        return max(asked, key=confidence_of, default=None)

    @staticmethod
    def _take(whole: Message, part: Message) -> None:
        """The whole message takes the part's intent and ranking, and the part's concepts (placed
        in the whole text) when it names any; otherwise it keeps its own as context."""
        if part is whole:
            return
        whole.set(INTENT, part.get(INTENT), add_to_output=True)
        whole.set(INTENT_RANKING_KEY, part.get(INTENT_RANKING_KEY) or [], add_to_output=True)
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
