"""The messaging apps' webhooks (channels/messaging/) in process: each channel made from
credentials.yml's class with the test secrets, served as Rasa serves it with a played bot
(tests/helpers/channel_server.py), its platform API replaced by a recorder. Signed requests are
built by tests/helpers/platform_webhooks.py. The same through the running stack and a fake platform:
tests/test_messaging_channels.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest

from channels.registry import channel_class, messaging_apps
from tests.helpers.channel_server import ANSWER_TURN, ChannelServer, PlayedBot, Reply
from tests.helpers.fake_platform import Call
from tests.helpers.in_process_webhooks import REGISTRATION, AppPatient, messaging_channel, turn_messaging_channels_on
from tests.helpers.platform_webhooks import (
    APP_SHAPES,
    MESSENGER_VERIFY_TOKEN,
    SMS_NUMBER,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    WHATSAPP_NUMBER,
)
from tests.helpers.unanswered import keep_unanswered_in, unanswered

APPS = messaging_apps()
QUESTION = "will the clip set off airport alarms?"
HELPLINE = "0808 800 6000"
HELPLINE_METADATA = {"name": "the breast cancer Helpline", "number": HELPLINE, "tel": "+448088006000"}
OPTIONS = [b for message in ANSWER_TURN for b in message["buttons"]]  # as numbered across the turn


@pytest.fixture(autouse=True)
def channels_on(monkeypatch: pytest.MonkeyPatch) -> None:
    turn_messaging_channels_on(monkeypatch)


@pytest.fixture
def patient_on() -> Iterator[Callable[..., AppPatient]]:
    """A patient on an app, writing to the app's channel served for the test (with its own bot)."""
    servers: List[ChannelServer] = []

    def on(app: str, bot: Any = None) -> AppPatient:
        server = ChannelServer([messaging_channel(app)], bot or PlayedBot())
        servers.append(server.__enter__())
        return AppPatient(app, server)

    yield on
    for server in servers:
        server.__exit__(None, None, None)


def texts(calls: List[Call]) -> str:
    return "\n".join(c.text for c in calls)


# --- a message and its answer --------------------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
def test_a_message_is_acknowledged_and_answered_with_its_citation(
    app: str, patient_on: Callable[..., AppPatient]
) -> None:
    patient = patient_on(app)
    message_id = APP_SHAPES[app].new_message_id()
    r = patient.post(patient.request(QUESTION, message_id))
    assert r.status_code == 200 and APP_SHAPES[app].acknowledged(r)
    patient.server.settle()
    (message,) = patient.bot.received
    assert message.text == QUESTION and message.input_channel == app
    assert message.sender_id == patient.conversation and patient.user not in message.sender_id
    assert message.metadata == {"channel": app, "platform_message_id": message_id}
    sent = patient.sent()
    assert sent and all(c.recipient == patient.address for c in sent)
    assert "From: Breast calcifications, patient leaflet reviewed April 2016" in texts(sent)
    assert "*" not in texts(sent)  # no markdown marks on apps that show them as they are
    assert "Was this helpful?" in texts(sent)


@pytest.mark.parametrize("app", APPS)
def test_a_hand_off_gives_the_helpline_number_in_full(app: str, patient_on: Callable[..., AppPatient]) -> None:
    hand_off: List[Reply] = [
        {"text": "I can't advise on your own results.", "topic": "helpline.personal", "helpline": HELPLINE_METADATA}
    ]
    patient = patient_on(app, PlayedBot(answer=lambda _: hand_off))
    received = texts(patient.say("my report says B4, is it cancer?"))
    assert "I can't advise on your own results." in received
    assert f"call the breast cancer Helpline on {HELPLINE}" in received


@pytest.mark.parametrize("app", APPS)
def test_a_repeated_delivery_is_answered_once(app: str, patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on(app)
    message_id = APP_SHAPES[app].new_message_id()
    answered = patient.say(QUESTION, message_id)
    for _ in range(2):  # the platform's retries, identical
        assert patient.say(QUESTION, message_id) == []
    assert answered and patient.bot.texts == [QUESTION]


@pytest.mark.parametrize("app", APPS)
def test_a_bot_that_does_not_answer_by_the_deadline_gets_the_unavailable_reply(
    app: str, patient_on: Callable[..., AppPatient], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kept = keep_unanswered_in(tmp_path, monkeypatch)
    monkeypatch.setenv("REPLY_DEADLINE_SECONDS", "0.2")
    bot = PlayedBot()
    bot.hangs = True
    patient = patient_on(app, bot)
    r = patient.post(patient.request(QUESTION))
    assert r.status_code == 200
    patient.server.settle()  # the bot's work goes on: not waited for
    received = texts(patient.sent())
    assert "can't answer right now" in received and HELPLINE in received
    assert unanswered(kept) == [("timeout", app, patient.conversation, QUESTION)]


# --- refusals: nothing from an unverified or malformed request reaches the bot --------------------


def nearly_right(patient: AppPatient) -> Any:
    """A body from this patient, signed, but not what the platform sends."""
    body = patient.request(QUESTION)
    patient.shape.not_as_sent(body)
    return body


@pytest.mark.parametrize("app", APPS)
def test_unsigned_and_wrongly_signed_webhooks_are_refused(app: str, patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on(app)
    unsigned_reply = patient.post(patient.request(QUESTION), **APP_SHAPES[app].unsigned)
    assert unsigned_reply.status_code == 401 and unsigned_reply.json()["error"]
    wrong_reply = patient.post(patient.request(QUESTION), **APP_SHAPES[app].wrongly_signed)
    assert wrong_reply.status_code == 403 and wrong_reply.json()["error"]
    patient.server.settle()
    assert patient.bot.received == [] and patient.sent() == []


@pytest.mark.parametrize("app", APPS)
def test_malformed_signed_webhooks_get_a_clear_400(app: str, patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on(app)
    r = patient.post(nearly_right(patient))
    assert r.status_code == 400 and r.json()["error"]
    if APP_SHAPES[app].takes_json:
        broken = patient.post(b"{not json")
        assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]
    patient.server.settle()
    assert patient.bot.received == [] and patient.sent() == []


def test_a_slack_request_signed_more_than_five_minutes_ago_is_refused(patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on("slack")
    r = patient.webhooks.slack(patient.request(QUESTION), timestamp=int(time.time()) - 6 * 60)
    assert r.status_code == 403
    assert patient.bot.received == []


@pytest.mark.parametrize("app", APPS)
def test_a_channel_without_its_variables_is_off(
    app: str, patient_on: Callable[..., AppPatient], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in channel_class(app).REQUIRED.values():
        monkeypatch.delenv(variable)
    patient = patient_on(app)
    assert patient.server.get(f"/webhooks/{app}/").json() == {"status": "off"}
    r = patient.server.post(f"/webhooks/{app}/webhook", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 404 and "off" in r.json()["error"]


# --- options offered as buttons, per platform ------------------------------------------------------


@pytest.mark.parametrize("app", ["sms", "whatsapp", "messenger"])
def test_options_are_numbered_and_a_number_reply_chooses_one(app: str, patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on(app)
    sent = texts(patient.say(QUESTION))
    for number, option in enumerate(OPTIONS, start=1):
        assert f"Reply {number} for {option['title']}" in sent
    patient.say("2")
    patient.say("option 4")
    patient.say("9")  # no such option: read as written
    assert patient.bot.texts == [QUESTION, OPTIONS[1]["payload"], OPTIONS[3]["payload"], "9"]


@pytest.mark.parametrize("app", ["sms", "whatsapp"])
def test_twilio_apps_send_the_whole_turn_as_one_text_from_the_apps_number(
    app: str, patient_on: Callable[..., AppPatient]
) -> None:
    patient = patient_on(app)
    (sent,) = patient.say(QUESTION)
    assert sent.path == f"/twilio/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert sent.body["To"] == patient.address
    assert sent.body["From"] == (SMS_NUMBER if app == "sms" else WHATSAPP_NUMBER)
    assert len(sent.body["Body"]) <= 1600 and "Was this helpful?" in sent.body["Body"]


def test_messenger_quick_replies_are_numbered_short_and_on_the_last_message(
    patient_on: Callable[..., AppPatient],
) -> None:
    patient = patient_on("messenger")
    sent = patient.say(QUESTION)
    quick = sent[-1].body["message"]["quick_replies"]
    assert [q["payload"] for q in quick] == [o["payload"] for o in OPTIONS]
    assert all(len(q["title"]) <= 20 for q in quick) and quick[0]["title"].startswith("1. ")
    assert all("quick_replies" not in c.body["message"] for c in sent[:-1])


def test_messenger_webhook_handshake(patient_on: Callable[..., AppPatient]) -> None:
    server = patient_on("messenger").server
    ok = {"hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY_TOKEN, "hub.challenge": "4242"}
    assert server.get("/webhooks/messenger/webhook", params=ok).text == "4242"
    wrong = {**ok, "hub.verify_token": "guess"}
    assert server.get("/webhooks/messenger/webhook", params=wrong).status_code == 403


def test_telegram_buttons_are_an_inline_keyboard_whose_tokens_give_back_the_payload(
    patient_on: Callable[..., AppPatient],
) -> None:
    patient = patient_on("telegram")
    sent = patient.say(QUESTION)
    assert [c.path for c in sent] == [f"/telegram/bot{TELEGRAM_TOKEN}/sendMessage"] * len(ANSWER_TURN)
    keyboard = sent[0].body["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == [b["title"] for b in ANSWER_TURN[0]["buttons"]]
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)
    click = patient.webhooks.telegram_button(int(patient.user), keyboard[1][0]["callback_data"])
    assert patient.webhooks.telegram(click).status_code == 200
    patient.server.settle()
    assert patient.bot.texts[-1] == ANSWER_TURN[0]["buttons"][1]["payload"]
    spinner_stopped = [c for c in patient.api.calls if c.method == "answerCallbackQuery"]
    assert [c.body for c in spinner_stopped] == [{"callback_query_id": click["callback_query"]["id"]}]


def test_telegram_old_buttons_and_photos_get_a_polite_reply(patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on("telegram")
    patient.webhooks.telegram(patient.webhooks.telegram_button(int(patient.user), "opt:0000000000000000"))
    photo = patient.webhooks.telegram_message(int(patient.user), "")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "x", "width": 1, "height": 1}]
    patient.webhooks.telegram(photo)
    patient.server.settle()
    received = texts([c for c in patient.api.calls if c.method == "sendMessage"])
    assert "that button no longer works" in received and "only read written messages" in received
    assert patient.bot.received == []


def test_telegram_registers_its_webhook_with_the_secret_token(patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on("telegram")
    (registered,) = [c for c in patient.api.calls if c.method == REGISTRATION]
    assert registered.body["secret_token"] == TELEGRAM_SECRET
    assert registered.body["url"] == "http://rasa.test/webhooks/telegram/webhook"


def test_slack_buttons_are_slack_buttons_whose_click_sends_the_payload(patient_on: Callable[..., AppPatient]) -> None:
    patient = patient_on("slack")
    sent = patient.say(QUESTION)
    (actions,) = [b for b in sent[0].body["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == [b["payload"] for b in ANSWER_TURN[0]["buttons"]]
    click = patient.webhooks.slack_click(patient.user, patient.address, actions["elements"][0]["value"])
    r = patient.webhooks.slack(click, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200
    patient.server.settle()
    assert patient.bot.texts[-1] == ANSWER_TURN[0]["buttons"][0]["payload"]


def test_slack_url_verification_is_answered_and_the_bots_own_messages_ignored(
    patient_on: Callable[..., AppPatient],
) -> None:
    patient = patient_on("slack")
    r = patient.webhooks.slack({"type": "url_verification", "challenge": "c-123", "token": "x"})
    assert r.status_code == 200 and r.json() == {"challenge": "c-123"}
    echo = patient.webhooks.slack_message("UBOT", "D-echo", "an answer the bot sent")
    echo["event"]["bot_id"] = "B1"
    assert patient.webhooks.slack(echo).status_code == 200
    patient.server.settle()
    assert patient.bot.received == [] and patient.sent() == []
