"""The HandoffClassifier's labels and readings, in process through its module's public functions
(the trained classifier itself is exercised through the running stack in test_conversation.py)."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from nlu_components.handoff_classifier import (
    NEEDS,
    likeliest_urgent,
    need_of,
    person_probability,
    sentence_features,
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


def featurized(seed: int) -> Message:
    """A message with the kinds of features the pipeline gives: two sparse featurizers' sentence
    and sequence features, a dense sentence feature, and a feature of another attribute."""
    rng = np.random.default_rng(seed)
    message = Message(data={"text": "x"})
    for origin, width in (("words", 7), ("chars", 11)):
        row = scipy.sparse.random(1, width, density=0.4, format="coo", random_state=seed)
        message.add_features(Features(row, FEATURE_TYPE_SENTENCE, TEXT, origin))
        tokens = scipy.sparse.random(3, width, density=0.4, format="coo", random_state=seed)
        message.add_features(Features(tokens, FEATURE_TYPE_SEQUENCE, TEXT, origin))
    message.add_features(Features(rng.random((1, 4)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    label = scipy.sparse.random(1, 5, density=1.0, format="coo", random_state=seed)
    message.add_features(Features(label, FEATURE_TYPE_SENTENCE, "intent", "words"))
    return message


def test_the_feature_matrix_is_the_one_rasas_logistic_regression_builds() -> None:
    messages = [featurized(seed) for seed in range(6)]
    rasas = LogisticRegressionClassifier._create_X(None, messages)  # type: ignore[arg-type]
    ours = sentence_features(messages)
    assert ours.shape == rasas.shape == (6, 7 + 11 + 4)
    assert np.allclose(ours.toarray(), rasas.toarray())
