"""The custom actions in process: each run on a tracker built from events, with a
CollectingDispatcher, on the knowledge database built for the test run. Each test asserts what
the patient would receive (text, topic and sources in the metadata, citation, buttons) and the
events the action returns. These are the behaviours patients depend on; the same actions are
tested through the action server's HTTP API in tests/test_actions_http.py."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from actions.action_answer import ActionAnswer
from actions.action_canned_reply import ActionCannedReply
from actions.action_fallback import ActionFallback
from actions.action_feedback import ActionFeedback
from core.knowledge.source_files import read_knowledge
from tests.helpers.action_runs import ActionRun, knowledge_database, run_action
from tests.helpers.trackers import bot, entity, slot, user

pytestmark = pytest.mark.usefixtures(knowledge_database.__name__)

HELPLINE = "0808 800 6000"
HELPLINE_METADATA = {"name": "the breast cancer Helpline", "number": HELPLINE, "tel": "+448088006000"}
LEAFLET_CITATION = "From: *Breast calcifications*, patient leaflet reviewed April 2016"
FEEDBACK_QUESTION = "Was this helpful?"
NEVER_OFFERED = [banned for doc in read_knowledge().documents.values() for banned in doc.never_offer]


def choose_entry(entry_id: str) -> Dict[str, Any]:
    """A follow-up button pressed: its payload as the NLU reads it."""
    return user(f'/choose_entry{{"entry_id": "{entry_id}"}}', "choose_entry", [entity("entry_id", entry_id)])


def discussed(last_entry: str, *shown: str) -> List[Dict[str, Any]]:
    """The slots after answering with `last_entry` (and showing `shown` before it)."""
    return [
        slot("topic", last_entry.split(".")[0]),
        slot("last_entry", last_entry),
        slot("shown_entries", [*shown, last_entry]),
    ]


def button_payloads(message: Dict[str, Any]) -> List[str]:
    return [b["payload"] for b in message["buttons"]]


def assert_answered_with(run: ActionRun, entry_id: str) -> None:
    """The entry, cited, then the feedback question about it."""
    answer, feedback = run.messages
    assert answer["topic"] == answer["entry_id"] == entry_id
    assert answer["text"].endswith(LEAFLET_CITATION) and answer["text"].startswith(answer["answer"])
    assert all(p.startswith('/choose_entry{"entry_id": ') for p in button_payloads(answer))
    assert feedback["text"] == FEEDBACK_QUESTION and feedback["feedback_request"] is True
    assert button_payloads(feedback) == [
        f'/feedback_helpful{{"entry_id": "{entry_id}"}}',
        f'/feedback_not_helpful{{"entry_id": "{entry_id}"}}',
    ]
    assert run.slots["last_entry"] == entry_id and run.slots["topic"] == entry_id.split(".")[0]


def assert_gives_the_helpline(message: Dict[str, Any]) -> None:
    assert HELPLINE in message["text"]
    assert message["helpline"] == HELPLINE_METADATA
    assert [s["doc"] for s in message["sources"]] == ["004"] and HELPLINE in message["sources"][0]["quote"]


def assert_nothing_never_offered(run: ActionRun) -> None:
    digits = [banned.translate(str.maketrans("", "", " ()-")) for banned in NEVER_OFFERED]
    for text in run.texts:
        assert not any(banned in text for banned in NEVER_OFFERED)
        assert not any(d in text.translate(str.maketrans("", "", " ()-")) for d in digits)


# --- answers -------------------------------------------------------------------------------------


def test_an_answer_intent_gets_its_topic_entry_with_citation_follow_ups_and_the_feedback_question() -> None:
    run = run_action(ActionAnswer(), user("what is a marker clip?", "ask_marker_clip"))
    assert_answered_with(run, "marker_clip")
    answer = run.messages[0]
    assert answer["sources"][0]["doc"] == "004" and answer["sources"][0]["kind"] == "reviewed_patient_leaflet"
    assert "mark the site of the calcifications" in answer["sources"][0]["quote"]
    assert [b["title"] for b in answer["buttons"]] == [
        "Can the clip stay in?",
        "Will the clip set off airport alarms?",
        "What about MRI scans with the clip?",
    ]
    assert run.slots == {
        "topic": "marker_clip",
        "last_entry": "marker_clip",
        "sources": ["004"],
        "shown_entries": ["marker_clip"],
    }


def test_a_named_concept_picks_the_specific_entry() -> None:
    question = user(
        "will the clip set off airport alarms?",
        "ask_marker_clip",
        [entity("device", "clip"), entity("place", "airport")],
    )
    run = run_action(ActionAnswer(), question)
    assert_answered_with(run, "marker_clip.airport")
    assert run.messages[0]["text"].startswith("No. The marker clip will not set off alarms at airports.")
    assert "It will not set off alarms at airports." in [s["quote"] for s in run.messages[0]["sources"]]


def test_follow_up_buttons_leave_out_entries_already_shown() -> None:
    run = run_action(ActionAnswer(), *discussed("marker_clip.mri"), choose_entry("marker_clip.airport"))
    assert_answered_with(run, "marker_clip.airport")
    assert "marker_clip.mri" not in "".join(button_payloads(run.messages[0]))
    assert run.slots["shown_entries"] == ["marker_clip.mri", "marker_clip.airport"]


def test_a_button_press_answers_that_entry() -> None:
    run = run_action(ActionAnswer(), choose_entry("marker_clip.mri"))
    assert_answered_with(run, "marker_clip.mri")


def test_a_button_for_an_entry_no_longer_there_answers_from_its_topic() -> None:
    run = run_action(ActionAnswer(), choose_entry("marker_clip.removed_since"))
    answered = run.messages[0]["entry_id"]
    assert answered.split(".")[0] == "marker_clip"
    assert_answered_with(run, answered)


def test_a_button_for_a_topic_no_longer_there_says_so() -> None:
    run = run_action(ActionAnswer(), choose_entry("no_such_topic.entry"))
    assert run.topics == ["fallback"] and "button no longer works" in run.texts[0]
    assert run.events == []


def test_the_promotional_source_is_cited_as_such_and_its_number_never_offered() -> None:
    run = run_action(ActionAnswer(), user("do calcium tablets cause it", "ask_calcium_diet"))
    assert "website that promotes progesterone" in run.messages[0]["text"]
    assert "000" in run.slots["sources"]
    assert_nothing_never_offered(run)


# --- follow-ups in context -----------------------------------------------------------------------


def test_tell_me_more_gives_the_next_entry_not_yet_shown() -> None:
    run = run_action(ActionAnswer(), *discussed("marker_clip"), user("tell me more", "ask_more"))
    assert_answered_with(run, "marker_clip.left_in")
    assert run.slots["shown_entries"] == ["marker_clip", "marker_clip.left_in"]


def test_tell_me_more_with_nothing_discussed_asks_rather_than_guesses() -> None:
    run = run_action(ActionAnswer(), user("tell me more", "ask_more"))
    assert run.topics == ["fallback"] and "tell me a bit more" in run.texts[0]
    assert run.events == []


def test_what_about_the_other_one_switches_to_the_named_procedure() -> None:
    run = run_action(
        ActionAnswer(),
        *discussed("core_biopsy"),
        user("what about the vacuum one?", "ask_more", [entity("procedure", "vacuum")]),
    )
    assert_answered_with(run, "vacuum_biopsy")


@pytest.mark.parametrize(
    "procedure, entry_id", [("vacuum_biopsy", "vacuum_biopsy.anaesthetic"), ("core_biopsy", "core_biopsy.anaesthetic")]
)
def test_does_it_hurt_is_answered_for_the_procedure_being_discussed(procedure: str, entry_id: str) -> None:
    run = run_action(ActionAnswer(), *discussed(procedure), user("does it hurt?", "ask_feel_pain"))
    assert_answered_with(run, entry_id)
    assert "anaesthetic" in run.messages[0]["text"]


def test_a_pointing_follow_up_stays_on_the_topic_being_discussed() -> None:
    run = run_action(
        ActionAnswer(),
        *discussed("wire_localisation"),
        user("and how long does it stay in for", "ask_surgery_recovery"),
    )
    assert_answered_with(run, "wire_localisation.how_long")


def test_an_unsure_follow_up_is_answered_from_the_topic_being_discussed() -> None:
    unsure = user(
        "and can that stay in forever", "nlu_fallback", ranking=[{"name": "ask_definition", "confidence": 0.3}]
    )
    run = run_action(ActionFallback(), *discussed("marker_clip"), unsure)
    assert_answered_with(run, "marker_clip.left_in")


@pytest.mark.parametrize("text", ["ever?", "even in your thirties?"])
def test_a_bare_continuation_is_answered_from_the_topic_being_discussed(text: str) -> None:
    run = run_action(ActionFallback(), *discussed("how_common"), user(text, "nlu_fallback"))
    assert run.topics[0].split(".")[0] == "how_common" and run.slots["topic"] == "how_common"


# --- hand-offs and urgent care -------------------------------------------------------------------


@pytest.mark.parametrize(
    "intent, topic, words",
    [
        ("personal_situation", "helpline.personal", "can't look at or advise on your own results"),
        ("express_distress", "helpline.distress", "you don't have to deal with it alone"),
    ],
)
def test_a_hand_off_gets_its_reply_and_the_helpline_and_ends_the_thread(intent: str, topic: str, words: str) -> None:
    run = run_action(ActionCannedReply(), *discussed("cancer_link"), user("mine came back B3, is it cancer?", intent))
    (reply,) = run.messages
    assert reply["topic"] == topic and words in reply["text"]
    assert reply["text"].endswith(LEAFLET_CITATION)
    assert_gives_the_helpline(reply)
    assert reply["buttons"] == []
    assert_nothing_never_offered(run)
    assert run.slots == {"topic": "helpline", "last_entry": None}  # "tell me more" does not go on


def test_asking_for_a_person_gets_the_helpline_entry_never_the_sales_line() -> None:
    run = run_action(ActionAnswer(), user("can I talk to someone", "ask_helpline"))
    assert_answered_with(run, "helpline")
    assert HELPLINE in run.texts[0]
    assert_nothing_never_offered(run)


@pytest.mark.parametrize(
    "intent, topic, advice",
    [("urgent_physical", "urgent.physical", "call 999"), ("urgent_self_harm", "urgent.self_harm", "116 123")],
)
def test_urgent_intents_get_the_urgent_advice_only(intent: str, topic: str, advice: str) -> None:
    run = run_action(ActionCannedReply(), *discussed("core_biopsy"), user("...", intent))
    advice_message, helpline_message = run.messages
    assert run.topics == [topic, topic]
    assert advice in advice_message["text"] and HELPLINE not in advice_message["text"]
    assert advice_message["sources"] == [] and "helpline" not in advice_message  # no call button beside 999
    assert_gives_the_helpline(helpline_message)
    assert helpline_message["helpline"] == HELPLINE_METADATA
    assert all(m["buttons"] == [] for m in run.messages)  # no answer, no follow-ups, no feedback question
    assert FEEDBACK_QUESTION not in run.texts
    assert_nothing_never_offered(run)
    assert run.slots == {"topic": "urgent", "last_entry": None}


@pytest.mark.parametrize("intent, topic", [("greet", "greet"), ("bot_identity", "bot_identity"), ("thank", "thanks")])
def test_small_talk_gets_its_reply_and_leaves_the_thread(intent: str, topic: str) -> None:
    run = run_action(ActionCannedReply(), *discussed("marker_clip"), user("...", intent))
    assert run.topics == [topic] and run.messages[0]["sources"] == []
    assert run.events == []


# --- fallback and out of scope -------------------------------------------------------------------

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.5},
    {"name": "ask_marker_clip", "confidence": 0.3},
    {"name": "ask_more", "confidence": 0.2},  # no topic of its own: not suggested
    {"name": "ask_core_biopsy", "confidence": 0.1},
    {"name": "ask_vacuum_biopsy", "confidence": 0.06},
    {"name": "ask_definition", "confidence": 0.055},  # a fourth suggestion: one too many
]


def test_the_first_fallback_offers_the_likeliest_topics_as_buttons_and_a_person() -> None:
    run = run_action(ActionFallback(), user("the thingy?", "nlu_fallback", ranking=RANKING))
    (reply,) = run.messages
    assert reply["topic"] == "fallback" and "say it another way" in reply["text"]
    assert reply["buttons"] == [
        {"title": "Why is a marker clip used?", "payload": '/choose_entry{"entry_id": "marker_clip"}'},
        {"title": "What is a core biopsy?", "payload": '/choose_entry{"entry_id": "core_biopsy"}'},
        {"title": "What is a vacuum-assisted biopsy?", "payload": '/choose_entry{"entry_id": "vacuum_biopsy"}'},
        {"title": "Talk to a person", "payload": "/ask_helpline"},
    ]
    assert run.events == []


def test_unlikely_readings_are_not_suggested() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.9}, {"name": "ask_marker_clip", "confidence": 0.04}]
    run = run_action(ActionFallback(), user("hmm", "nlu_fallback", ranking=ranking))
    assert button_payloads(run.messages[0]) == ["/ask_helpline"]


def test_the_second_fallback_in_a_row_says_it_is_not_understood_and_gives_the_helpline() -> None:
    run = run_action(
        ActionFallback(),
        user("the thingy?", "nlu_fallback", ranking=RANKING),
        bot("Sorry, I'm not sure what you mean", topic="fallback"),
        user("the whatsit", "nlu_fallback", ranking=RANKING),
    )
    (reply,) = run.messages
    assert reply["topic"] == "helpline.not_understood" and "still don't understand" in reply["text"]
    assert_gives_the_helpline(reply)
    assert reply["buttons"] == [] and run.events == []


def test_unsure_but_likely_off_topic_says_it_cannot_answer() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "out_of_scope", "confidence": 0.45}, *RANKING[1:]]
    run = run_action(ActionFallback(), user("calcium in my knee?", "nlu_fallback", ranking=ranking))
    (reply,) = run.messages
    assert reply["topic"] == "out_of_scope" and "can't answer that" in reply["text"]
    assert_gives_the_helpline(reply)
    assert reply["buttons"] == [] and run.events == []


def test_out_of_scope_says_it_cannot_answer_with_the_helpline() -> None:
    run = run_action(ActionCannedReply(), *discussed("marker_clip"), user("what's the weather", "out_of_scope"))
    (reply,) = run.messages
    assert reply["topic"] == "out_of_scope" and "documents I use don't cover it" in reply["text"]
    assert_gives_the_helpline(reply)
    assert_nothing_never_offered(run)
    assert run.events == []  # the thread of questions goes on


# --- feedback ------------------------------------------------------------------------------------


def feedback(intent: str, entry_id: str) -> Dict[str, Any]:
    return user(f'/{intent}{{"entry_id": "{entry_id}"}}', intent, [entity("entry_id", entry_id)])


@pytest.mark.parametrize("intent, helpful", [("feedback_helpful", True), ("feedback_not_helpful", False)])
def test_feedback_is_recorded_for_the_answer_it_rates(intent: str, helpful: bool) -> None:
    run = run_action(ActionFeedback(), *discussed("marker_clip"), feedback(intent, "marker_clip.mri"))
    record = {"entry_id": "marker_clip.mri", "helpful": helpful}  # the button's entry, not the last one
    (reply,) = run.messages
    assert reply["topic"] == "feedback" and reply["feedback"] == record
    assert run.slots == {"feedback": record}
    assert ("glad it helped" in reply["text"]) is helpful
    assert (HELPLINE in reply["text"]) is not helpful  # not helped: the helpline is offered


def test_typed_feedback_rates_the_last_answer() -> None:
    run = run_action(ActionFeedback(), *discussed("marker_clip.airport"), user("yes thanks", "feedback_helpful"))
    assert run.slots == {"feedback": {"entry_id": "marker_clip.airport", "helpful": True}}


def test_feedback_with_nothing_to_rate_records_nothing() -> None:
    run = run_action(ActionFeedback(), user("great thanks", "feedback_helpful"))
    assert run.topics == ["feedback"] and run.texts == [
        "Thanks. What would you like to know about breast calcifications?"
    ]
    assert run.events == [] and "feedback" not in run.messages[0]


@pytest.mark.parametrize("rated", [[], [feedback("feedback_not_helpful", "no_such.entry")]])
def test_someone_not_helped_is_offered_a_person_even_with_nothing_to_rate(rated: List[Dict[str, Any]]) -> None:
    run = run_action(ActionFeedback(), *(rated or [user("that was useless", "feedback_not_helpful")]))
    (reply,) = run.messages
    assert HELPLINE in reply["text"] and reply["helpline"] == HELPLINE_METADATA
    assert run.events == [] and "feedback" not in reply  # an entry that is not there is not rated
