"""The HandoffClassifier's labels and readings, in process through its module's public functions
(the trained classifier itself is exercised through the running stack in test_conversation.py)."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from nlu_components.handoff_classifier import (
    NEEDS,
    likeliest_urgent,
    need_of,
    person_probability,
    urgent_probability,
)


def test_training_examples_are_labelled_by_what_they_ask_of_the_bot() -> None:
    assert need_of("urgent_self_harm") == "urgent_self_harm"
    assert need_of("urgent_physical") == "urgent_physical"
    assert {need_of("personal_situation"), need_of("express_distress"), need_of("ask_helpline")} == {"person"}
    assert need_of("ask_marker_clip") == need_of("statement") == need_of("greet") == "neither"


def test_urgent_care_counts_as_needing_a_person() -> None:
    message = Message(data={"text": "x"})
    message.set(NEEDS, {"neither": 0.2, "person": 0.3, "urgent_physical": 0.1, "urgent_self_harm": 0.4})
    assert abs(urgent_probability(message) - 0.5) < 1e-9
    assert abs(person_probability(message) - 0.8) < 1e-9
    assert likeliest_urgent(message) == "urgent_self_harm"


def test_a_message_the_classifier_did_not_read_needs_nothing() -> None:
    message = Message(data={"text": "x"})
    assert person_probability(message) == urgent_probability(message) == 0.0
