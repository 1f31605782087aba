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

from nlu_components.message_composer import HANDOFF, SENTENCES, MessageComposer, is_question
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
