"""The REST channel with metadata (channels/rest_with_metadata.py) in process, served as Rasa
serves it (tests/helpers/channel_server.py) with a played bot: the bot's messages come back whole,
metadata included; bad input gets a polite reply or a clear 400; and a bot that does not answer in
time, fails or says nothing still gives the patient the `unavailable` reply with the helpline,
the message kept, masked, among the unanswered ones. The same through the running stack:
tests/test_bad_input.py and tests/test_degradation.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import sqlalchemy as sa

from channels.outages import UNANSWERED
from channels.rest_with_metadata import RestWithMetadataInput
from tests.helpers.channel_server import ANSWER_TURN, ChannelServer, PlayedBot
from tests.helpers.unanswered import keep_unanswered_in, unanswered

WEBHOOK = "/webhooks/rest/webhook"
HELPLINE = "0808 800 6000"
HELPLINE_METADATA = {"name": "the breast cancer Helpline", "number": HELPLINE, "tel": "+448088006000"}
PATIENT_TEXT = "I'm Jane Doe, 07700 900123: will the clip set off airport alarms?"


def rest_server(bot: PlayedBot) -> ChannelServer:
    return ChannelServer([RestWithMetadataInput.from_credentials(None)], bot)


@pytest.fixture
def rest() -> Iterator[ChannelServer]:
    with rest_server(PlayedBot()) as server:
        yield server


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> sa.engine.Engine:
    return keep_unanswered_in(tmp_path, monkeypatch)


def say(server: ChannelServer, text: Any, **body: Any) -> List[Dict[str, Any]]:
    r = server.post(WEBHOOK, json={"sender": "patient-1", "message": text, **body})
    assert r.status_code == 200, r.text
    return r.json()


def assert_unavailable(replies: List[Dict[str, Any]]) -> None:
    (reply,) = replies
    assert reply["metadata"]["topic"] == "unavailable" and "can't answer right now" in reply["text"]
    assert HELPLINE in reply["text"] and reply["metadata"]["helpline"] == HELPLINE_METADATA


def test_the_health_route_answers(rest: ChannelServer) -> None:
    assert rest.get("/webhooks/rest/").json() == {"status": "ok"}


def test_the_bots_messages_come_back_whole_with_their_metadata(rest: ChannelServer) -> None:
    answer, feedback = say(rest, "will the clip set off airport alarms?", metadata={"display": "Airport alarms"})
    expected = ANSWER_TURN[0]
    assert answer["recipient_id"] == "patient-1"
    assert answer["text"] == expected["text"] and answer["buttons"] == expected["buttons"]
    assert answer["metadata"]["topic"] == "marker_clip.airport"
    assert answer["metadata"]["sources"] == expected["sources"]
    assert answer["metadata"]["entry_id"] == "marker_clip.airport"
    assert feedback["text"] == "Was this helpful?" and feedback["metadata"]["feedback_request"] is True
    assert [b["title"] for b in feedback["buttons"]] == ["Yes, it helped", "No"]
    (message,) = rest.bot.received
    assert (message.sender_id, message.text, message.input_channel) == (
        "patient-1",
        "will the clip set off airport alarms?",
        "rest",
    )
    assert message.metadata == {"display": "Airport alarms"}


def test_control_characters_are_removed_before_the_bot_reads_the_message(rest: ChannelServer) -> None:
    say(rest, "is it \x07cancer?\x00")
    assert rest.bot.texts == ["is it cancer?"]


@pytest.mark.parametrize(
    "text, topic, words",
    [
        ("", "fallback", "message was empty"),
        ("   \n\t ", "fallback", "message was empty"),
        ("\x00\x07", "fallback", "message was empty"),
        ("x" * 2001, "fallback", "longer than I can read (2000 characters at most)"),
    ],
    ids=["empty", "blank", "control characters only", "over-long"],
)
def test_empty_and_over_long_messages_get_a_polite_reply_without_the_bot(
    rest: ChannelServer, text: str, topic: str, words: str
) -> None:
    (reply,) = say(rest, text)
    assert reply["metadata"]["topic"] == topic and words in reply["text"]
    assert reply["metadata"]["helpline"] == HELPLINE_METADATA
    assert rest.bot.received == []


def test_a_message_at_the_limit_is_read(rest: ChannelServer) -> None:
    say(rest, "x" * 2000)
    assert rest.bot.texts == ["x" * 2000]


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"{not json", "not valid JSON"),
        (b'{"sender": "a", "message": "\\udfff"}', "not valid Unicode"),
        (b"[1, 2, 3]", "JSON object"),
        (b'"hello"', "JSON object"),
        (b'{"sender": 5, "message": "hi"}', "`sender`"),
        (b'{"sender": "", "message": "hi"}', "`sender`"),
        (b'{"sender": "' + b"x" * 129 + b'", "message": "hi"}', "`sender`"),
        (b'{"sender": "a", "message": {"text": "hi"}}', "`message` must be a string"),
        (b'{"sender": "a", "message": 42}', "`message` must be a string"),
        (b'{"sender": "a", "message": "hi", "metadata": "nope"}', "`metadata` must be a JSON object"),
    ],
)
def test_malformed_requests_get_a_clear_400_and_never_reach_the_bot(
    rest: ChannelServer, body: bytes, problem: str
) -> None:
    r = rest.post(WEBHOOK, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and problem in r.json()["error"]
    assert rest.bot.received == []


def test_a_bot_that_does_not_answer_by_the_deadline_gets_the_unavailable_reply(
    rest: ChannelServer, monkeypatch: pytest.MonkeyPatch, kept: sa.engine.Engine
) -> None:
    monkeypatch.setenv("REPLY_DEADLINE_SECONDS", "0.2")
    before = UNANSWERED.counts().get("timeout", 0)
    rest.bot.hangs = True
    assert_unavailable(say(rest, PATIENT_TEXT))
    assert UNANSWERED.counts()["timeout"] == before + 1
    ((reason, channel, sender, text),) = unanswered(kept)
    assert (reason, channel, sender) == ("timeout", "rest", "patient-1")
    assert "airport alarms" in text  # nothing the patient wrote is lost ...
    assert "Jane" not in text and "900123" not in text  # ... and identifiers are masked


@pytest.mark.parametrize("problem, reason", [("fails", "error"), ("says nothing", "no_reply")])
def test_a_bot_that_fails_or_says_nothing_gets_the_unavailable_reply(
    problem: str, reason: str, kept: sa.engine.Engine
) -> None:
    bot = PlayedBot(answer=lambda _: [])
    bot.fails = problem == "fails"
    before = UNANSWERED.counts().get(reason, 0)
    with rest_server(bot) as server:
        assert_unavailable(say(server, "what is a marker clip?"))
    assert UNANSWERED.counts()[reason] == before + 1
    assert [(r, c, s) for r, c, s, _ in unanswered(kept)] == [(reason, "rest", "patient-1")]


def test_the_unanswered_counts_are_served_to_monitoring_only(
    rest: ChannelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = "/webhooks/rest/unanswered"
    assert rest.get(route).status_code == 401  # no token configured: never served
    monkeypatch.setenv("MONITORING_TOKEN", "unit-test-monitoring-token")
    assert rest.get(route, headers={"Authorization": "Bearer a-guess"}).status_code == 401
    r = rest.get(route, headers={"Authorization": "Bearer unit-test-monitoring-token"})
    assert r.status_code == 200 and r.json() == {"unanswered": UNANSWERED.counts()}
