"""The questions the knowledge base answers, given to Rasa's training from `knowledge/intents.yml`
instead of being listed again by hand: each answer intent (and each contextual one, "tell me
more") becomes an intent of the domain and a branch of the rule that answers it with
`action_answer`. config.yml names this importer instead of Rasa's own file importer (which it
extends), so `rasa train`, `rasa data validate` and the cross-validation read the same domain and
rules. Rasa leaves out an importer it cannot load with only a warning: tests/test_training_data.py
checks through Rasa's own loading that the knowledge base's questions are in the domain and rules."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.rasa import RasaFileImporter

from core.intent_kinds import knowledge_intents

ANSWER_ACTION = "action_answer"
RULE_NAME = "answer a question from the knowledge base"


def answer_rule(intents: List[str]) -> Dict[str, Any]:
    return {
        "version": "3.1",
        "rules": [{"rule": RULE_NAME, "steps": [{"or": [{"intent": i} for i in intents]}, {"action": ANSWER_ACTION}]}],
    }


class KnowledgeImporter(RasaFileImporter):
    """Rasa's own importer of the data files, with the knowledge base's questions added."""

    def __init__(
        self,
        config_file: Optional[str] = None,
        domain_path: Optional[str] = None,
        training_data_paths: Optional[Union[List[str], str]] = None,
    ) -> None:
        super().__init__(config_file, domain_path, training_data_paths)
        self._intents = knowledge_intents()

    def get_domain(self) -> Domain:
        return super().get_domain().merge(Domain.from_dict({"intents": self._intents}))

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        rule = YAMLStoryReader(self.get_domain()).read_from_string(yaml.safe_dump(answer_rule(self._intents)))
        return super().get_stories(exclusion_percentage).merge(StoryGraph(rule))
