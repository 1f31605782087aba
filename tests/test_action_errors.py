"""An unexpected error inside an action gives the patient the polite reply with the helpline and
logs where it happened, never what the patient wrote (in process, from a tracker fixture)."""

from __future__ import annotations

import logging

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.action_answer import ActionAnswer
from tests.helpers.trackers import conversation, user

PATIENT_TEXT = "I'm Jane Doe, 07700 900123, will the clip set off airport alarms?"


@pytest.fixture(autouse=True)
def knowledge_database(knowledge_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_DB_URL", knowledge_db_url)


def test_an_unexpected_error_gets_the_polite_reply_and_a_log_without_the_patients_words(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise KeyError(PATIENT_TEXT)

    monkeypatch.setattr(ActionAnswer, "respond", broken)
    dispatcher = CollectingDispatcher()
    with caplog.at_level(logging.DEBUG):
        events = ActionAnswer().run(
            dispatcher, Tracker.from_dict(conversation(user(PATIENT_TEXT, "ask_marker_clip"))), {}
        )
    assert events == []
    assert [m["topic"] for m in dispatcher.messages] == ["unavailable"]
    assert "0808 800 6000" in dispatcher.messages[0]["text"]
    assert "unexpected KeyError in action_answer" in caplog.text
    assert "Jane" not in caplog.text and "07700" not in caplog.text
