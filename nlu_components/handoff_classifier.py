"""HandoffClassifier: whether a message needs a person, needs urgent care, or neither, decided by a
classifier of its own.

DIET chooses among some sixty intents, and a message that needs a person can spread its weight over
several of them ("own results", "distress", a leaflet topic) without any winning. This classifier
answers one question instead: it is Rasa's logistic regression trained on the same features, with
every training example labelled by what its intent asks of the bot (its own name for the urgent
intents, `person` for the hand-off intents and asking for a person, `neither` for the rest), the
classes weighted so that the few hand-off examples count as much as the many questions. Counts are
dampened and each message's features scaled to unit length, so that a long story weighs no more
than a short question.

It decides nothing itself: it adds `needs` (each of those labels with its probability) to each
whole message (not to the SentenceSplitter's sentences, whose readings out of context it is not
trusted with), and the MessageComposer gives the hand-off or the urgent advice when they reach its
thresholds (config.yml).
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize

from core.intent_kinds import ASK_PERSON_INTENT, HANDOFF_INTENTS, URGENT_INTENTS
from nlu_components.sentence_splitter import SENTENCE_OF

NEEDS = "needs"
NEITHER, PERSON = "neither", "person"


def need_of(intent: str) -> str:
    """What a training example's intent asks of the bot: the urgent intent itself, a person, or
    neither."""
    if intent in URGENT_INTENTS:
        return intent
    if intent in HANDOFF_INTENTS or intent == ASK_PERSON_INTENT:
        return PERSON
    return NEITHER


def needs_of(message: Message) -> Dict[str, float]:
    """The classifier's probabilities for a message (all 0 when it has none, e.g. no model)."""
    return message.get(NEEDS) or {}


def urgent_probability(message: Message) -> float:
    needs = needs_of(message)
    return sum(needs.get(i, 0.0) for i in URGENT_INTENTS)


def person_probability(message: Message) -> float:
    """The probability that the message needs a person at all (urgent care included)."""
    return needs_of(message).get(PERSON, 0.0) + urgent_probability(message)


def likeliest_urgent(message: Message) -> str:
    needs = needs_of(message)
    return max(URGENT_INTENTS, key=lambda i: needs.get(i, 0.0))


def sentence_features(messages: List[Message]) -> csr_matrix:
    """The messages' sentence features of the text, sparse then dense, one row each: the matrix
    Rasa's LogisticRegressionClassifier builds, stacked per featurizer instead of per message
    (Rasa combines each message's features with copies and stacks of its own: most of this
    classifier's training time)."""
    blocks: List[List[coo_matrix]] = []
    for message in messages:
        mine = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
        blocks.append([coo_matrix(f.features) for f in sorted(mine, key=lambda f: f.is_dense())])
    columns = [vstack(column) for column in zip(*blocks)]
    return hstack(columns, format="csr", dtype=np.float64) if columns else csr_matrix((len(messages), 0))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class HandoffClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[str, object]:
        # More iterations than Rasa's default 100: on some 70,000 sparse features lbfgs needs them
        # to converge.
        return {**LogisticRegressionClassifier.get_default_config(), "max_iter": 1000}

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        features = sentence_features(messages)
        features.data = np.log1p(np.abs(features.data)) * np.sign(features.data)
        return normalize(features)

    def _create_training_matrix(self, training_data: TrainingData) -> Tuple[csr_matrix, List[str]]:
        features, intents = super()._create_training_matrix(training_data)
        return features, [need_of(intent) for intent in intents]

    def process(self, messages: List[Message]) -> List[Message]:
        wholes = [m for m in messages if m.get(SENTENCE_OF) is None]
        if not wholes or not hasattr(self.clf, "classes_"):
            return messages
        probabilities = self.clf.predict_proba(self._create_X(wholes))
        for message, row in zip(wholes, probabilities):
            message.set(NEEDS, {str(c): round(float(p), 4) for c, p in zip(self.clf.classes_, row)}, add_to_output=True)
        return messages
