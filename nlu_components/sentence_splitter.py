"""SentenceSplitter: lets the rest of the NLU pipeline read a long message sentence by sentence.

Patients write their story and their question in one message ("They called me back after my
mammogram and I've been in bits all week. What is a vacuum biopsy like?"). Classified as a whole,
the story pulls the message to a hand-off or to the wrong topic. Right after SpacyNLP, this
component splits the message into sentences (the project's spaCy pipeline has a sentencizer; a
spaced dash and a line break also end a sentence, and a question after "but" or ", so" is a
clause of its own: "I know you can't tell me about mine, but in general can they be cancer?")
and appends one message per sentence to the
batch the pipeline is processing. Every later component (tokenizer, featurizers, DIET, the
FallbackClassifier, the SafetyNet) then classifies each sentence as well as the whole message,
and the MessageComposer, last in the pipeline, turns their results into one reading of the
message and drops the sentence messages again (Rasa reads only the first message of the batch).

Nothing changes in training: the classifier learns from the training examples as they are.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc, Span

from nlu_components.configured import ConfiguredComponent
from nlu_components.question_form import starts_a_question

# Set (not output) on each sentence message: the index of its whole message in the batch, and
# where the sentence starts in that message's text.
SENTENCE_OF = "sentence_of"
SENTENCE_START = "sentence_start"
DASHES = {"-", "–", "—", "--"}
# The fewest words on each side of a conjunction for a question after it to be a clause of its own.
MIN_CLAUSE_WORDS = 3


def _ends_sentence(doc: Doc, i: int) -> bool:
    """A line break, or a dash with a space on both sides ("B3 - what is a vacuum biopsy?")."""
    token = doc[i]
    if token.is_space:
        return "\n" in token.text
    return token.text in DASHES and bool(token.whitespace_) and i > 0 and bool(doc[i - 1].whitespace_)


def _question_clause_start(span: Span) -> Optional[int]:
    """Where a question begins after a conjunction inside a sentence ("I know you can't tell me
    about mine, but in general can they be cancer?"): the token after the conjunction, if both
    sides have at least `MIN_CLAUSE_WORDS` words."""
    for i, token in enumerate(span):
        if i < MIN_CLAUSE_WORDS or len(span) - i - 1 < MIN_CLAUSE_WORDS:
            continue
        joins = token.lower_ == "but" or (token.lower_ in ("so", "and") and span[i - 1].text == ",")
        if (joins or token.text == ";") and starts_a_question(span[i + 1 :].text):
            return span.start + i + 1
    return None


def sentence_spans(doc: Doc) -> List[Span]:
    """The doc's sentences, with line breaks, spaced dashes and a question after a conjunction as
    further boundaries; spans without a letter (a lone "?", an emoji) are left out."""
    spans: List[Span] = []
    for sentence in doc.sents:
        start = sentence.start
        for i in range(sentence.start, sentence.end):
            if _ends_sentence(doc, i):
                spans.append(doc[start:i])
                start = i + 1
        spans.append(doc[start : sentence.end])
    clauses: List[Span] = []
    for span in spans:
        question = _question_clause_start(span)
        clauses += [doc[span.start : question - 1], doc[question : span.end]] if question else [span]
    return [s for s in clauses if any(t.is_alpha for t in s)]


# Registered as a classifier, not a tokenizer: it must run at prediction only, not on training data
# or in the end-to-end featurization of dialogue policies.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SentenceSplitter(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # A bound on the work one message can cause: each sentence is classified separately.
        return {"max_sentences": 12}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.max_sentences = int(config["max_sentences"])

    def process(self, messages: List[Message]) -> List[Message]:
        sentences: List[Message] = []
        for index, message in enumerate(messages):
            text = message.get(TEXT) or ""
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None or text.startswith("/") or message.get(SENTENCE_OF) is not None:
                continue  # buttons' payloads ("/choose_entry{...}") are not sentences
            spans = sentence_spans(doc)
            if len(spans) < 2:
                continue
            for span in spans[: self.max_sentences]:
                # The doc is of the lower-cased text; show the sentence as the person wrote it.
                same_length = len(doc.text) == len(text)
                sentence = Message(data={TEXT: text[span.start_char : span.end_char] if same_length else span.text})
                sentence.set(SPACY_DOCS[TEXT], span.as_doc())
                sentence.set(SENTENCE_OF, index)
                sentence.set(SENTENCE_START, span.start_char)
                sentences.append(sentence)
        return messages + sentences
