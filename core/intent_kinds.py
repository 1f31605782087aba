"""The NLU intents that are not knowledge-base questions, by what the bot must do with them.
One list each, read by the SafetyNet and the MessageComposer (the answer intents are in
knowledge/intents.yml)."""

from __future__ import annotations

from typing import Tuple

# Most urgent first: the first of these that applies wins.
URGENT_INTENTS: Tuple[str, ...] = ("urgent_self_harm", "urgent_physical")
# The person needs a human: their own situation, or distress.
HANDOFF_INTENTS: Tuple[str, ...] = ("personal_situation", "express_distress")
# Asking for a person is answered from the knowledge base's helpline topic.
ASK_PERSON_INTENT = "ask_helpline"
ESCALATION_INTENTS: Tuple[str, ...] = URGENT_INTENTS + HANDOFF_INTENTS
# A sentence of the person's story that asks nothing: context for the question beside it.
STATEMENT_INTENT = "statement"
# A question outside what the documents cover: the out-of-scope reply.
OUT_OF_SCOPE_INTENT = "out_of_scope"
# What DIET's FallbackClassifier names a message it is not sure of.
FALLBACK_INTENT = "nlu_fallback"
