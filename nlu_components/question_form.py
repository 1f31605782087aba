"""Whether a piece of a message is worded as a question, with or without a question mark: the
SentenceSplitter splits a clause off where a question begins, and the MessageComposer takes the
topic from the parts worded as questions."""

from __future__ import annotations

import re

QUESTION_START = re.compile(
    r"^\W*(?:(?:so|and|but|also|ok|okay|just|well|oh|hi|hello|please|sorry|then|plus|anyway|um+|er+|"
    r"in general|generally|in theory|honestly|basically)\W+)*"
    r"(?:what|whats|wat|how|why|when|where|which|who|whose|is|isn'?t|are|aren'?t|do|does|doesn'?t|did|"
    r"can|could|will|would|should|shall|may|might|has|have|am|was|were|any|wondering|explain|tell me)\b"
)
# A question asked inside a sentence: "so she's asking me does having benign ones raise the risk",
# "she asked me to ask you can an injury cause them".
QUESTION_INSIDE = re.compile(
    r"\b(?:wondering|want(?:ed)? to know|like to know|need to know|asking(?: me| you)?|ask you|curious|tell me|"
    r"explain)\b|"
    r"\b(?:is|are|does|do|can|could|will|would|should|has|have)\s+(?:it|they|that|this|there|i|you|she|he|we|"
    r"having|being|getting)\b|"
    r"\b(?:can|could|does|will|would)\s+(?:a|an|the)\b"
)


def is_question(text: str) -> bool:
    lowered = text.lower()
    return "?" in text or bool(QUESTION_START.search(lowered) or QUESTION_INSIDE.search(lowered))


def starts_a_question(text: str) -> bool:
    """Whether the text begins with a question's words ("in general, can they be cancer?")."""
    return bool(QUESTION_START.search(text.lower()))


# A question whose subject is in the sentences before it: "i've got calcium in my kidneys. is that
# the same thing?", "they put implants in years ago. are they still safe?".
POINTS_BACK = re.compile(
    r"^\W*(?:(?:so|and|but|ok|okay|well|then)\W+)*"
    r"(?:(?:is|are|was|were|does|do|did|can|could|will|would|should|has|have)\s+)?"
    r"(?:that|this|it|its|it'?s|they|those|these|them)\b"
)


def points_back(text: str) -> bool:
    """Whether a question begins with (or right after its verb has) a word pointing back."""
    return bool(POINTS_BACK.search(text.lower()))
