"""Nasty and random input against every channel endpoint of the running bot and the knowledge-base
lookup: each request gets a clear 4xx or a polite reply, the server never fails (no 5xx, still up),
and every message the bot accepted is in the conversation's log."""

from __future__ import annotations

import functools
import json
import time
import uuid
from typing import Any, Callable, Dict, List

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.bot_replies import MAX_MESSAGE_CHARS, clean_text
from channels.registry import messaging_apps
from core.knowledge.repository import KnowledgeRepository
from stack.processes import Stack
from tests.helpers.fake_platform import FakePlatform
from tests.helpers.platform_webhooks import APP_SHAPES, AppShape, Webhooks, next_id

ONE_MB = 1024 * 1024
NASTY_TEXTS = [
    "",
    " \n\t  ",
    "x" * ONE_MB,
    "\x00\x01\x07\x1b[31m null and escape \x7f",
    "😀🙏🏽👩‍👩‍👧 emoji only 🎗️",
    "هل التكلسات في الثدي سرطان؟ \u202eright-to-left\u202c",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "'; DROP TABLE events; -- OR 1=1",
    "{{7*7}} ${jndi:ldap://x} %s%n",
    "lone surrogate \udfff in the middle",  # not encodable as UTF-8: sent as a JSON escape
]
WRONG_BODIES: List[Any] = [[], "text", 7, None, {"message": 5}, {"message": ["a"]}, {"sender": {}}, {}]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _json_bytes(value: Any) -> bytes:
    # surrogates cannot be UTF-8 encoded: they go as JSON escapes, which a server must survive
    return json.dumps(value, ensure_ascii=True).encode()


def polite(response: requests.Response) -> bool:
    """200 with replies that each have text and a topic, or a 4xx with an error message."""
    if 400 <= response.status_code < 500:
        body = response.json()
        return bool(body.get("error") or body.get("messages"))
    if response.status_code != 200:
        return False
    body = response.json()
    replies = body["messages"] if isinstance(body, dict) and "messages" in body else body
    return (
        isinstance(replies, list) and bool(replies) and all(r.get("text") and r["metadata"]["topic"] for r in replies)
    )


def stored_by_the_bot(text: str) -> bool:
    """Whether the bot processes (and so stores) this text rather than answering it at the door."""
    cleaned = clean_text(text)
    return bool(cleaned.strip()) and len(cleaned) <= MAX_MESSAGE_CHARS


class RestPatient:
    def __init__(self, stack: Stack) -> None:
        self.url = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.stack = stack
        self.sender = f"fuzz-{uuid.uuid4().hex}"
        self.accepted = 0

    def post_raw(self, body: bytes) -> requests.Response:
        return requests.post(self.url, data=body, headers={"Content-Type": "application/json"}, timeout=60)

    def say(self, text: str) -> requests.Response:
        r = self.post_raw(_json_bytes({"sender": self.sender, "message": text}))
        if r.status_code == 200 and stored_by_the_bot(text):
            self.accepted += 1
        return r

    def stored_user_messages(self) -> int:
        r = requests.get(
            f"{self.stack.rasa_url}/conversations/{self.sender}/tracker",
            params={"token": self.stack.api_token},
            timeout=30,
        )
        return sum(1 for e in r.json()["events"] if e["event"] == "user")


def assert_still_up(stack: Stack) -> None:
    assert requests.get(f"{stack.rasa_url}/webhooks/rest/", timeout=10).status_code == 200
    assert stack.processes["rasa"].poll() is None


# --- REST --------------------------------------------------------------------------------------


def test_rest_nasty_texts_get_polite_replies_and_are_all_logged(stack: Stack) -> None:
    patient = RestPatient(stack)
    for text in NASTY_TEXTS:
        r = patient.say(text)
        assert polite(r), (text[:80], r.status_code, r.text[:300])
    assert patient.stored_user_messages() == patient.accepted
    assert_still_up(stack)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\xfa not utf-8",
        b'{"sender": "a", "message": "\xff\xfe"}',
        b"[" * 10_000,
        b"{" + b" " * ONE_MB + b"}",
        *[_json_bytes(b) for b in WRONG_BODIES],
    ],
)
def test_rest_broken_bodies_get_a_clear_4xx_or_a_polite_reply(stack: Stack, body: bytes) -> None:
    r = RestPatient(stack).post_raw(body)
    assert polite(r), (body[:80], r.status_code, r.text[:300])
    assert_still_up(stack)


@SETTINGS
@given(text=st.text(max_size=300))
def test_rest_any_text(stack: Stack, text: str) -> None:
    patient = RestPatient(stack)
    r = patient.say(text)
    assert polite(r), (text, r.status_code, r.text[:300])
    assert patient.stored_user_messages() == patient.accepted


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)


@SETTINGS
@given(
    body=st.dictionaries(st.sampled_from(["sender", "message", "metadata", "other"]), JSON_VALUES, max_size=4)
    | JSON_VALUES
)
def test_rest_any_json(stack: Stack, body: Any) -> None:
    r = RestPatient(stack).post_raw(_json_bytes(body))
    assert polite(r), (body, r.status_code, r.text[:300])


# --- the web widget ----------------------------------------------------------------------------


class WidgetPatient:
    def __init__(self, stack: Stack) -> None:
        self.base = f"{stack.rasa_url}/webhooks/widget"
        self.http = requests.Session()
        self.token = self.http.post(f"{self.base}/session", json={}, timeout=30).json()["session"]

    def post_raw(self, body: bytes) -> requests.Response:
        return self.http.post(
            f"{self.base}/message",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            timeout=60,
        )


def test_widget_nasty_texts_and_broken_bodies(stack: Stack) -> None:
    for text in [t for t in NASTY_TEXTS if len(t) < 10_000]:
        patient = WidgetPatient(stack)  # a session each: the widget limits messages per minute
        r = patient.post_raw(_json_bytes({"message": text, "id": uuid.uuid4().hex}))
        assert polite(r), (text, r.status_code, r.text[:300])
    patient = WidgetPatient(stack)
    for body in [b"", b"\xff\xfe", b"x" * ONE_MB, *[_json_bytes(b) for b in WRONG_BODIES]]:
        r = patient.post_raw(body)
        assert polite(r), (body[:80], r.status_code, r.text[:300])
    for route, method in (("session", "POST"), ("history", "GET")):
        r = patient.http.request(method, f"{patient.base}/{route}", data=b"\xff" * 100, timeout=30)
        assert r.status_code < 500, (route, r.status_code)
    assert_still_up(stack)


@SETTINGS
@given(body=JSON_VALUES, text=st.text(max_size=200))
def test_widget_any_input(stack: Stack, body: Any, text: str) -> None:
    patient = WidgetPatient(stack)
    for payload in (body, {"message": text, "id": uuid.uuid4().hex}, {"message": text, "title": body}):
        r = patient.post_raw(_json_bytes(payload))
        assert polite(r), (payload, r.status_code, r.text[:300])


# --- the messaging apps: signed as the platforms sign, then anything in the payload --------------


def _platform_posts(hooks: Webhooks, text: Any) -> Dict[str, Callable[[], requests.Response]]:
    """Each app's webhook with `text` from a new patient, signed as the app signs it."""

    def post(shape: AppShape) -> requests.Response:
        return shape.send(hooks, shape.message(hooks, *shape.identity(next_id()), text, ""))

    return {app: functools.partial(post, APP_SHAPES[app]) for app in messaging_apps()}


def test_messaging_apps_take_nasty_texts_and_answer_them(stack: Stack, fake_platform: FakePlatform) -> None:
    hooks = Webhooks(stack.rasa_url)
    for text in [t for t in NASTY_TEXTS if len(t) < 1000] + [5, None, ["x"], {"a": 1}]:
        for channel, post in _platform_posts(hooks, text).items():
            r = post()
            assert r.status_code in (200, 400), (channel, text, r.status_code, r.text[:200])
    chat_id = next_id()
    before = len(fake_platform.calls)
    assert hooks.telegram(hooks.telegram_message(chat_id, "\x00<b>😀</b>\u202e")).status_code == 200
    fake_platform.wait_for(lambda: [c for c in fake_platform.calls[before:] if c.recipient == str(chat_id)])
    assert_still_up(stack)


@pytest.mark.parametrize("channel", messaging_apps())
def test_messaging_webhooks_refuse_broken_bodies(stack: Stack, channel: str) -> None:
    hooks = Webhooks(stack.rasa_url)
    for body in [b"", b"\xff\xfe", b"{" * 5000, b"x" * ONE_MB, *[_json_bytes(b) for b in WRONG_BODIES]]:
        r = APP_SHAPES[channel].send_raw(hooks, body)
        assert 200 <= r.status_code < 500, (channel, body[:40], r.status_code, r.text[:200])
    assert_still_up(stack)


@SETTINGS
@given(text=st.text(max_size=200))
def test_messaging_apps_any_text(stack: Stack, text: str) -> None:
    hooks = Webhooks(stack.rasa_url)
    for channel, post in _platform_posts(hooks, text).items():
        r = post()
        assert r.status_code == 200, (channel, text, r.status_code, r.text[:200])


# --- the knowledge-base lookup -------------------------------------------------------------------


@SETTINGS
@given(words=st.lists(st.text(max_size=50), max_size=5))
def test_knowledge_lookup_takes_any_words(knowledge_db_url: str, words: List[str]) -> None:
    with KnowledgeRepository(knowledge_db_url) as kb:
        assert isinstance(kb.concepts_for(words), list)
        for word in words:
            assert kb.entry(word) is None or kb.entry(word).id == word
            assert isinstance(kb.topic_entries(word), list)
            kb.intent(word)


def test_the_server_is_still_up_after_the_fuzzing(stack: Stack) -> None:
    time.sleep(1)
    assert_still_up(stack)
    r = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"after-{uuid.uuid4().hex}", "message": "will the clip set off airport alarms?"},
        timeout=60,
    )
    assert r.json()[-1]["metadata"]["topic"].startswith("marker_clip")
