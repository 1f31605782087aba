"""The custom actions through the action server's HTTP API, driven by tracker fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
import yaml

from stack.processes import PROJECT_ROOT, Stack
from tests.helpers.trackers import bot, conversation, entity, slot, user

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def run_action(stack: Stack, name: str, tracker: Dict[str, Any]) -> Dict[str, Any]:
    r = requests.post(
        f"{stack.actions_url}/webhook",
        json={
            "next_action": name,
            "sender_id": tracker["sender_id"],
            "tracker": tracker,
            "domain": DOMAIN,
            "version": "3.6.2",
        },
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()


def topics(result: Dict[str, Any]) -> List[str]:
    return [r.get("topic") for r in result["responses"]]


def slots(result: Dict[str, Any]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}


def test_an_answer_carries_topic_sources_citation_and_buttons(stack: Stack) -> None:
    result = run_action(
        stack,
        "action_answer",
        conversation(user("will the clip beep at the airport", "ask_marker_clip", [entity("place", "airport")])),
    )
    answer, feedback = result["responses"]
    assert answer["topic"] == "marker_clip.airport"
    assert "From: *Breast calcifications*, patient leaflet reviewed April 2016" in answer["text"]
    assert answer["sources"][0]["doc"] == "004" and answer["sources"][0]["quote"]
    assert all(b["payload"].startswith("/choose_entry") for b in answer["buttons"])
    assert feedback["text"] == "Was this helpful?"
    assert [b["payload"] for b in feedback["buttons"]] == [
        '/feedback_helpful{"entry_id": "marker_clip.airport"}',
        '/feedback_not_helpful{"entry_id": "marker_clip.airport"}',
    ]
    assert slots(result)["topic"] == "marker_clip"
    assert slots(result)["sources"] == ["004"]


def test_does_it_hurt_is_answered_for_the_procedure_being_discussed(stack: Stack) -> None:
    result = run_action(
        stack,
        "action_answer",
        conversation(
            user("what is a vacuum biopsy", "ask_vacuum_biopsy"),
            bot("...", topic="vacuum_biopsy"),
            slot("topic", "vacuum_biopsy"),
            slot("last_entry", "vacuum_biopsy"),
            user("does it hurt?", "ask_feel_pain"),
        ),
    )
    assert topics(result)[0].startswith("vacuum_biopsy")
    assert "anaesthetic" in result["responses"][0]["text"]


@pytest.mark.parametrize(
    "discussed, named, expected",
    [
        ("surgical_biopsy", [], "surgery_recovery"),  # after an operation: recovery answers the pain
        ("macro_micro", [], "feel_pain"),  # "can you feel them?" about the calcifications
        (None, [entity("imaging", "x-ray")], "feel_pain"),  # "feel them, or only on the x-ray?"
    ],
)
def test_a_pain_question_moves_to_a_related_topic_only_after_a_procedure(
    stack: Stack, discussed: Any, named: List[Dict[str, Any]], expected: str
) -> None:
    context = [slot("topic", discussed), slot("last_entry", discussed)] if discussed else []
    result = run_action(
        stack, "action_answer", conversation(*context, user("can you feel them", "ask_feel_pain", named))
    )
    assert topics(result)[0].split(".")[0] == expected


def test_what_about_the_vacuum_one_switches_procedure(stack: Stack) -> None:
    result = run_action(
        stack,
        "action_answer",
        conversation(
            slot("topic", "core_biopsy"),
            slot("last_entry", "core_biopsy"),
            user("what about the vacuum one?", "ask_more", [entity("procedure", "vacuum")]),
        ),
    )
    assert topics(result)[0].split(".")[0] == "vacuum_biopsy"


def test_a_follow_up_button_answers_that_entry(stack: Stack) -> None:
    result = run_action(
        stack,
        "action_answer",
        conversation(
            user(
                '/choose_entry{"entry_id": "marker_clip.mri"}', "choose_entry", [entity("entry_id", "marker_clip.mri")]
            )
        ),
    )
    assert topics(result)[0] == "marker_clip.mri"


def test_the_promotional_source_is_cited_as_such(stack: Stack) -> None:
    result = run_action(stack, "action_answer", conversation(user("do calcium tablets cause it", "ask_calcium_diet")))
    text = result["responses"][0]["text"]
    assert "website that promotes progesterone" in text
    assert "880-0170" not in text and "880 0170" not in text


def test_progesterone_quote_is_an_anecdote_and_points_to_the_doctor(stack: Stack) -> None:
    result = run_action(
        stack, "action_answer", conversation(user("does progesterone cream stop it", "ask_progesterone"))
    )
    text = result["responses"][0]["text"].lower()
    assert "anecdote" in text and "not evidence" in text and "doctor" in text


@pytest.mark.parametrize(
    "intent, topic",
    [
        ("personal_situation", "helpline.personal"),
        ("express_distress", "helpline.distress"),
        ("out_of_scope", "out_of_scope"),
        ("greet", "greet"),
        ("bot_identity", "bot_identity"),
    ],
)
def test_canned_replies_are_configured_and_tagged(stack: Stack, intent: str, topic: str) -> None:
    result = run_action(stack, "action_canned_reply", conversation(user("...", intent)))
    assert topics(result) == [topic]


def test_hand_offs_give_the_configured_helpline_never_the_sales_line(stack: Stack) -> None:
    result = run_action(
        stack, "action_canned_reply", conversation(user("my report says B4, is it cancer?", "personal_situation"))
    )
    reply = result["responses"][0]
    assert "0808 800 6000" in reply["text"]
    assert reply["helpline"]["tel"] == "+448088006000"
    assert "877" not in reply["text"]


def test_urgent_care_comes_first_then_the_helpline(stack: Stack) -> None:
    result = run_action(stack, "action_canned_reply", conversation(user("bleeding heavily", "urgent_physical")))
    first, second = result["responses"]
    assert "999" in first["text"] and "0808 800 6000" not in first["text"]
    assert "0808 800 6000" in second["text"]
    assert topics(result) == ["urgent.physical", "urgent.physical"]


def test_first_fallback_offers_likely_topics_second_hands_off(stack: Stack) -> None:
    ranking = [{"name": "ask_marker_clip", "confidence": 0.4}, {"name": "ask_core_biopsy", "confidence": 0.3}]
    first = run_action(stack, "action_fallback", conversation(user("the thingy?", "nlu_fallback", ranking=ranking)))
    assert topics(first) == ["fallback"]
    titles = [b["title"] for b in first["responses"][0]["buttons"]]
    assert len(titles) == 3 and titles[-1] == "Talk to a person"

    second = run_action(
        stack,
        "action_fallback",
        conversation(
            user("the thingy?", "nlu_fallback", ranking=ranking),
            bot("Sorry, I'm not sure what you mean", topic="fallback"),
            user("the whatsit", "nlu_fallback", ranking=ranking),
        ),
    )
    assert topics(second) == ["helpline.not_understood"]
    assert "0808 800 6000" in second["responses"][0]["text"]


def test_unsure_but_likely_off_topic_says_it_cannot_answer_rather_than_asking_to_rephrase(stack: Stack) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "out_of_scope", "confidence": 0.45},
        {"name": "ask_definition", "confidence": 0.3},
    ]
    result = run_action(
        stack, "action_fallback", conversation(user("calcium in my knee?", "nlu_fallback", ranking=ranking))
    )
    assert topics(result) == ["out_of_scope"]
    reply = result["responses"][0]
    assert "can't answer that" in reply["text"] and "0808 800 6000" in reply["text"]
    assert not reply.get("buttons")


def test_feedback_is_recorded_for_the_answer_it_rates(stack: Stack) -> None:
    result = run_action(
        stack,
        "action_feedback",
        conversation(
            slot("last_entry", "marker_clip"),
            user(
                '/feedback_not_helpful{"entry_id": "marker_clip.mri"}',
                "feedback_not_helpful",
                [entity("entry_id", "marker_clip.mri")],
            ),
        ),
    )
    assert slots(result)["feedback"] == {"entry_id": "marker_clip.mri", "helpful": False}
    assert result["responses"][0]["feedback"] == {"entry_id": "marker_clip.mri", "helpful": False}


def test_tell_me_more_without_a_subject_asks_rather_than_guesses(stack: Stack) -> None:
    result = run_action(stack, "action_answer", conversation(user("tell me more", "ask_more")))
    assert topics(result) == ["fallback"]


def test_an_unsure_follow_up_is_answered_from_the_topic_being_discussed(stack: Stack) -> None:
    ranking = [{"name": "ask_definition", "confidence": 0.3}]
    result = run_action(
        stack,
        "action_fallback",
        conversation(
            slot("topic", "marker_clip"),
            slot("last_entry", "marker_clip"),
            user("and can that stay in forever", "nlu_fallback", ranking=ranking),
        ),
    )
    assert topics(result)[0].startswith("marker_clip")
    assert slots(result)["topic"] == "marker_clip"


@pytest.mark.parametrize(
    "message, expected",
    [
        # names nothing and matches "How long does the wire stay in?": stays on the wire
        (user("and how long does it stay in for", "ask_surgery_recovery"), "wire_localisation.how_long"),
        # names the clip: the named concept wins over the topic being discussed
        (user("and how long does the clip stay in for", "ask_marker_clip", [entity("device", "clip")]), "marker_clip"),
    ],
)
def test_a_pointing_follow_up_stays_on_the_topic_unless_it_names_another(
    stack: Stack, message: Dict[str, Any], expected: str
) -> None:
    result = run_action(
        stack,
        "action_answer",
        conversation(slot("topic", "wire_localisation"), slot("last_entry", "wire_localisation"), message),
    )
    assert topics(result)[0].startswith(expected)


def listening_addresses(port: int) -> List[str]:
    """The local addresses with a socket listening on `port` (Linux's /proc/net/tcp and tcp6)."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                if width == 8:
                    found.append(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    found.append("::" if int(address, 16) == 0 else address)
    return found


def test_the_action_server_listens_on_the_loopback_interface_only(stack: Stack) -> None:
    assert listening_addresses(stack.actions_port) == ["127.0.0.1"]
