"""The messaging channels through the real stack: signed webhooks posted over HTTP as each
platform sends them, the replies caught by the fake platform API on 127.0.0.1, and the tracker
store (SQLite) read directly to see what was, and was not, stored."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Callable, Dict, List

import pytest
import requests

from channels.registry import messaging_apps
from stack.processes import Stack, is_channel_on
from tests.helpers.fake_platform import Call, FakePlatform
from tests.helpers.platform_webhooks import (
    API_TIMEOUT_SECONDS,
    APP_SHAPES,
    MESSENGER_VERIFY_TOKEN,
    SMS_NUMBER,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    WHATSAPP_NUMBER,
    Webhooks,
    conversation_id,
    next_id,
)

QUESTION = "do calcium tablets cause calcifications?"
HAND_OFF = "can I speak to a real person please"
HELPLINE = "0808 800 6000"
SALES_LINE_DIGITS = "8778800170"


@pytest.fixture(scope="module")
def webhooks(stack: Stack) -> Webhooks:
    return Webhooks(stack.rasa_url)


def stored(stack: Stack, sender: str) -> List[Dict[str, Any]]:
    """The events the tracker store holds for a conversation."""
    with sqlite3.connect(stack.tracker_db) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [{"type": kind, **json.loads(data)} for kind, data in rows]


def user_events(stack: Stack, sender: str) -> List[Dict[str, Any]]:
    return [e for e in stored(stack, sender) if e["type"] == "user"]


def last_intent(stack: Stack, sender: str) -> str:
    return user_events(stack, sender)[-1]["parse_data"]["intent"]["name"]


def texts(calls: List[Call]) -> str:
    return "\n".join(c.text for c in calls)


# --- one patient message per channel, and what the patient receives --------------------------


class Patient:
    """A patient on one channel: sends a message, and reads what the platform was asked to show."""

    def __init__(self, channel: str, webhooks: Webhooks, platform: FakePlatform) -> None:
        self.channel = channel
        self.webhooks = webhooks
        self.platform = platform
        self.app = APP_SHAPES[channel]
        self.user, self.address = self.app.identity(next_id())
        self.method = self.app.reply_method

    @property
    def conversation(self) -> str:
        return conversation_id(self.channel, self.user)

    def request(self, text: str, message_id: str = "") -> Any:
        """The platform's webhook body for one text message."""
        return self.app.message(self.webhooks, self.user, self.address, text, message_id)

    def post(self, body: Any, **signing: Any) -> requests.Response:
        return self.app.send(self.webhooks, body, **signing)

    def received(self) -> List[Call]:
        return self.platform.calls_to(self.address, self.method)

    def say(self, text: str, message_id: str = "", replies: int = 1) -> List[Call]:
        """Sends `text`; the calls made for this patient once at least `replies` more arrived."""
        before = len(self.received())
        r = self.post(self.request(text, message_id))
        assert r.status_code == 200, r.text
        return self.platform.replies_to(self.address, self.method, count=before + replies)[before:]


CHANNELS = messaging_apps()


@pytest.fixture
def patient_on(webhooks: Webhooks, fake_platform: FakePlatform) -> Callable[[str], Patient]:
    return lambda channel: Patient(channel, webhooks, fake_platform)


def test_every_channel_is_on_with_the_test_secrets(stack: Stack) -> None:
    assert [c for c in CHANNELS if is_channel_on(stack.rasa_url, c)] == CHANNELS


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_answer_reaches_the_patient_with_its_citation(
    channel: str, patient_on: Callable[[str], Patient], stack: Stack
) -> None:
    patient = patient_on(channel)
    received = texts(patient.say(QUESTION, replies=1))
    assert "From: " in received  # the citation, as plain text
    assert "*" not in received  # no markdown marks on apps that show them as they are
    assert last_intent(stack, patient.conversation) != "nlu_fallback"


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_hand_off_gives_the_helpline_number_in_full(channel: str, patient_on: Callable[[str], Patient]) -> None:
    received = texts(patient_on(channel).say(HAND_OFF))
    assert HELPLINE in received
    assert SALES_LINE_DIGITS not in received.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_conversation_records_its_channel_and_never_the_platform_id(
    channel: str, patient_on: Callable[[str], Patient], stack: Stack
) -> None:
    patient = patient_on(channel)
    patient.say(QUESTION)
    users = user_events(stack, patient.conversation)
    assert [u["input_channel"] for u in users] == [channel]
    assert users[0]["metadata"]["channel"] == channel
    digits = patient.user.split("+")[-1]
    with sqlite3.connect(stack.tracker_db) as db:
        leaks = db.execute(
            "SELECT count(*) FROM events WHERE sender_id LIKE ? OR data LIKE ?", (f"%{digits}%", f"%{digits}%")
        ).fetchone()[0]
    assert leaks == 0


# --- buttons, per platform ---------------------------------------------------------------------


def test_telegram_buttons_are_an_inline_keyboard_that_works(
    patient_on: Callable[[str], Patient], webhooks: Webhooks, fake_platform: FakePlatform, stack: Stack
) -> None:
    patient = patient_on("telegram")
    sent = patient.say(QUESTION, replies=2)
    assert sent[0].path == f"/telegram/bot{TELEGRAM_TOKEN}/sendMessage"
    keyboard = sent[0].body["reply_markup"]["inline_keyboard"]
    assert keyboard and all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)
    assert sent[-1].body["text"] == "Was this helpful?"
    assert [row[0]["text"] for row in sent[-1].body["reply_markup"]["inline_keyboard"]] == ["Yes, it helped", "No"]

    click = webhooks.telegram_button(int(patient.user), keyboard[0][0]["callback_data"])
    before = len(patient.received())
    assert webhooks.telegram(click).status_code == 200
    fake_platform.wait_for(lambda: patient.received()[before:])
    query = click["callback_query"]["id"]
    fake_platform.wait_for(
        lambda: [c for c in fake_platform.calls if c.body.get("callback_query_id") == query]
    )  # the spinner on the button is stopped
    assert last_intent(stack, patient.conversation) == "choose_entry"


def test_telegram_registers_its_webhook_with_the_secret_token(fake_platform: FakePlatform, stack: Stack) -> None:
    calls = fake_platform.wait_for(lambda: [c for c in fake_platform.calls if c.method == "setWebhook"])
    assert calls[0].body["secret_token"] == TELEGRAM_SECRET
    assert calls[0].body["url"] == f"{stack.rasa_url}/webhooks/telegram/webhook"


def test_telegram_old_button_and_photo_get_a_polite_reply(
    patient_on: Callable[[str], Patient], webhooks: Webhooks
) -> None:
    patient = patient_on("telegram")
    before = len(patient.received())
    webhooks.telegram(webhooks.telegram_button(int(patient.user), "opt:0000000000000000"))
    photo = webhooks.telegram_message(int(patient.user), "")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "x", "width": 1, "height": 1}]
    webhooks.telegram(photo)
    replies = patient.platform.replies_to(patient.address, patient.method, count=before + 2)[before:]
    assert any("no longer works" in c.text for c in replies)
    assert any("only read written messages" in c.text for c in replies)


def test_slack_buttons_are_slack_buttons_that_work(
    patient_on: Callable[[str], Patient], webhooks: Webhooks, fake_platform: FakePlatform, stack: Stack
) -> None:
    patient = patient_on("slack")
    sent = patient.say(QUESTION, replies=2)
    assert sent[0].headers.get("Authorization") == "Bearer xoxb-test-slack-token"
    actions = [b for b in sent[0].body["blocks"] if b["type"] == "actions"]
    buttons = actions[0]["elements"]
    assert buttons and all(b["type"] == "button" for b in buttons)
    before = len(patient.received())
    click = webhooks.slack_click(patient.user, patient.address, buttons[0]["value"])
    assert webhooks.slack(click, content_type="application/x-www-form-urlencoded").status_code == 200
    fake_platform.wait_for(lambda: patient.received()[before:])
    assert last_intent(stack, patient.conversation) == "choose_entry"


def test_slack_url_verification_is_answered_and_bot_messages_are_ignored(
    webhooks: Webhooks, fake_platform: FakePlatform, stack: Stack
) -> None:
    r = webhooks.slack({"type": "url_verification", "challenge": "c-123", "token": "x"})
    assert r.status_code == 200 and r.json() == {"challenge": "c-123"}
    echo = webhooks.slack_message("UBOT", "D-echo", "an answer the bot sent")
    echo["event"]["bot_id"] = "B1"
    assert webhooks.slack(echo).status_code == 200
    assert stored(stack, conversation_id("slack", "UBOT")) == []


def test_messenger_numbers_options_and_understands_number_replies(
    patient_on: Callable[[str], Patient], stack: Stack
) -> None:
    patient = patient_on("messenger")
    sent = patient.say(QUESTION, replies=2)
    assert "Reply 1 for " in sent[0].text
    quick = sent[-1].body["message"]["quick_replies"]
    assert quick and all(len(q["title"]) <= 20 for q in quick)
    assert all("quick_replies" not in c.body["message"] for c in sent[:-1])
    assert quick[0]["title"].startswith("1. ")
    patient.say("1")
    assert last_intent(stack, patient.conversation) == "choose_entry"


def test_messenger_quick_replies_carry_their_payload(
    patient_on: Callable[[str], Patient], webhooks: Webhooks, stack: Stack
) -> None:
    patient = patient_on("messenger")
    quick = patient.say(QUESTION, replies=2)[-1].body["message"]["quick_replies"]
    helpful = next(q for q in quick if "Yes" in q["title"])
    before = len(patient.received())
    webhooks.messenger(webhooks.messenger_message(patient.user, helpful["title"], quick_reply=helpful["payload"]))
    patient.platform.wait_for(lambda: patient.received()[before:])
    assert last_intent(stack, patient.conversation) == "feedback_helpful"


def test_messenger_webhook_handshake(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/messenger/webhook"
    ok = {"hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY_TOKEN, "hub.challenge": "4242"}
    assert requests.get(url, params=ok, timeout=10).text == "4242"
    wrong = {**ok, "hub.verify_token": "guess"}
    assert requests.get(url, params=wrong, timeout=10).status_code == 403


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_sms_and_whatsapp_send_one_text_with_numbered_options(
    channel: str, patient_on: Callable[[str], Patient], stack: Stack
) -> None:
    patient = patient_on(channel)
    sent = patient.say(QUESTION)
    body = sent[0].body
    assert sent[0].path == f"/twilio/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert body["From"] == (SMS_NUMBER if channel == "sms" else WHATSAPP_NUMBER)
    assert body["To"] == patient.address
    assert len(body["Body"]) <= 1600
    assert "From: " in body["Body"] and "Reply 1 for " in body["Body"]
    assert "Was this helpful?" in body["Body"]  # the whole turn in one text
    assert sent[0].headers["Authorization"].startswith("Basic ")
    options = [line for line in body["Body"].splitlines() if line.startswith("Reply ")]
    helpful = next(line for line in options if "Yes, it helped" in line)
    patient.say(helpful.split()[1])  # "Reply 4 for Yes, it helped" -> "4"
    assert last_intent(stack, patient.conversation) == "feedback_helpful"


# --- refusals: nothing from an unverified or malformed request is stored -----------------------


def nearly_right(patient: Patient) -> Any:
    """A body from this patient, signed, but not what the platform sends."""
    body = patient.request(QUESTION)
    patient.app.not_as_sent(body)
    return body


@pytest.mark.parametrize("channel", CHANNELS)
def test_unsigned_and_wrongly_signed_webhooks_are_refused_and_store_nothing(
    channel: str, patient_on: Callable[[str], Patient], stack: Stack
) -> None:
    patient = patient_on(channel)
    assert patient.post(patient.request(QUESTION), **APP_SHAPES[channel].unsigned).status_code == 401
    assert patient.post(patient.request(QUESTION), **APP_SHAPES[channel].wrongly_signed).status_code == 403
    assert stored(stack, patient.conversation) == []
    assert patient.received() == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_malformed_signed_webhooks_get_400_and_store_nothing(
    channel: str, patient_on: Callable[[str], Patient], stack: Stack
) -> None:
    patient = patient_on(channel)
    r = patient.post(nearly_right(patient))
    assert r.status_code == 400 and r.json()["error"]
    if APP_SHAPES[channel].takes_json:
        assert patient.post(b"{not json").status_code == 400
    time.sleep(1)
    assert stored(stack, patient.conversation) == []
    assert patient.received() == []


def test_slack_replay_outside_the_five_minute_window_is_refused(
    patient_on: Callable[[str], Patient], webhooks: Webhooks, stack: Stack
) -> None:
    patient = patient_on("slack")
    old = int(time.time()) - 6 * 60
    assert webhooks.slack(patient.request(QUESTION), timestamp=old).status_code == 403
    assert stored(stack, patient.conversation) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_repeated_delivery_is_answered_once(
    channel: str, patient_on: Callable[[str], Patient], fake_platform: FakePlatform, stack: Stack
) -> None:
    patient = patient_on(channel)
    message_id = str(next_id()) if channel == "telegram" else f"dup-{next_id()}"
    body = patient.request(QUESTION, message_id)
    assert patient.post(body).status_code == 200
    answered = len(patient.platform.replies_to(patient.address, patient.method, settle=1.5))
    for _ in range(2):  # the platform's retries, identical
        assert patient.post(body).status_code == 200
    time.sleep(2)
    assert len(patient.received()) == answered
    assert len(user_events(stack, patient.conversation)) == 1


# --- a platform that fails -----------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["error", "timeout"])
def test_a_failing_platform_loses_nothing_and_the_bot_keeps_answering(
    failure: str, patient_on: Callable[[str], Patient], fake_platform: FakePlatform, stack: Stack
) -> None:
    patient = patient_on("sms")
    if failure == "error":
        fake_platform.fail_for(patient.address, 500)
    else:
        fake_platform.slow_for(patient.address, API_TIMEOUT_SECONDS + 3)
    assert patient.post(patient.request(QUESTION)).status_code == 200
    fake_platform.wait_for(patient.received, count=2, seconds=30)  # tried, then tried once more
    users = user_events(stack, patient.conversation)
    assert [u["text"] for u in users] == [QUESTION]  # the patient's message is in the log
    assert any(e["type"] == "bot" and "From: " in e["text"] for e in stored(stack, patient.conversation))
    assert "From: " in texts(patient_on("telegram").say(QUESTION))  # and the server still answers
