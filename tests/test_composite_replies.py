"""A general question together with the person's own situation: the answer, then the hand-off,
in one turn. The actions run in process from tracker fixtures (Tracker.from_dict and a
CollectingDispatcher), on a knowledge database built for the test."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.action_answer import ActionAnswer
from tests.helpers.trackers import conversation, entity, user


@pytest.fixture(autouse=True)
def knowledge_database(knowledge_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_DB_URL", knowledge_db_url)


def answer(parse: Dict[str, Any]) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    ActionAnswer().run(dispatcher, Tracker.from_dict(conversation(parse)), {})
    return dispatcher.messages


def with_handoff(parse: Dict[str, Any], intent: str) -> Dict[str, Any]:
    parse["parse_data"]["handoff"] = {"intent": intent}
    return parse


def test_the_answer_comes_first_then_the_hand_off() -> None:
    text = "mine came back as B3 - what is a vacuum biopsy like?"
    parse = user(text, "ask_vacuum_biopsy", [entity("procedure", "vacuum biopsy")])
    replies = answer(with_handoff(parse, "personal_situation"))
    topics = [r["topic"] for r in replies]
    assert topics[0].startswith("vacuum_biopsy")
    assert topics[-1] == "helpline.personal"
    assert "0808 800 6000" in replies[-1]["text"]


def test_distress_beside_a_question_gets_the_distress_hand_off() -> None:
    parse = user(
        "I can't stop crying. does the core biopsy hurt?", "ask_feel_pain", [entity("procedure", "core biopsy")]
    )
    topics = [r["topic"] for r in answer(with_handoff(parse, "express_distress"))]
    assert topics[0] == "core_biopsy.anaesthetic" and topics[-1] == "helpline.distress"


def test_asking_for_a_person_beside_a_question_adds_the_helpline_entry() -> None:
    parse = user("is there a real person I can ring? also what is a marker clip", "ask_marker_clip")
    replies = answer(with_handoff(parse, "ask_helpline"))
    assert replies[0]["topic"] == "marker_clip" and replies[-1]["topic"] == "helpline"
    assert replies[-1]["sources"]


def test_without_a_hand_off_only_the_answer_is_given() -> None:
    topics = [r["topic"] for r in answer(user("what is a vacuum biopsy?", "ask_vacuum_biopsy"))]
    assert topics and all(t.startswith("vacuum_biopsy") for t in topics)
