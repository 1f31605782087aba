"""How replies are shaped for messaging apps (plain text, helpline, numbered options, splitting
at platform limits), the signature and settings rules, and the platform modules' sending code
against the fake platform API over HTTP."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List

import pytest

from channels.messaging.messenger import signature_matches
from channels.messaging.offered_options import button_token, chosen_number, options_lines, turn_options
from channels.messaging.reply_text import split_text, turn_texts
from channels.messaging.settings import read_settings
from channels.messaging.sms import TwilioSmsChannel
from channels.messaging.telegram import TelegramChannel
from channels.messaging.webhook import Incoming
from channels.shared_state import MemoryState
from tests.helpers.fake_platform import FakePlatform
from tests.helpers.platform_webhooks import CHANNEL_ID_SECRET

HELPLINE = {"name": "the breast cancer Helpline", "number": "0808 800 6000", "tel": "+448088006000"}
LONG = " ".join(f"Sentence number {i} says something a patient may want to read." for i in range(120))


def bot(text: str, buttons: List[Dict[str, str]] = (), **metadata: Any) -> Dict[str, Any]:
    return {"recipient_id": "x", "text": text, "buttons": list(buttons), "metadata": metadata}


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [160, 1600, 2000, 3000, 4096])
def test_split_keeps_every_word_within_the_limit(limit: int) -> None:
    text = f"{LONG}\n\nCall the Helpline on 0808 800 6000 to talk it through. {LONG}"
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert " ".join(parts).split() == text.split()
    assert sum("0808 800 6000" in p for p in parts) == 1


def test_split_prefers_paragraphs_then_sentences() -> None:
    text = "A" * 60 + ".\n\n" + "B" * 30 + ". " + "C" * 30 + "."
    assert split_text(text, 80)[0] == "A" * 60 + "."
    assert split_text("B" * 50 + ". " + "C" * 50 + ".", 80) == ["B" * 50 + ".", "C" * 50 + "."]


def test_split_never_breaks_a_phone_number_even_at_the_limit() -> None:
    for start in range(15, 40):
        parts = split_text("x" * start + " call 0808 800 6000 or 116 123 now", 40)
        joined = "|".join(parts)
        assert "0808 800 6000" in joined and "116 123" in joined, parts


def test_turn_texts_strip_emphasis_and_add_the_helpline_once() -> None:
    turn = [bot("See *Breast calcifications*.", helpline=HELPLINE), bot("When you are safe, call.", helpline=HELPLINE)]
    texts = turn_texts(turn)
    assert texts[0] == "See Breast calcifications."
    assert texts[1].endswith("call the breast cancer Helpline on 0808 800 6000.")
    named = [bot("Call the breast cancer Helpline on 0808 800 6000.", helpline=HELPLINE)]
    assert turn_texts(named) == ["Call the breast cancer Helpline on 0808 800 6000."]


# --- options -------------------------------------------------------------------------------------


def test_options_are_numbered_across_the_turn_and_number_replies_are_read() -> None:
    turn = [
        bot("Answer", [{"title": "Can I feel them?", "payload": "/a"}, {"title": "Are they cancer?", "payload": "/b"}]),
        bot("Was this helpful?", [{"title": "Yes, it helped", "payload": "/y"}, {"title": "No", "payload": "/n"}]),
    ]
    groups = turn_options(turn)
    assert [[o.number for o in g] for g in groups] == [[1, 2], [3, 4]]
    assert options_lines(groups[1]) == "Reply 3 for Yes, it helped\nReply 4 for No"
    for reply, number in [("3", 3), (" 4. ", 4), ("option 2", 2), ("#1", 1), ("No. 2", 2)]:
        assert chosen_number(reply) == number
    for not_a_choice in ["3 months", "is 2 bad?", "", "123"]:
        assert chosen_number(not_a_choice) is None


def test_button_tokens_fit_telegram_and_differ_per_payload() -> None:
    long_payload = '/feedback_not_helpful{"entry_id": "results_next.other_condition"}'
    assert len(button_token(long_payload).encode()) <= 64
    assert button_token("/a") != button_token("/b")


# --- verification and settings -------------------------------------------------------------------


def test_messenger_signature_is_sha256_of_the_body() -> None:
    import hashlib
    import hmac

    body = b'{"object":"page"}'
    good = "sha256=" + hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert signature_matches("secret", body, good)
    assert not signature_matches("secret", body + b" ", good)
    assert not signature_matches("secret", body, "sha1=" + hmac.new(b"secret", body, hashlib.sha1).hexdigest())


def test_a_channel_without_its_variables_is_off_and_says_which_turn_it_on(caplog: pytest.LogCaptureFixture) -> None:
    required = {"access_token": "TELEGRAM_ACCESS_TOKEN", "secret_token": "TELEGRAM_SECRET_TOKEN"}
    with caplog.at_level(logging.INFO):
        assert read_settings("telegram", required, {}, env={"TELEGRAM_ACCESS_TOKEN": "t"}) is None
    assert "telegram channel is off: set TELEGRAM_SECRET_TOKEN to turn it on" in caplog.text
    on = read_settings(
        "telegram", required, {"api_url": ("TELEGRAM_API_URL", "https://x")}, env={v: "v" for v in required.values()}
    )
    assert on == {"access_token": "v", "secret_token": "v", "api_url": "https://x"}


def test_repeats_are_seen_until_they_expire() -> None:
    now = [0.0]
    seen = MemoryState(clock=lambda: now[0])

    async def first_time() -> bool:
        return await seen.first_time("a", ttl=60)

    assert asyncio.run(first_time()) and not asyncio.run(first_time())
    now[0] = 61
    assert asyncio.run(first_time())


# --- sending, over HTTP to the fake platform -----------------------------------------------------


@pytest.fixture
def channel_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANNEL_ID_SECRET", CHANNEL_ID_SECRET)


def _send(channel: Any, message: Incoming, replies: List[Dict[str, Any]]) -> None:
    async def run() -> None:
        try:
            await channel.deliver(message, replies)
        finally:
            await channel.api.close()

    asyncio.run(run())


def test_a_long_sms_turn_is_split_at_1600_with_the_options_last(
    fake_platform: FakePlatform, channel_secret: None
) -> None:
    sms = TwilioSmsChannel(
        {
            "account_sid": "AC1",
            "auth_token": "t",
            "number": "+447700900000",
            "webhook_url": "http://x",
            "api_url": f"{fake_platform.url}/twilio",
        }
    )
    to = "+447700900999"
    turn = [bot(LONG + " Call 0808 800 6000.", [{"title": "Can I feel them?", "payload": "/a"}], helpline=HELPLINE)]
    _send(sms, Incoming("SM1", to, to, "hi"), turn)
    bodies = [c.body["Body"] for c in fake_platform.calls_to(to)]
    assert len(bodies) > 1 and all(len(b) <= 1600 for b in bodies)
    assert bodies[-1].endswith("Reply 1 for Can I feel them?")
    assert sum("0808 800 6000" in b for b in bodies) == 1


def test_a_long_telegram_answer_is_split_at_4096_with_the_keyboard_last(
    fake_platform: FakePlatform, channel_secret: None
) -> None:
    telegram = TelegramChannel({"access_token": "1:t", "secret_token": "s", "api_url": f"{fake_platform.url}/telegram"})
    chat = "99000111"
    _send(telegram, Incoming("1", chat, chat, "hi"), [bot(LONG * 2, [{"title": "Can I feel them?", "payload": "/a"}])])
    calls = fake_platform.calls_to(chat, "sendMessage")
    assert len(calls) > 1 and all(len(c.body["text"]) <= 4096 for c in calls)
    assert "reply_markup" in calls[-1].body and all("reply_markup" not in c.body for c in calls[:-1])


def test_an_off_channel_answers_404_and_its_health_says_off(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The channel's own routes on a real Sanic server, with none of its variables set."""
    import socket
    import threading

    import requests
    from sanic import Sanic

    for variable in TelegramChannel.REQUIRED.values():
        monkeypatch.delenv(variable, raising=False)
    with caplog.at_level(logging.INFO):
        channel = TelegramChannel.from_credentials(None)
    assert "TELEGRAM_ACCESS_TOKEN, TELEGRAM_SECRET_TOKEN" in caplog.text

    app = Sanic(f"off_channel_test_{id(channel)}")
    app.blueprint(channel.blueprint(lambda _: None), url_prefix="/webhooks/telegram")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True))
    loop.run_until_complete(server.startup())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}/webhooks/telegram"
        assert requests.get(f"{base}/", timeout=10).json() == {"status": "off"}
        r = requests.post(f"{base}/webhook", json={"update_id": 1}, timeout=10)
        assert r.status_code == 404 and "off" in r.json()["error"]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
