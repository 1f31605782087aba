"""Bad input through the REST channel gets a polite reply or a clear 400, never a 500 or silence."""

from __future__ import annotations

import pytest

from tests.helpers.chat import Chat


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "x" * 50_000,
        "😀😀😀🙏",
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "¿Las calcificaciones mamarias son cáncer?",
        "乳房钙化是癌症吗",
        "'; DROP TABLE events; --",
        "\u202eevil\u202c text with control \x07 chars",
    ],
)
def test_odd_messages_get_a_polite_reply(chat: Chat, text: str) -> None:
    replies = chat.say(text)
    assert replies, "never silence"
    assert all(r.get("text") for r in replies)
    assert replies[-1]["metadata"]["topic"]


@pytest.mark.parametrize(
    "body, problem",
    [
        ([1, 2, 3], "JSON object"),
        ({"sender": 5, "message": "hi"}, "sender"),
        ({"sender": "x" * 500, "message": "hi"}, "sender"),
        ({"sender": "a", "message": {"text": "hi"}}, "message"),
        ({"sender": "a", "message": "hi", "metadata": "nope"}, "metadata"),
    ],
)
def test_malformed_requests_get_a_clear_400(chat: Chat, body, problem: str) -> None:
    r = chat.post(body)
    assert r.status_code == 400
    assert problem in r.json()["error"]


def test_invalid_json_gets_a_400(chat: Chat) -> None:
    r = chat.http.post(
        f"{chat.stack.rasa_url}/webhooks/rest/webhook",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 400


def test_the_server_still_answers_after_bad_input(chat: Chat) -> None:
    chat.post([1])
    chat.say("")
    assert chat.topic("will the clip set off airport alarms?").startswith("marker_clip")
