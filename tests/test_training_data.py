"""Consistency of the training data, the domain and the knowledge base, and the held-out rule:
no held-out question is in the training data."""

from __future__ import annotations

from typing import Dict, List

import yaml
from rasa.shared.core.events import UserUttered
from rasa.shared.importers.importer import TrainingDataImporter

from core.intent_kinds import bot_intents, knowledge_intents
from core.knowledge.source_files import read_knowledge
from evaluation.crossval import normalise
from nlu_components.knowledge_importer import RULE_NAME
from nlu_components.lookup_tables import DEFAULT_OUTPUT, current_text
from stack.processes import PROJECT_ROOT


def _nlu_examples() -> Dict[str, List[str]]:
    """Intent -> its examples, from every NLU file of data/ (nlu.yml and the writers' files)."""
    out: Dict[str, List[str]] = {}
    for path in sorted((PROJECT_ROOT / "data").glob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            if "intent" in block:
                out.setdefault(block["intent"], []).extend(
                    line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")
                )
    return out


def test_no_held_out_question_is_in_the_training_data() -> None:
    trained = {normalise(e) for examples in _nlu_examples().values() for e in examples}
    questions = yaml.safe_load((PROJECT_ROOT / "tests" / "heldout" / "questions.yml").read_text())
    texts = [q["text"] for q in questions] + [c for q in questions for c in q.get("context", [])]
    leaked = [t for t in texts if normalise(t) in trained]
    assert leaked == []


def test_held_out_set_covers_every_topic_and_kind() -> None:
    questions = yaml.safe_load((PROJECT_ROOT / "tests" / "heldout" / "questions.yml").read_text())
    kinds = [q["kind"] for q in questions]
    assert len(questions) >= 150
    assert kinds.count("out_of_scope") >= 20 and kinds.count("escalate") >= 20
    accepted = {a for q in questions if q["kind"] == "in_scope" for a in q["accept"]}
    assert set(read_knowledge().answer_topics) <= accepted


def test_domain_intents_are_trained_or_sent_by_buttons() -> None:
    domain = {"intents": bot_intents()}
    trained = set(_nlu_examples())
    assert set(domain["intents"]) - trained == {"choose_entry"}
    assert trained <= set(domain["intents"])


def test_every_answer_intent_is_in_the_domain_and_answered_by_the_knowledge_base() -> None:
    domain = {"intents": bot_intents()}
    mapped = {i.intent for i in read_knowledge().intents}
    assert mapped <= set(domain["intents"])
    asks = {i for i in domain["intents"] if i.startswith("ask_")}
    assert asks == mapped


def test_rasa_training_reads_the_knowledge_bases_questions_into_the_domain_and_rules() -> None:
    """Through Rasa's own loading of config.yml (which drops an importer it cannot load with a
    warning only): every intent the bot knows is in the domain, and each knowledge-base question
    has a rule that answers it; domain.yml and data/rules.yml do not list them again."""
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"), str(PROJECT_ROOT / "domain.yml"), [str(PROJECT_ROOT / "data")]
    )
    assert set(bot_intents()) <= set(importer.get_domain().intents)
    answered = {
        event.intent_name
        for step in importer.get_stories().story_steps
        if step.block_name == RULE_NAME
        for event in step.events
        if isinstance(event, UserUttered)
    }
    assert answered == set(knowledge_intents())
    listed = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["intents"]
    rules = (PROJECT_ROOT / "data" / "rules.yml").read_text()
    assert not set(knowledge_intents()) & set(listed) and not any(
        f"intent: {i}\n" in rules for i in knowledge_intents()
    )


def test_domain_entities_are_the_vocabulary_labels() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    labels = {c.label for c in read_knowledge().concepts}
    assert set(domain["entities"]) == labels | {"entry_id"}


def test_every_messages_reply_intent_is_in_the_domain() -> None:
    domain = {"intents": bot_intents()}
    replies = yaml.safe_load((PROJECT_ROOT / "knowledge" / "messages.yml").read_text())["replies"]
    assert set(replies) <= set(domain["intents"])


def test_no_example_is_labelled_with_two_intents() -> None:
    seen: Dict[str, str] = {}
    twice = []
    for intent, examples in _nlu_examples().items():
        for example in examples:
            other = seen.setdefault(" ".join(example.lower().split()), intent)
            if other != intent:
                twice.append((example, other, intent))
    assert twice == []


def test_the_lookup_tables_are_generated_from_the_current_vocabulary() -> None:
    assert DEFAULT_OUTPUT.read_text(encoding="utf-8") == current_text(), "run: python -m nlu_components.lookup_tables"
