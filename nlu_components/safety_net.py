"""SafetyNet: a deterministic check that runs after the intent classifier. Messages that match
the patterns in knowledge/safety.yml (thoughts of self-harm, heavy bleeding, fever after a
procedure, asking the bot to decide or diagnose) get that intent whatever the statistical model
thought, so a typo or an unusual phrasing never turns an urgent message into a leaflet answer.

It also weighs the two kinds of mistake unequally: handing someone to the helpline who did not
need it costs a phone number, missing someone who did can cost much more. So hand-off is decided
on its own: when the classifier's confidences in the urgent intents add up to at least
`urgent_floor`, or else those in the hand-off intents to at least `escalation_floor`, the likeliest
of that group wins even if another intent scored higher (a message split between "own results"
and "distress" still needs a person). The urgent floor is higher: urgent-care advice given to
someone asking about their operation frightens, and the rules catch the plain urgent signs. It
also overrides a rule short of urgent (a rule for the person's own symptoms or distress): the
more urgent reading wins, with the classifier's confidence in it.

A rule short of urgent may also rule out urgent readings (`rules_out`): a message saying the
person is safe ("I'm not going to do anything daft, I just feel so alone") or that a wound is
healing ordinarily ("no fever, it's going down each day") is not read as urgent by the
classifiers, unless a rule finds an urgent sign in it.

The patterns are read when the model is loaded, so editing safety.yml needs a restart, not a
retrain. What fired is added to the parse result as `safety_net` (a rule name, or
`escalation_floor`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Pattern, Sequence, Tuple

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from core.intent_kinds import HANDOFF_INTENTS, URGENT_INTENTS
from nlu_components.configured import ConfiguredComponent

# Added to the parse result when the SafetyNet set the intent: the rule's name, or ESCALATION_FLOOR
# (the classifier's weight on the hand-off or urgent intents).
SAFETY_NET = "safety_net"
ESCALATION_FLOOR = "escalation_floor"
# Set (not output) on a message whose urgent sign a rule found in a harmless context, or that a
# rule with `rules_out` matched: the urgent intents that the classifiers' readings may then not
# give it.
CLEARED = "cleared_urgent"
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def normalise(text: str) -> str:
    return " ".join(text.translate(APOSTROPHES).lower().split())


class SafetyRule:
    """`unless` patterns veto the rule; `harmless` ones too, and they also clear the sign for the
    classifiers: an urgent reading of theirs of the same kind does not count ("I fainted once at
    a blood test when I was 19" is not urgent, whatever DIET makes of "fainted"). `rules_out`
    names the urgent intents that a match of a rule short of urgent clears likewise. A rule with
    no intent only rules out: it never decides the message's intent ("my english is not very good
    for the medical things" is not despair, whatever the classifiers make of "not very good", but
    neither is it a request the rule can answer)."""

    def __init__(
        self,
        name: str,
        intent: Optional[str],
        patterns: List[str],
        unless: List[str],
        harmless: List[str],
        rules_out: Sequence[str] = (),
    ) -> None:
        wrong = sorted(set(rules_out) - set(URGENT_INTENTS))
        if wrong:
            raise ValueError(f"safety rule {name}: rules_out names intents that are not urgent: {wrong}")
        if rules_out and intent in URGENT_INTENTS:
            raise ValueError(f"safety rule {name}: an urgent rule cannot rule out urgent readings")
        if intent is None and not rules_out:
            raise ValueError(f"safety rule {name}: a rule without an intent must rule something out")
        self.name = name
        self.intent = intent
        self.patterns: List[Pattern[str]] = [re.compile(p) for p in patterns]
        self.unless: List[Pattern[str]] = [re.compile(p) for p in unless]
        self.harmless: List[Pattern[str]] = [re.compile(p) for p in harmless]
        self.rules_out: FrozenSet[str] = frozenset(rules_out)

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns) and not any(
            u.search(text) for u in (*self.unless, *self.harmless)
        )

    def clears(self, text: str) -> FrozenSet[str]:
        """The urgent intents the classifiers may not give the text: the rule's own, when its sign
        is there in a context known to be harmless; its `rules_out`, when it matches. (The
        harmless patterns first: most rules have none, and their signs were already searched
        for.)"""
        if self.rules_out and self.matches(text):
            return self.rules_out
        harmless = self.intent in URGENT_INTENTS and any(h.search(text) for h in self.harmless)
        return frozenset({self.intent}) if harmless and any(p.search(text) for p in self.patterns) else frozenset()


def load_rules(path: Path) -> List[SafetyRule]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        SafetyRule(
            r["name"],
            r.get("intent"),
            list(r.get("patterns") or []),
            list(r.get("unless") or []),
            list(r.get("harmless") or []),
            list(r.get("rules_out") or []),
        )
        for r in data.get("rules", [])
    ]


def confidences(ranking: List[Dict[str, Any]]) -> Dict[str, float]:
    """An intent ranking as intent -> confidence."""
    return {r.get("name"): r.get("confidence") or 0.0 for r in ranking}


def first_match(rules: List[SafetyRule], normalised: str) -> Optional[SafetyRule]:
    """The first rule with an intent matching a text already `normalise`d."""
    return next((r for r in rules if r.intent is not None and r.matches(normalised)), None)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"rules_file": "knowledge/safety.yml", "urgent_floor": 0.5, "escalation_floor": 0.3}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.rules = load_rules(Path(config["rules_file"]))
        self.floors = (
            (URGENT_INTENTS, float(config["urgent_floor"])),
            (HANDOFF_INTENTS, float(config["escalation_floor"])),
        )

    def _escalation(self, ranking: List[Dict[str, Any]]) -> Tuple[Optional[str], float]:
        """The likeliest intent of the first group (urgent, then hand-off) whose confidences add
        up to at least its floor, and that sum; (None, 0.0) if there is none."""
        scores = confidences(ranking)
        for group, floor in self.floors:
            weight = sum(scores.get(i, 0.0) for i in group)
            if weight >= floor:
                return max(group, key=lambda i: scores.get(i, 0.0)), weight
        return None, 0.0

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            text = normalise(message.get(TEXT) or "")
            rule = first_match(self.rules, text)
            if rule is None or rule.intent not in URGENT_INTENTS:
                cleared = set().union(*(r.clears(text) for r in self.rules))
                if cleared:
                    message.set(CLEARED, sorted(cleared))
                    ranking = [r for r in ranking if r.get("name") not in cleared]
                    if (message.get(INTENT) or {}).get("name") in cleared:
                        # The classifier read the harmless sign as urgent: its next reading instead.
                        top = ranking[0] if ranking else {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 0.0}
                        message.set(INTENT, dict(top), add_to_output=True)
                        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            escalation, weight = self._escalation(ranking)
            confidence = 1.0
            if rule is not None and not (rule.intent not in URGENT_INTENTS and escalation in URGENT_INTENTS):
                intent, reason = rule.intent, rule.name
            else:
                # No rule, or a rule short of urgent where the classifier reads urgent signs: the
                # more urgent reading wins ("my breast is purple and swelling, I'm in tears").
                intent, reason = escalation, ESCALATION_FLOOR
                if rule is not None:
                    # With the classifier's own confidence, not full: a sentence read so out of
                    # context ("i have nobody to ask", self-harm at 0.74) is then not trusted.
                    confidence = min(1.0, weight)
            current = (message.get(INTENT) or {}).get("name")
            if intent is None or (current == intent and rule is None):
                continue
            others = [r for r in ranking if r.get("name") not in (intent, DEFAULT_NLU_FALLBACK_INTENT_NAME)]
            message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}, *others], add_to_output=True)
            message.set(SAFETY_NET, reason, add_to_output=True)
        return messages
