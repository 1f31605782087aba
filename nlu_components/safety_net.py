"""SafetyNet: a deterministic check that runs after the intent classifier. Messages that match
the patterns in knowledge/safety.yml (thoughts of self-harm, heavy bleeding, fever after a
procedure, asking the bot to decide or diagnose) get that intent whatever the statistical model
thought, so a typo or an unusual phrasing never turns an urgent message into a leaflet answer.

The patterns are read when the model is loaded, so editing safety.yml needs a restart, not a
retrain. The rule that fired is added to the parse result as `safety_net`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Pattern

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def normalise(text: str) -> str:
    return " ".join(text.translate(APOSTROPHES).lower().split())


class SafetyRule:
    def __init__(self, name: str, intent: str, patterns: List[str], unless: List[str]) -> None:
        self.name = name
        self.intent = intent
        self.patterns: List[Pattern[str]] = [re.compile(p) for p in patterns]
        self.unless: List[Pattern[str]] = [re.compile(p) for p in unless]

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns) and not any(u.search(text) for u in self.unless)


def load_rules(path: Path) -> List[SafetyRule]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        SafetyRule(r["name"], r["intent"], list(r.get("patterns") or []), list(r.get("unless") or []))
        for r in data.get("rules", [])
    ]


def first_match(rules: List[SafetyRule], text: str) -> Optional[SafetyRule]:
    normalised = normalise(text)
    return next((r for r in rules if r.matches(normalised)), None)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"rules_file": "knowledge/safety.yml"}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.rules = load_rules(Path(config["rules_file"]))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNet:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            rule = first_match(self.rules, message.get(TEXT) or "")
            if rule is None:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            others = [r for r in ranking if r.get("name") not in (rule.intent, "nlu_fallback")]
            message.set(INTENT, {"name": rule.intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": rule.intent, "confidence": 1.0}, *others], add_to_output=True)
            message.set("safety_net", rule.name, add_to_output=True)
        return messages
