"""Runs a custom action in process, as the action server would, on a tracker built from events
(tests/helpers/trackers.py), and gives what the patient would receive and the events returned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.helpers.trackers import conversation


@dataclass(frozen=True)
class ActionRun:
    messages: List[Dict[str, Any]]  # what the dispatcher collected: text, buttons and metadata
    events: List[Dict[str, Any]]

    @property
    def topics(self) -> List[str]:
        return [m["topic"] for m in self.messages]

    @property
    def texts(self) -> List[str]:
        return [m["text"] for m in self.messages]

    @property
    def slots(self) -> Dict[str, Any]:
        """The slots the action set, in the order set."""
        return {e["name"]: e["value"] for e in self.events if e["event"] == "slot"}


def run_action(action: Action, *events: Dict[str, Any]) -> ActionRun:
    """`action` run on the conversation made of `events` (the last user event is the message)."""
    dispatcher = CollectingDispatcher()
    returned = action.run(dispatcher, Tracker.from_dict(conversation(*events)), {})
    return ActionRun(messages=dispatcher.messages, events=list(returned))


@pytest.fixture
def knowledge_database(knowledge_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The actions read the test's knowledge database (built once per run, tests/conftest.py)."""
    monkeypatch.setenv("KNOWLEDGE_DB_URL", knowledge_db_url)
    return knowledge_db_url
