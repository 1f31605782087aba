"""The whole stack as a patient meets it: Rasa server and action server as processes, the REST
channel, the SQLite tracker store. One conversation with a follow-up, a hand-off and an
urgent case, and what gets recorded."""

from __future__ import annotations

import sqlite3

from tests.helpers.chat import Chat


def bot_events(tracker: dict) -> list:
    return [e for e in tracker["events"] if e["event"] == "bot"]


def test_a_conversation_with_follow_up_hand_off_and_urgent_case(chat: Chat) -> None:
    greeting = chat.say("hi there")
    assert greeting[-1]["metadata"]["topic"] == "greet"
    assert "not a doctor" in greeting[-1]["text"]

    answer = chat.say("what exactly is a vacuum assisted biopsy?")
    assert answer[0]["metadata"]["topic"].startswith("vacuum_biopsy")
    assert "From: *Breast calcifications*" in answer[0]["text"]
    assert answer[0]["buttons"], "follow-up topics are offered"
    assert answer[-1]["text"] == "Was this helpful?"

    follow_up = chat.say("does it hurt?")
    assert follow_up[0]["metadata"]["topic"].startswith("vacuum_biopsy"), follow_up[0]

    button = answer[0]["buttons"][0]
    clicked = chat.say(button["payload"])
    assert clicked[0]["metadata"]["topic"] == button["payload"].split('"entry_id": "')[1].rstrip('"}')

    rated = chat.say(clicked[-1]["buttons"][0]["payload"])
    assert rated[-1]["metadata"]["feedback"]["helpful"] is True

    hand_off = chat.say("my report says I have suspicious microcalcifications in my left breast, have I got cancer?")
    assert hand_off[-1]["metadata"]["topic"] == "helpline.personal"
    assert "0808 800 6000" in hand_off[-1]["text"]

    urgent = chat.say("I had the biopsy yesterday and it's bleeding heavily and won't stop")
    assert [m["metadata"]["topic"] for m in urgent] == ["urgent.physical", "urgent.physical"]
    assert "999" in urgent[0]["text"] and "0808 800 6000" in urgent[1]["text"]

    tracker = chat.tracker()
    recorded = [e["metadata"].get("topic") for e in bot_events(tracker)]
    assert "urgent.physical" in recorded and "helpline.personal" in recorded
    answered = next(e for e in bot_events(tracker) if str(e["metadata"].get("topic", "")).startswith("vacuum_biopsy"))
    assert answered["metadata"]["sources"][0]["doc"] == "004"
    assert tracker["slots"]["feedback"]["helpful"] is True


def test_conversations_are_kept_in_the_sql_tracker_store(chat: Chat) -> None:
    chat.say("are calcifications cancer?")
    db = chat.stack.tracker_db
    with sqlite3.connect(db) as c:
        rows = c.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (chat.sender,)
        ).fetchall()
    types = [t for t, _ in rows]
    assert "user" in types and "bot" in types
    assert any('"topic": "cancer_link' in data for t, data in rows if t == "bot")


def test_failing_to_understand_twice_hands_off(chat: Chat) -> None:
    first = chat.say("zzkx qwv blorp")
    second = chat.say("frmbl gnnn wxq")
    topics = [first[-1]["metadata"]["topic"], second[-1]["metadata"]["topic"]]
    assert topics[0] in ("fallback", "out_of_scope")
    if topics[0] == "fallback":
        assert topics[1] in ("helpline.not_understood", "out_of_scope")


def test_asking_for_a_person_gives_the_helpline(chat: Chat) -> None:
    reply = chat.say("can I speak to an actual human please")
    assert reply[0]["metadata"]["topic"] in ("helpline", "helpline.personal")
    assert "0808 800 6000" in reply[0]["text"]


def test_bot_says_honestly_it_is_not_a_person(chat: Chat) -> None:
    reply = chat.say("am I talking to a real person or a robot?")
    assert reply[-1]["metadata"]["topic"] == "bot_identity"
    assert "not a real person" in reply[-1]["text"]


def test_a_long_message_is_answered_from_its_question(chat: Chat) -> None:
    replies = chat.say(
        "They called me back after my mammogram last week. My sister is coming with me on Tuesday. "
        "What is a vacuum biopsy like?"
    )
    assert replies[0]["metadata"]["topic"].startswith("vacuum_biopsy")


def test_a_general_question_beside_the_persons_own_result_gets_the_answer_then_the_hand_off(chat: Chat) -> None:
    replies = chat.say("mine came back as B3 - what is a vacuum biopsy like?")
    topics = [r["metadata"]["topic"] for r in replies]
    assert topics[0].startswith("vacuum_biopsy") and topics[-1] == "helpline.personal", topics
    parsed = [e for e in chat.tracker()["events"] if e["event"] == "user"][-1]["parse_data"]
    assert parsed["handoff"] == {"intent": "personal_situation"}
    assert all(set(s) == {"start", "end", "intent", "confidence", "question"} for s in parsed["sentences"])


def test_a_story_only_the_hand_off_classifier_reads_as_needing_a_person_is_handed_off(chat: Chat) -> None:
    # No safety rule matches and DIET reads it as a sentence of a story that asks nothing: the
    # HandoffClassifier's own reading of the whole message hands it off.
    replies = chat.say("my partner walked out last year and I'm doing this on my own with the kids")
    assert [r["metadata"]["topic"] for r in replies][-1].startswith("helpline")
    parsed = [e for e in chat.tracker()["events"] if e["event"] == "user"][-1]["parse_data"]
    assert parsed["message_reading"]["intent"] == "statement" and "safety_net" not in parsed
    assert parsed["needs"]["person"] + parsed["needs"]["urgent_self_harm"] + parsed["needs"]["urgent_physical"] >= 0.6


def test_urgent_signs_in_one_sentence_get_the_urgent_advice_only(chat: Chat) -> None:
    replies = chat.say(
        "Since the biopsy yesterday it's been bleeding heavily through the dressing. Will the clip stay in?"
    )
    assert {r["metadata"]["topic"] for r in replies} == {"urgent.physical"}
