"""The NLU intents: those that are not knowledge-base questions, by what the bot must do with them
(one list each, read by the SafetyNet and the MessageComposer), and the whole list of intents, the
knowledge base's questions (knowledge/intents.yml) included."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import yaml

from core.knowledge.source_files import knowledge_dir, read_intents
from core.paths import PROJECT_ROOT

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


def knowledge_intents() -> List[str]:
    """The intents knowledge/intents.yml maps to the knowledge base, in its order (Rasa's training
    adds them to the domain and its rules: nlu_components/knowledge_importer.py)."""
    problems: List[str] = []
    intents = [i.intent for i in read_intents(knowledge_dir(), problems)]
    if problems:
        raise ValueError("knowledge/intents.yml: " + "; ".join(problems))
    return intents


def bot_intents(domain: Path = PROJECT_ROOT / "domain.yml") -> List[str]:
    """Every intent the bot is trained on: domain.yml's and the knowledge base's, sorted."""
    with domain.open(encoding="utf-8") as f:
        listed = yaml.safe_load(f)["intents"]
    names = [str(i) if not isinstance(i, dict) else str(next(iter(i))) for i in listed]
    return sorted({*names, *knowledge_intents()})
