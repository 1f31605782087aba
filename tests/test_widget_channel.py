"""The web widget's channel (channels/web_widget.py) in process, served as Rasa serves it
(tests/helpers/channel_server.py) with a played bot: sessions signed by the server, messages
answered with their metadata, the history of a reloaded page, allowed origins, the rate limit,
repeated messages answered once, and bad input. The widget itself, in a browser against the
running stack: tests/test_widget.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import sqlalchemy as sa

from channels.web_widget import WidgetInput
from channels.widget_sessions import SessionSigner
from tests.helpers.channel_server import ANSWER_TURN, ChannelServer, PlayedBot
from tests.helpers.unanswered import keep_unanswered_in, unanswered

ROUTES = "/webhooks/widget"
SITE = "https://clinic.test"
HELPLINE = "0808 800 6000"
HELPLINE_METADATA = {"name": "the breast cancer Helpline", "number": HELPLINE, "tel": "+448088006000"}
MESSAGES_PER_MINUTE = 3
CREDENTIALS = {"allowed_origins": [SITE], "session_hours": 1, "messages_per_minute": MESSAGES_PER_MINUTE}
AIRPORT = "will the clip set off airport alarms?"


@pytest.fixture(autouse=True)
def widget_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret of the test's own; everything else from the credentials."""
    monkeypatch.setenv("WIDGET_SECRET", "unit-test-widget-secret-0123456789abcdef")
    for variable in ("WIDGET_ALLOWED_ORIGINS", "WIDGET_SESSION_HOURS", "WIDGET_SECRET_FILE", "REDIS_HOST"):
        monkeypatch.delenv(variable, raising=False)


def widget_server(bot: Optional[PlayedBot] = None, credentials: Optional[Dict[str, Any]] = None) -> ChannelServer:
    return ChannelServer([WidgetInput.from_credentials(credentials or CREDENTIALS)], bot or PlayedBot())


@pytest.fixture
def widget() -> Iterator[ChannelServer]:
    with widget_server() as server:
        yield server


def new_session(server: ChannelServer, **body: Any) -> Dict[str, Any]:
    r = server.post(f"{ROUTES}/session", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def send(server: ChannelServer, token: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Any:
    return server.post(f"{ROUTES}/message", json=body, headers={**bearer(token), **(headers or {})})


def say(server: ChannelServer, token: str, text: str, **body: Any) -> List[Dict[str, Any]]:
    r = send(server, token, {"message": text, **body})
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def conversation_of(token: str) -> str:
    return token.split(".")[1]


# --- sessions ------------------------------------------------------------------------------------


def test_the_health_route_answers(widget: ChannelServer) -> None:
    assert widget.get(f"{ROUTES}/").json() == {"status": "ok"}


def test_a_session_is_issued_signed_with_its_expiry_and_the_helpline(widget: ChannelServer) -> None:
    session = new_session(widget)
    token = session["session"]
    assert token.startswith("v1.web-") and conversation_of(token).startswith("web-")
    assert session["expires_at"] == int(token.split(".")[2]) + 3600  # session_hours: 1
    assert session["helpline"] == HELPLINE_METADATA


def test_a_valid_session_is_kept_and_a_tampered_or_foreign_one_replaced(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    assert new_session(widget, session=token)["session"] == token
    foreign = SessionSigner(b"another-server-secret-0123456789abcdef", 3600).issue()
    for bad in (token[:-2] + "AA", foreign, "nonsense", 42):
        replaced = new_session(widget, session=bad)["session"]
        assert replaced not in (token, bad) and replaced.startswith("v1.web-")


def test_messages_and_history_need_a_session_signed_by_this_server(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    foreign = SessionSigner(b"another-server-secret-0123456789abcdef", 3600).issue()
    for headers in ({}, bearer(""), bearer(token[:-2] + "AA"), bearer(foreign), {"Authorization": token}):
        r = widget.post(f"{ROUTES}/message", json={"message": AIRPORT}, headers=headers)
        assert r.status_code == 401 and r.json()["error"]
        assert widget.get(f"{ROUTES}/history", headers=headers).status_code == 401
    assert widget.bot.received == []


# --- allowed origins -----------------------------------------------------------------------------


def test_only_configured_sites_may_use_the_widget(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    elsewhere = {"Origin": "https://elsewhere.test"}
    assert widget.post(f"{ROUTES}/session", json={}, headers=elsewhere).status_code == 403
    assert send(widget, token, {"message": AIRPORT}, elsewhere).status_code == 403
    assert widget.get(f"{ROUTES}/history", headers={**bearer(token), **elsewhere}).status_code == 403
    assert widget.bot.received == []
    assert send(widget, token, {"message": AIRPORT}, {"Origin": SITE}).status_code == 200


def test_the_allowed_origins_variable_overrides_the_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://hospital.test, https://charity.test")
    with widget_server() as server:
        for origin, status in (("https://charity.test", 200), (SITE, 403)):
            assert server.post(f"{ROUTES}/session", json={}, headers={"Origin": origin}).status_code == status


# --- messages ------------------------------------------------------------------------------------


def test_a_message_is_answered_with_the_bots_messages_and_their_metadata(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    answer, feedback = say(widget, token, AIRPORT, id="m-1")
    assert answer["recipient_id"] == conversation_of(token)
    assert answer["text"] == ANSWER_TURN[0]["text"] and answer["buttons"] == ANSWER_TURN[0]["buttons"]
    assert answer["metadata"]["topic"] == "marker_clip.airport"
    assert answer["metadata"]["sources"] == ANSWER_TURN[0]["sources"]
    assert feedback["text"] == "Was this helpful?"
    (message,) = widget.bot.received
    assert (message.sender_id, message.text, message.input_channel) == (conversation_of(token), AIRPORT, "widget")
    assert message.metadata is None


def test_a_button_press_passes_its_title_for_the_transcript(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    payload = ANSWER_TURN[0]["buttons"][0]["payload"]
    say(widget, token, payload, title="What about MRI scans with the clip?")
    (message,) = widget.bot.received
    assert message.text == payload and message.metadata == {"display": "What about MRI scans with the clip?"}


def test_a_message_sent_twice_is_answered_once(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    first = say(widget, token, AIRPORT, id="m-1")
    assert say(widget, token, AIRPORT, id="m-1") == first  # the browser lost the response and re-sent
    assert widget.bot.texts == [AIRPORT]
    say(widget, token, AIRPORT, id="m-2")  # asked again on purpose
    assert widget.bot.texts == [AIRPORT, AIRPORT]


def test_too_many_messages_in_a_minute_get_a_clear_reply_with_the_helpline(widget: ChannelServer) -> None:
    token, other = new_session(widget)["session"], new_session(widget)["session"]
    for n in range(MESSAGES_PER_MINUTE):
        say(widget, token, f"question {n}")
    r = send(widget, token, {"message": "one more"})
    assert r.status_code == 429
    (reply,) = r.json()["messages"]
    assert "a lot of messages" in reply["text"] and HELPLINE in reply["text"]
    assert reply["metadata"]["helpline"] == HELPLINE_METADATA
    assert "one more" not in widget.bot.texts
    say(widget, other, "someone else")  # each conversation has its own limit
    assert widget.bot.texts[-1] == "someone else"


@pytest.mark.parametrize(
    "text, words",
    [("", "message was empty"), (" \n ", "message was empty"), ("x" * 2001, "longer than I can read")],
    ids=["empty", "blank", "over-long"],
)
def test_empty_and_over_long_messages_get_a_polite_reply(widget: ChannelServer, text: str, words: str) -> None:
    token = new_session(widget)["session"]
    (reply,) = say(widget, token, text)
    assert words in reply["text"] and reply["metadata"]["topic"] == "fallback"
    assert widget.bot.received == []


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"message": 42}', "`message` must be a string"),
        (b'{"message": "hi", "id": 7}', "`id`"),
        (b'{"message": "hi", "id": "' + b"i" * 65 + b'"}', "`id`"),
        (b'{"message": "hi", "title": ["a"]}', "`title`"),
        (b'{"message": "hi", "title": "' + b"t" * 201 + b'"}', "`title`"),
        (b'{"message": "' + b"x" * (64 * 1024) + b'"}', "too large"),
    ],
    ids=[
        "not JSON",
        "a list",
        "message not text",
        "id not text",
        "id too long",
        "title not text",
        "title too long",
        "too large",
    ],
)
def test_malformed_messages_get_a_clear_400_and_never_reach_the_bot(
    widget: ChannelServer, body: bytes, problem: str
) -> None:
    token = new_session(widget)["session"]
    r = widget.post(f"{ROUTES}/message", content=body, headers={**bearer(token), "Content-Type": "application/json"})
    assert r.status_code == 400 and problem in r.json()["error"]
    assert widget.bot.received == []


def test_a_bot_that_does_not_answer_by_the_deadline_gets_the_unavailable_reply(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kept: sa.engine.Engine = keep_unanswered_in(tmp_path, monkeypatch)
    monkeypatch.setenv("REPLY_DEADLINE_SECONDS", "0.2")
    bot = PlayedBot()
    bot.hangs = True
    with widget_server(bot) as server:
        token = new_session(server)["session"]
        (reply,) = say(server, token, AIRPORT)
    assert reply["metadata"]["topic"] == "unavailable" and HELPLINE in reply["text"]
    assert unanswered(kept) == [("timeout", "widget", conversation_of(token), AIRPORT)]


# --- history -------------------------------------------------------------------------------------


def test_the_history_shows_what_the_patient_saw(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    say(widget, token, "/greet")  # the widget's own opening: not shown
    say(widget, token, AIRPORT)
    say(widget, token, ANSWER_TURN[0]["buttons"][0]["payload"], title="What about MRI scans with the clip?")
    r = widget.get(f"{ROUTES}/history", headers=bearer(token))
    assert r.status_code == 200
    history = r.json()["messages"]
    assert [m["text"] for m in history if m["sender"] == "user"] == [AIRPORT, "What about MRI scans with the clip?"]
    bot_messages = [m for m in history if m["sender"] == "bot"]
    assert len(bot_messages) == 3 * len(ANSWER_TURN)
    assert bot_messages[0]["text"] == ANSWER_TURN[0]["text"] and bot_messages[0]["buttons"] == ANSWER_TURN[0]["buttons"]
    assert bot_messages[0]["metadata"]["topic"] == "marker_clip.airport"
    assert bot_messages[0]["metadata"]["sources"] == ANSWER_TURN[0]["sources"]


def test_a_new_session_has_no_history(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    assert widget.get(f"{ROUTES}/history", headers=bearer(token)).json() == {"messages": []}


class UnreadableStore:
    async def retrieve(self, sender_id: str) -> None:
        raise ConnectionError("the tracker store's database is down")


def test_a_history_that_cannot_be_read_gets_a_clear_503(widget: ChannelServer) -> None:
    token = new_session(widget)["session"]
    widget.bot.tracker_store = UnreadableStore()  # type: ignore[assignment]
    r = widget.get(f"{ROUTES}/history", headers=bearer(token))
    assert r.status_code == 503 and "cannot be loaded" in r.json()["error"]
