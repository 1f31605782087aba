"""The project's patches of Rasa (rasa_patches): importing the project patches nothing; `apply()`
puts each in place, twice is harmless, and a Rasa version they were not written for, a missing
target or one replaced by something else is refused with an error naming it, before anything is
changed; the patched behaviour (the action server's timeout, the validator built once, the event
classes remembered, tokens' fingerprints); and every patch in place in the running Rasa server."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict, Iterator

import jsonschema
import pytest
import rasa
import rasa.core.actions.action as rasa_actions
import rasa.shared.utils.common
import requests
from jsonschema import ValidationError
from rasa.core.tracker_store import SQLTrackerStore
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.endpoints import EndpointConfig

import rasa_patches
from core.settings import Settings
from rasa_patches import PATCHES, Patch, RasaPatchError
from stack.processes import PROJECT_ROOT, Stack


def targets() -> Dict[str, Any]:
    return {p.name: vars(p.owner).get(p.attribute) for p in PATCHES if isinstance(p, Patch)}


@pytest.fixture(autouse=True)
def rasa_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What each test patches is undone afterwards: every target as it was before."""
    for patch in PATCHES:
        if isinstance(patch, Patch):
            monkeypatch.setattr(patch.owner, patch.attribute, vars(patch.owner)[patch.attribute])
    yield


@pytest.mark.slow  # a new Python process imports every module of the project (12 s)
def test_importing_the_project_patches_nothing() -> None:
    program = (
        "import json, channels.rest_with_metadata, channels.web_widget, conversation_store.tracker_store,"
        " conversation_store.lock_stores, rasa_patches; print(json.dumps(rasa_patches.applied()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {p.name: False for p in PATCHES}


def test_apply_puts_every_patch_in_place_and_applying_twice_is_harmless() -> None:
    rasa_patches.apply()
    assert rasa_patches.applied() == {p.name: True for p in PATCHES}
    rasa_patches.apply()
    assert rasa_patches.applied() == {p.name: True for p in PATCHES}
    assert Event.resolve_by_type("user") is UserUttered
    assert rasa_actions.RemoteAction._validate_action_result(None, {"events": []})


def test_a_rasa_version_the_patches_were_not_written_for_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    before = targets()
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RasaPatchError, match=r"written for Rasa 3\.6\.21, not Rasa 3\.7\.0"):
        rasa_patches.apply()
    assert targets() == before


def test_a_missing_target_is_refused_by_name_and_nothing_is_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    before = targets()
    monkeypatch.delattr(rasa_actions.RemoteAction, "_validate_action_result")
    with pytest.raises(RasaPatchError, match=r"RemoteAction\._validate_action_result is missing in Rasa 3\.6\.21"):
        rasa_patches.apply()
    assert targets() == {**before, "action_result_validator": None}
    assert not any(rasa_patches.applied()[name] for name in before)


def test_a_target_replaced_by_something_else_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(lambda type_name, default=None: default))
    with pytest.raises(RasaPatchError, match=r"Event\.resolve_by_type in Rasa 3\.6\.21 is neither"):
        rasa_patches.apply()


def test_a_timeout_rasa_no_longer_reads_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run(self: Any, *args: Any) -> None:  # a RemoteAction.run with a timeout of its own
        return None

    monkeypatch.setattr(rasa_actions.RemoteAction, "run", run)
    with pytest.raises(RasaPatchError, match=r"DEFAULT_REQUEST_TIMEOUT in Rasa 3\.6\.21 is neither"):
        rasa_patches.apply()


def test_the_tracker_store_overrides_are_checked_against_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    def _additional_events(self: Any, tracker: Any) -> Any:  # Rasa's signature changed
        return iter(())

    monkeypatch.setattr(SQLTrackerStore, "_additional_events", _additional_events)
    with pytest.raises(RasaPatchError, match=r"SQLTrackerStore\._additional_events is missing or does not take"):
        rasa_patches.apply()
    monkeypatch.delattr(SQLTrackerStore, "_retrieve")
    assert rasa_patches.applied()["tracker_store_overrides"] is False


def test_rasa_waits_for_the_action_server_as_long_as_the_setting_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "2.5")
    rasa_patches.apply()
    assert rasa_actions.DEFAULT_REQUEST_TIMEOUT == 2.5
    monkeypatch.delenv("ACTION_TIMEOUT_SECONDS")
    rasa_patches.apply()  # applied again, with the default
    assert Settings.from_env({}).action_timeout_seconds == rasa_actions.DEFAULT_REQUEST_TIMEOUT
    assert rasa_patches.applied()["action_timeout"]


def test_action_server_answers_are_checked_by_a_validator_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rasa_patches.apply()

    def checks_the_schema_again(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("jsonschema.validate called: the schema is checked again")

    monkeypatch.setattr(jsonschema, "validate", checks_the_schema_again)  # what Rasa's own calls
    action = rasa_actions.RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))
    assert action._validate_action_result({"events": [{"event": "slot", "name": "topic", "value": "x"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})
    assert rasa_patches.action_result_validator() is rasa_patches.action_result_validator()


def test_each_event_class_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rasa_patches.apply()
    assert isinstance(Event.from_parameters({"event": "action", "name": "action_listen"}), ActionExecuted)
    assert Event.resolve_by_type("user") is UserUttered
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered

    def walks_the_classes(*args: Any) -> None:
        raise AssertionError("every Event subclass walked again")

    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", walks_the_classes)
    assert Event.resolve_by_type("user") is UserUttered
    assert isinstance(Event.from_parameters({"event": "action", "name": "action_listen"}), ActionExecuted)


def test_tokens_fingerprints_stay_stable_and_tell_tokens_apart_at_least_as_rasas_do() -> None:
    def token(text: str = "clips", start: int = 4, lemma: str = "clip", **data: Any) -> Token:
        return Token(text, start, lemma=lemma, data=data or {"pos": "NOUN"})

    variants = [
        token(),
        token(text="clipz"),
        token(start=5),
        token(lemma="clips"),
        token(pos="VERB"),
        token(pos="NOUN", shape="xxxx"),
        Token("clips", 4, end=10, lemma="clip", data={"pos": "NOUN"}),
        token(pos=None),
        token(pos="None"),
    ]
    rasas = [t.fingerprint() for t in variants]
    unsortable = Token("clips", 4, data={1: "a", "b": 2})
    rasas_unsortable = unsortable.fingerprint()
    rasa_patches.apply()
    ours = [t.fingerprint() for t in variants]
    assert len(set(ours)) == len(variants)
    assert len(set(rasas)) == len(variants) - 1  # Rasa's own takes None for "None"
    assert ours != rasas
    assert token().fingerprint() == ours[0] == token(pos="NOUN").fingerprint()
    # data in the order it was set, and keys JSON cannot sort (Rasa's own fingerprint then)
    assert token(shape="xxxx", pos="NOUN").fingerprint() == ours[5]
    assert unsortable.fingerprint() == rasas_unsortable


def test_the_training_datas_fingerprint_follows_its_tokens() -> None:
    rasa_patches.apply()

    def data(lemma: str) -> TrainingData:
        message = Message.build("my clips", intent="marker_clip")
        message.set("text_tokens", [Token("my", 0, lemma="my"), Token("clips", 3, lemma=lemma)])
        return TrainingData([message])

    assert data("clip").fingerprint() == data("clip").fingerprint()
    assert data("clip").fingerprint() != data("clips").fingerprint()


def test_every_patch_is_in_place_in_the_running_rasa_server(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/patches"
    assert requests.get(url, timeout=10).status_code == 401
    r = requests.get(url, headers={"Authorization": f"Bearer {stack.api_token}"}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json() == {"rasa": rasa.__version__, "patches": {p.name: True for p in PATCHES}}
