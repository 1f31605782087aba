"""MessageComposer: one reading of a message from the readings of its sentences.

Last in the NLU pipeline, after the SentenceSplitter's sentence messages have been classified
like the whole message (DIET, HandoffClassifier, FallbackClassifier, SafetyNet). For every
message:

1. Urgent signs in the whole message or in any sentence (by a safety rule, or by DIET with at
   least `handoff_confidence` where the HandoffClassifier gives the whole message at least
   `urgent_support` for the same urgent care, physical or self-harm), or the HandoffClassifier's
   probability of urgent care for the whole message at `urgent_need` (unless a safety rule found
   that sign in a harmless context, e.g. a faint years ago, or ruled it out, e.g. "I'm safe"),
   win: the message gets that urgent intent and nothing else, so urgent advice never follows a
   leaflet answer. A DIET urgent reading without that support is a hand-off; a sentence's, beside
   a safety rule's hand-off for the whole message, needs `unsure_urgent_support`.
2. The topic comes from the sentence (or the clause after "but", "so", "and") carrying the
   question: of the question-like sentences (a question mark, a question word first, or a
   question inside), the one with the most confident
   answer reading; failing that, the whole message's. A question that a safety rule made a
   hand-off ("mine came back as B3, what is a vacuum biopsy like?") is read as the classifier's
   likeliest answer intent if it has at least `answer_beside_rule`; an unsure one as its likeliest
   answer intent about a topic the message names, with at least `named_topic_confidence`. A
   question pointing back ("is that the same thing?") to a message that a safety rule found to be
   about something the documents do not cover keeps that reading; one pointing back to a story
   that the whole message's confident reading places under a topic takes that reading. The rest
   of the message is context: its concepts are used when the question names none.
3. A sentence about the person's own situation or feelings, or asking for a person (by a safety
   rule, or by DIET with at least `handoff_confidence`), or the HandoffClassifier's probability
   that the whole message needs a person at `person_need`, adds a hand-off: with a general
   question the message gets the answer intent plus `handoff` (the answer, then the hand-off, in
   one turn); without one, it gets the hand-off intent.

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

from core.intent_kinds import (
    ASK_PERSON_INTENT,
    HANDOFF_INTENTS,
    OUT_OF_SCOPE_INTENT,
    STATEMENT_INTENT,
    URGENT_INTENTS,
)
from core.knowledge.source_files import read_concepts, read_intents
from nlu_components.configured import ConfiguredComponent
from nlu_components.handoff_classifier import likeliest_urgent, needs_of, person_probability, urgent_probability
from nlu_components.lookup_tables import terms_by_topic
from nlu_components.question_form import is_question, points_back
from nlu_components.safety_net import CLEARED, ESCALATION_FLOOR, SAFETY_NET, confidences
from nlu_components.sentence_splitter import SENTENCE_OF, SENTENCE_START

PERSON_INTENTS = HANDOFF_INTENTS + (ASK_PERSON_INTENT,)
# Readings that say nothing about the question: unsure, or a sentence of the person's story.
UNSURE_INTENTS = (DEFAULT_NLU_FALLBACK_INTENT_NAME, STATEMENT_INTENT)
HANDOFF = "handoff"
# An intent, and the confidence to give it when not the part's own for that intent.
Reading = Tuple[str, Optional[float]]
SENTENCES = "sentences"
READING = "message_reading"  # the whole message's own reading, before composing


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
            # The HandoffClassifier's probabilities at which a message needs urgent care or a
            # person, chosen by leave-one-writer-out cross-validation (docs/understanding-patients.md).
            "urgent_need": 0.8,
            "person_need": 0.7,
            # Below this probability of urgent care for the whole message, a DIET urgent reading
            # (not a safety rule's) gives a hand-off instead of the urgent advice; below
            # `handoff_confidence`, an unsure one needs `unsure_urgent_support` (a question about the
            # clip staying in "for life", read by DIET as self-harm at 0.57, got 0.29 from the
            # HandoffClassifier); so does a sentence's beside a safety rule's hand-off.
            "urgent_support": 0.25,
            "unsure_urgent_support": 0.4,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        topics, self.topic_terms = read_folder(Path(config["knowledge_dir"]))
        topics.pop(ASK_PERSON_INTENT, None)
        self.topic_of_intent = topics
        self.answer_intents = set(topics)
        self.named_topic_confidence = float(config["named_topic_confidence"])
        self.handoff_confidence = float(config["handoff_confidence"])
        self.answer_beside_rule = float(config["answer_beside_rule"])
        self.urgent_need = float(config["urgent_need"])
        self.person_need = float(config["person_need"])
        self.urgent_support = float(config["urgent_support"])
        self.unsure_urgent_support = float(config["unsure_urgent_support"])

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

    def _urgent(self, part: Message, whole: Message) -> Optional[Reading]:
        """The urgent intent a part reads as: by a safety rule; by DIET, when the hand-off
        classifier does not rule urgent care out for the whole message (`urgent_support`); or by
        the hand-off classifier's probability of urgent care for the whole message (which is
        then the reading's confidence)."""
        if self._counts(part, whole, URGENT_INTENTS) and (by_rule(part) or self._supports_urgent(whole, part)):
            return intent_of(part), None
        if (
            part is whole
            and urgent_probability(part) >= self.urgent_need
            and likeliest_urgent(part) not in (part.get(CLEARED) or ())
        ):
            return likeliest_urgent(part), urgent_probability(part)
        return None

    @staticmethod
    def _surely_elsewhere(whole: Message) -> bool:
        """Whether a safety rule decided what the message is ("am I talking to a robot?" is a
        question about the bot), or DIET reads it, past the FallbackClassifier, as about something
        else entirely ("whats the best way to roast potatoes"): the hand-off classifier's need for
        a person is not trusted there, its urgent reading still is."""
        return by_rule(whole) or intent_of(whole) == OUT_OF_SCOPE_INTENT

    def _supports_urgent(self, whole: Message, part: Message) -> bool:
        """Whether the hand-off classifier gives the whole message at least `urgent_support` for
        the same urgent care as the part's reading: a story sentence that DIET reads as a danger
        sign ("I've been on my own since my husband passed") is seldom read as the same danger
        by both classifiers. Without the classifier's reading (a model without it) nothing is
        ruled out. Beside a safety rule's hand-off for the whole message ("nobody in my life gets
        it, help me decide"), a sentence's reading needs `unsure_urgent_support`, as an unsure
        one does: the person gets a hand-off anyway. A sign that a safety rule cleared for the
        whole message ("I'm safe, I'm not going to do anything daft", "no fever and it's healing
        nicely") is not supported."""
        if intent_of(part) in (whole.get(CLEARED) or ()):
            return False
        needs = needs_of(whole)
        trusted = confidence_of(part) >= self.handoff_confidence and not (
            part is not whole and by_rule(whole) and intent_of(whole) in PERSON_INTENTS
        )
        support = self.urgent_support if trusted else self.unsure_urgent_support
        return not needs or needs.get(intent_of(part), 0.0) >= support

    def _person(self, part: Message, whole: Message) -> Optional[Reading]:
        """The hand-off intent a part reads as: by the intent it was given (an urgent reading
        that `_urgent` did not trust still says the person needs someone: the likeliest hand-off
        intent of its ranking); or, for the whole message, by the hand-off classifier's
        probability that it needs a person."""
        if self._counts(part, whole, PERSON_INTENTS):
            return intent_of(part), None
        if self._counts(part, whole, URGENT_INTENTS) or (
            part is whole and person_probability(part) >= self.person_need and not self._surely_elsewhere(whole)
        ):
            scores = confidences(part.get(INTENT_RANKING_KEY) or [])
            return max(HANDOFF_INTENTS, key=lambda i: scores.get(i, 0.0)), max(
                person_probability(part), confidence_of(part)
            )
        return None

    def _compose(self, whole: Message, sentences: List[Message]) -> None:
        whole.set(
            READING, {"intent": intent_of(whole), "confidence": round(confidence_of(whole), 3)}, add_to_output=True
        )
        if sentences:
            whole.set(SENTENCES, [sentence_reading(s) for s in sentences], add_to_output=True)
        parts = [whole, *sentences]
        urgent = next(((p, r) for p in parts for r in [self._urgent(p, whole)] if r), None)
        if urgent is not None:
            part, (intent, confidence) = urgent
            self._take(whole, part, intent, confidence)
            return
        handoff, (handoff_intent, handoff_confidence) = next(
            ((p, r) for p in parts for r in [self._person(p, whole)] if r), (None, (None, None))
        )
        named = {t for t, pattern in self.topic_terms.items() if pattern.search((whole.get(TEXT) or "").lower())}
        # The question's sentence first; failing that, the whole message read as a question.
        question = self._read_with_the_story(whole, self._question(sentences, named) or self._question([whole], named))
        if question is not None:
            part, intent = question
            self._take(whole, part, intent)
            if handoff_intent and handoff_intent != intent:
                whole.set(HANDOFF, {"intent": handoff_intent}, add_to_output=True)
        elif (
            handoff is whole
            and intent_of(whole) in self.answer_intents
            and confidence_of(whole) >= self.handoff_confidence
        ):
            # Only the HandoffClassifier read a need for a person in a message DIET confidently
            # reads as a topic, without a question's form ("ive got one of those clips and need
            # an mri for my knee"): the answer, then the hand-off.
            whole.set(HANDOFF, {"intent": handoff_intent}, add_to_output=True)
        elif handoff is not None and handoff_intent:
            self._take(whole, handoff, handoff_intent, handoff_confidence)

    def _read_with_the_story(
        self, whole: Message, question: Optional[Tuple[Message, str]]
    ) -> Optional[Tuple[Message, str]]:
        """A question's sentence pointing back to the story before it ("is that the same thing?")
        is read with that story, as the whole message is: not answered when a safety rule found
        the message to be about something the documents do not cover ("ct found calcium in my
        kidneys. is that the same thing?"), whose answer would only look related; given the whole
        message's reading when that is a confident topic ("they said it's right by the chest wall.
        does that change how they take the sample?"); otherwise as it was read on its own."""
        if question is None:
            return None
        part, _ = question
        if part is whole or not points_back(part.get(TEXT) or ""):
            return question
        if by_rule(whole) and intent_of(whole) == OUT_OF_SCOPE_INTENT:
            return None
        if intent_of(whole) in self.answer_intents and confidence_of(whole) >= self.handoff_confidence:
            return whole, intent_of(whole)
        return question

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
    def _take(whole: Message, part: Message, intent: str, confidence: Optional[float] = None) -> None:
        """The whole message takes the intent as read in the part (with the part's ranking, and
        its confidence there unless another is given), and the part's concepts (placed in the
        whole text) when it names any; otherwise it keeps its own as context."""
        ranking = part.get(INTENT_RANKING_KEY) or []
        if confidence is None:
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
