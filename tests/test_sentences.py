"""Long messages read sentence by sentence: the SentenceSplitter and the MessageComposer, in
process through their public API on the project's own spaCy pipeline."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language

from nlu_components.handoff_classifier import NEEDS
from nlu_components.message_composer import HANDOFF, SENTENCES, MessageComposer, is_question
from nlu_components.safety_net import CLEARED
from nlu_components.sentence_splitter import SENTENCE_OF, SENTENCE_START, SentenceSplitter, sentence_spans
from stack.processes import PROJECT_ROOT


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.load(PROJECT_ROOT / "build" / "spacy_pipeline")


def split(nlp: Language, text: str) -> List[str]:
    return [s.text for s in sentence_spans(nlp(text))]


def test_a_story_and_its_question_are_separate_sentences(nlp: Language) -> None:
    text = "They called me back after my mammogram. I've been in bits all week! What is a vacuum biopsy like?"
    assert split(nlp, text) == [
        "They called me back after my mammogram.",
        "I've been in bits all week!",
        "What is a vacuum biopsy like?",
    ]


def test_spaced_dashes_and_line_breaks_end_sentences_but_hyphens_do_not(nlp: Language) -> None:
    assert split(nlp, "mine came back as B3 - what is a vacuum biopsy like?") == [
        "mine came back as B3",
        "what is a vacuum biopsy like?",
    ]
    assert split(nlp, "had my x-ray\ndoes the core biopsy hurt") == ["had my x-ray", "does the core biopsy hurt"]


def test_fragments_without_letters_are_not_sentences(nlp: Language) -> None:
    assert split(nlp, "what is a marker clip?\n:( ??") == ["what is a marker clip?"]


def test_the_splitter_adds_one_message_per_sentence_after_the_batch(nlp: Language) -> None:
    text = "I had a biopsy yesterday. Will the clip set off airport alarms?"
    whole = Message(data={TEXT: text})
    whole.set(SPACY_DOCS[TEXT], nlp(text.lower()))
    button = Message(data={TEXT: '/choose_entry{"entry_id": "marker_clip.mri"}'})
    button.set(SPACY_DOCS[TEXT], nlp(button.get(TEXT)))
    out = SentenceSplitter(SentenceSplitter.get_default_config()).process([whole, button])
    assert out[:2] == [whole, button]
    sentences = out[2:]
    assert [s.get(TEXT) for s in sentences] == ["I had a biopsy yesterday.", "Will the clip set off airport alarms?"]
    assert [s.get(SENTENCE_OF) for s in sentences] == [0, 0]
    assert text[sentences[1].get(SENTENCE_START) :].startswith("Will the clip")
    assert sentences[1].get(SPACY_DOCS[TEXT]).text == "will the clip set off airport alarms?"


def test_a_one_sentence_message_is_left_alone(nlp: Language) -> None:
    whole = Message(data={TEXT: "does the biopsy hurt"})
    whole.set(SPACY_DOCS[TEXT], nlp("does the biopsy hurt"))
    assert SentenceSplitter(SentenceSplitter.get_default_config()).process([whole]) == [whole]


def test_questions_are_recognised_with_or_without_a_question_mark() -> None:
    assert is_question("so what is a vacuum biopsy")
    assert is_question("ok and does it hurt")
    assert is_question("the clip thing?")
    assert not is_question("My mum had breast cancer at 60.")


def classified(
    text: str,
    intent: str,
    confidence: float,
    start: Optional[int] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    safety_net: Optional[str] = None,
) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}])
    message.set(ENTITIES, entities or [])
    if start is not None:
        message.set(SENTENCE_OF, 0)
        message.set(SENTENCE_START, start)
    if safety_net:
        message.set("safety_net", safety_net)
    return message


def compose(whole: Message, *sentences: Message) -> Message:
    out = MessageComposer(MessageComposer.get_default_config()).process([whole, *sentences])
    assert out == [whole]
    return whole


STORY = "My biopsy came back B3 and I'm scared. What is a vacuum biopsy like?"


def test_the_question_sentence_gives_the_topic_and_the_story_a_hand_off() -> None:
    clip = {"entity": "procedure", "value": "vacuum biopsy", "start": 10, "end": 23}
    whole = compose(
        classified(STORY, "personal_situation", 1.0, safety_net="asks_for_a_decision_or_diagnosis"),
        classified("My biopsy came back B3 and I'm scared.", "personal_situation", 1.0, 0, safety_net="x"),
        classified("What is a vacuum biopsy like?", "ask_vacuum_biopsy", 0.9, 39, [clip]),
    )
    assert whole.get(INTENT)["name"] == "ask_vacuum_biopsy"
    assert whole.get(HANDOFF) == {"intent": "personal_situation"}
    entity = whole.get(ENTITIES)[0]
    assert STORY[entity["start"] : entity["end"]] == "vacuum biopsy"
    assert [s["intent"] for s in whole.get(SENTENCES)] == ["personal_situation", "ask_vacuum_biopsy"]
    assert all("text" not in s for s in whole.get(SENTENCES))


def test_urgent_signs_in_any_sentence_win_with_nothing_else() -> None:
    text = "Since the biopsy I've been bleeding heavily. Does the clip stay in?"
    whole = compose(
        classified(text, "ask_marker_clip", 0.8),
        classified(
            "Since the biopsy I've been bleeding heavily.", "urgent_physical", 1.0, 0, safety_net="heavy_bleeding"
        ),
        classified("Does the clip stay in?", "ask_marker_clip", 0.95, 45),
    )
    assert whole.get(INTENT)["name"] == "urgent_physical"
    assert whole.get(HANDOFF) is None


def test_an_unsure_hand_off_reading_of_a_sentence_adds_nothing() -> None:
    text = "My mum had calcifications years ago. Are they cancer?"
    whole = compose(
        classified(text, "ask_cancer_link", 0.7),
        classified("My mum had calcifications years ago.", "personal_situation", 0.4, 0),
        classified("Are they cancer?", "ask_cancer_link", 0.9, 37),
    )
    assert whole.get(INTENT)["name"] == "ask_cancer_link"
    assert whole.get(HANDOFF) is None


def test_a_hand_off_without_an_answerable_question_is_the_reading() -> None:
    text = "I got my results. It says R4. Not sure what to think."
    whole = compose(
        classified(text, "nlu_fallback", 0.4),
        classified("I got my results.", "ask_results_next", 0.5, 0),
        classified("It says R4.", "personal_situation", 1.0, 18, safety_net="asks_for_a_decision_or_diagnosis"),
        classified("Not sure what to think.", "express_distress", 0.3, 30),
    )
    assert whole.get(INTENT)["name"] == "personal_situation"


def test_an_unsure_sentence_reading_out_of_context_counts_for_nothing() -> None:
    text = "They left a marker in after my biopsy. Will I get pulled aside at the scanner? Just want to be prepared."
    whole = compose(
        classified(text, "ask_marker_clip", 0.8),
        classified("They left a marker in after my biopsy.", "ask_marker_clip", 0.9, 0),
        classified("Will I get pulled aside at the scanner?", "express_distress", 0.7, 39),
        classified("Just want to be prepared.", "urgent_self_harm", 0.6, 79),
    )
    assert whole.get(INTENT)["name"] == "ask_marker_clip"
    assert whole.get(HANDOFF) is None


def test_a_question_a_safety_rule_made_a_hand_off_is_answered_beside_the_hand_off() -> None:
    text = "results said B3 and now theyre booking me in for a vacuum biopsy, whats that like?"
    whole = classified(text, "personal_situation", 1.0, safety_net="asks_for_a_decision_or_diagnosis")
    whole.set(
        INTENT_RANKING_KEY,
        [{"name": "personal_situation", "confidence": 1.0}, {"name": "ask_vacuum_biopsy", "confidence": 0.7}],
    )
    compose(whole)
    assert whole.get(INTENT)["name"] == "ask_vacuum_biopsy"
    assert whole.get(HANDOFF) == {"intent": "personal_situation"}
    assert whole.get("message_reading") == {"intent": "personal_situation", "confidence": 1.0}


def test_a_rule_hand_off_without_a_likely_answer_stays_a_hand_off() -> None:
    whole = classified(
        "is mine the bad kind?", "personal_situation", 1.0, safety_net="asks_for_a_decision_or_diagnosis"
    )
    whole.set(
        INTENT_RANKING_KEY,
        [{"name": "personal_situation", "confidence": 1.0}, {"name": "ask_cancer_link", "confidence": 0.3}],
    )
    compose(whole)
    assert whole.get(INTENT)["name"] == "personal_situation" and whole.get(HANDOFF) is None


def test_questions_asked_inside_a_sentence_count() -> None:
    assert is_question("her mother had cancer so shes asking me does having benign ones raise your risk")


def test_an_unsure_question_is_read_by_the_topic_the_message_names() -> None:
    text = "They left a marker in after my biopsy. Will I get pulled aside at the scanner?"
    question = classified("Will I get pulled aside at the scanner?", "nlu_fallback", 0.5, 39)
    question.set(
        INTENT_RANKING_KEY,
        [{"name": "ask_detection", "confidence": 0.3}, {"name": "ask_marker_clip", "confidence": 0.25}],
    )
    whole = compose(
        classified(text, "statement", 0.9),
        classified("They left a marker in after my biopsy.", "statement", 0.9, 0),
        question,
    )
    assert whole.get(INTENT)["name"] == "ask_marker_clip"


def with_needs(message: Message, person: float = 0.0, urgent_physical: float = 0.0) -> Message:
    """The HandoffClassifier's probabilities on a message."""
    message.set(
        NEEDS, {"neither": 1.0 - person - urgent_physical, "person": person, "urgent_physical": urgent_physical}
    )
    return message


def test_the_hand_off_classifier_adds_a_hand_off_beside_the_answer_that_the_intents_missed() -> None:
    text = "Been putting a brave face on for the kids since the recall. How long does a core biopsy take?"
    whole = compose(
        with_needs(classified(text, "ask_core_biopsy", 0.8), person=0.75),
        classified("Been putting a brave face on for the kids since the recall.", "statement", 0.9, 0),
        classified("How long does a core biopsy take?", "ask_core_biopsy", 0.95, 60),
    )
    assert whole.get(INTENT)["name"] == "ask_core_biopsy"
    assert whole.get(HANDOFF) == {"intent": "personal_situation"}


def test_the_hand_off_classifier_reads_the_whole_message_not_a_sentence_out_of_context() -> None:
    text = "They put a pressure pad on after the biopsy. Does the clip stay in?"
    whole = compose(
        with_needs(classified(text, "ask_marker_clip", 0.9), person=0.2),
        with_needs(classified("They put a pressure pad on after the biopsy.", "statement", 0.9, 0), 0.1, 0.85),
        classified("Does the clip stay in?", "ask_marker_clip", 0.95, 45),
    )
    assert whole.get(INTENT)["name"] == "ask_marker_clip" and whole.get(HANDOFF) is None


def test_the_hand_off_classifier_hands_off_a_message_with_no_question() -> None:
    text = "I just cant stop shaking since the phone call"
    whole = compose(with_needs(classified(text, "ask_assessment", 0.6), person=0.7))
    assert whole.get(INTENT) == {"name": "personal_situation", "confidence": 0.7}


def test_the_hand_off_classifier_finds_urgent_signs_the_intents_missed() -> None:
    text = "the bruise from the biopsy is spreading while I watch and throbbing. is that normal?"
    whole = compose(with_needs(classified(text, "ask_core_biopsy", 0.7), person=0.1, urgent_physical=0.8))
    assert whole.get(INTENT) == {"name": "urgent_physical", "confidence": 0.8}
    assert whole.get(HANDOFF) is None


def test_probabilities_under_the_hand_off_classifiers_thresholds_change_nothing() -> None:
    text = "Does a core biopsy hurt?"
    whole = compose(with_needs(classified(text, "ask_core_biopsy", 0.9), person=0.2, urgent_physical=0.2))
    assert whole.get(INTENT)["name"] == "ask_core_biopsy" and whole.get(HANDOFF) is None


def test_an_urgent_reading_the_hand_off_classifier_does_not_support_is_a_hand_off() -> None:
    text = "I've got two small kids and everyone says it's probably nothing."
    whole = compose(with_needs(classified(text, "urgent_self_harm", 1.0, safety_net="escalation_floor"), 0.5, 0.1))
    assert whole.get(INTENT)["name"] in ("personal_situation", "express_distress")


def test_a_safety_rules_urgent_reading_needs_no_support() -> None:
    text = "Since the biopsy I've been bleeding heavily."
    whole = compose(with_needs(classified(text, "urgent_physical", 1.0, safety_net="heavy_bleeding"), 0.1, 0.05))
    assert whole.get(INTENT)["name"] == "urgent_physical"


def test_a_topic_without_a_question_mark_keeps_its_answer_beside_the_classifiers_hand_off() -> None:
    text = "ive got one of those clips in and they want me in the mri for my back"
    whole = compose(with_needs(classified(text, "ask_marker_clip", 0.9), person=0.7))
    assert whole.get(INTENT)["name"] == "ask_marker_clip"
    assert whole.get(HANDOFF) == {"intent": "personal_situation"}


def test_the_hand_off_classifier_does_not_hand_off_what_diet_reads_as_out_of_scope() -> None:
    whole = compose(with_needs(classified("whats the best way to roast potatoes", "out_of_scope", 0.7), person=0.61))
    assert whole.get(INTENT)["name"] == "out_of_scope" and whole.get(HANDOFF) is None


def test_an_urgent_reading_needs_the_same_kind_of_urgent_care_from_the_hand_off_classifier() -> None:
    story = "I've been on my own since my husband passed and there's nobody to come with me."
    text = f"{story} Who do I talk to?"
    whole = classified(text, "ask_helpline", 0.6)
    whole.set(NEEDS, {"neither": 0.0, "person": 0.54, "urgent_physical": 0.04, "urgent_self_harm": 0.42})
    sentences = [classified(story, "urgent_physical", 1.0, 0), classified("Who do I talk to?", "ask_helpline", 0.9, 81)]
    whole = compose(whole, *sentences)
    assert whole.get(INTENT)["name"] == "ask_helpline"  # a hand-off, not the advice to call 999


def test_a_question_after_a_conjunction_is_a_clause_of_its_own(nlp: Language) -> None:
    assert split(nlp, "i know you can't tell me about mine, but in general can they be cancer?") == [
        "i know you can't tell me about mine,",
        "in general can they be cancer?",
    ]
    assert split(nlp, "mine came back as b3, so what is a vacuum biopsy like?")[-1] == "what is a vacuum biopsy like?"
    # no question after it, or too few words on one side: one sentence
    assert len(split(nlp, "they said it was nothing but i am still worried")) == 1
    assert len(split(nlp, "what is it and how is it done")) == 1


def test_a_question_passed_on_for_someone_else_is_a_question() -> None:
    assert is_question("she asked me to ask you can an injury to the breast cause calcifications")
    assert not is_question("she had an injury to the breast years ago")


def test_an_unsure_urgent_reading_needs_more_support_than_a_confident_one() -> None:
    text = "will the marker be in me for the rest of my life?"
    unsure = classified(text, "urgent_self_harm", 0.6)
    unsure.set(NEEDS, {"neither": 0.4, "person": 0.27, "urgent_physical": 0.0, "urgent_self_harm": 0.33})
    assert compose(unsure).get(INTENT)["name"] != "urgent_self_harm"
    confident = classified(text, "urgent_self_harm", 0.95)
    confident.set(NEEDS, {"neither": 0.4, "person": 0.27, "urgent_physical": 0.0, "urgent_self_harm": 0.33})
    assert compose(confident).get(INTENT)["name"] == "urgent_self_harm"


@pytest.mark.parametrize(
    "story, question, read_as",
    [
        # pointing back to the near miss: the leaflet's answer would only look related
        ("My scan showed calcium in my kidneys.", "Is that the same as the breast ones?", "out_of_scope"),
        # a question of its own beside a near miss is answered
        ("I've been on HRT for years.", "What are breast calcifications?", "ask_definition"),
    ],
)
def test_a_question_is_answered_beside_a_near_miss_unless_it_points_back_to_it(
    story: str, question: str, read_as: str
) -> None:
    whole = compose(
        classified(f"{story} {question}", "out_of_scope", 1.0, safety_net="not_in_the_documents"),
        classified(story, "out_of_scope", 1.0, 0, safety_net="not_in_the_documents"),
        classified(question, "ask_definition", 0.9, len(story) + 1),
    )
    assert whole.get(INTENT)["name"] == read_as


def test_a_question_pointing_back_to_the_story_takes_the_whole_messages_confident_reading() -> None:
    story = "They said hers are right up by the chest wall."
    question = "Does that change how they take the sample?"
    text = f"{story} {question}"
    whole = compose(
        classified(text, "ask_surgical_biopsy", 0.95),
        classified(story, "statement", 0.9, 0),
        classified(question, "ask_core_biopsy", 0.9, len(story) + 1),
    )
    assert whole.get(INTENT)["name"] == "ask_surgical_biopsy"


def test_a_question_of_its_own_keeps_its_reading_beside_a_story() -> None:
    story = "They said hers are right up by the chest wall."
    question = "What is a core biopsy?"
    whole = compose(
        classified(f"{story} {question}", "ask_surgical_biopsy", 0.95),
        classified(story, "statement", 0.9, 0),
        classified(question, "ask_core_biopsy", 0.9, len(story) + 1),
    )
    assert whole.get(INTENT)["name"] == "ask_core_biopsy"


def test_a_sentences_urgent_reading_does_not_count_where_a_rule_ruled_it_out() -> None:
    """The whole message says the person is safe (a rule with `rules_out`): a sentence of it that
    DIET reads confidently as self-harm, with the hand-off classifier's support, is a hand-off."""
    story = "I'm not going to do anything daft."
    text = f"{story} Nobody in my life gets it since he died."
    whole = classified(text, "express_distress", 1.0, safety_net="says_they_are_safe")
    whole.set(CLEARED, ["urgent_self_harm"])
    whole.set(NEEDS, {"neither": 0.1, "person": 0.5, "urgent_physical": 0.0, "urgent_self_harm": 0.4})
    lonely = classified("Nobody in my life gets it since he died.", "urgent_self_harm", 0.95, len(story) + 1)
    composed = compose(whole, classified(story, "express_distress", 1.0, 0, safety_net="x"), lonely)
    assert composed.get(INTENT)["name"] == "express_distress"
    # without the rule, the same readings are urgent
    again = classified(text, "express_distress", 0.7)
    again.set(NEEDS, {"neither": 0.1, "person": 0.5, "urgent_physical": 0.0, "urgent_self_harm": 0.4})
    lonely = classified("Nobody in my life gets it since he died.", "urgent_self_harm", 0.95, len(story) + 1)
    assert compose(again, lonely).get(INTENT)["name"] == "urgent_self_harm"


def test_a_sentences_urgent_reading_beside_a_rules_hand_off_needs_more_support() -> None:
    """A rule made the whole message a hand-off: a sentence that DIET reads as self-harm with
    little support from the hand-off classifier (0.3) adds nothing; with more (0.45) it wins."""
    story = "Nobody in my life gets it."
    text = f"{story} Should I have the operation or not?"

    def composed(support: float) -> str:
        whole = classified(text, "personal_situation", 1.0, safety_net="asks_for_a_decision_or_diagnosis")
        whole.set(NEEDS, {"neither": 0.2, "person": 0.8 - support, "urgent_physical": 0.0, "urgent_self_harm": support})
        lonely = classified(story, "urgent_self_harm", 0.95, 0)
        rule = classified(
            "Should I have the operation or not?", "personal_situation", 1.0, len(story) + 1, safety_net="x"
        )
        return compose(whole, lonely, rule).get(INTENT)["name"]

    assert composed(0.3) == "personal_situation"
    assert composed(0.45) == "urgent_self_harm"
