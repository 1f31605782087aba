"""Every knowledge-base answer stays plain English: its Flesch reading ease, as patients see it
(helpline placeholders filled in, as the bot sends it), is at least MIN_READING_EASE, and the
median over all answers is at least MIN_MEDIAN_READING_EASE.

Scores come from textstat 0.7.4, which counts syllables with pyphen's bundled hyphenation
dictionaries and downloads nothing (later textstat releases use cmudict, and 0.7.13 fetches it
through NLTK at first use). Higher is easier: 60-70 is plain English, under 50 is hard to read.
To fix a failure, shorten sentences and use everyday words, not a lower limit."""

from __future__ import annotations

import statistics
from typing import List, Tuple

import pytest
import textstat

from core.knowledge.messages import load_messages
from core.knowledge.source_files import read_knowledge

MIN_READING_EASE = 50.0
MIN_MEDIAN_READING_EASE = 65.0
WORST_SHOWN = 5


@pytest.fixture(scope="module")
def scores() -> List[Tuple[float, str, str]]:
    """(reading ease, entry id, answer as sent) for every answer, hardest first."""
    messages = load_messages()
    scored = []
    for entry in read_knowledge().entries:
        text = messages.render(entry.answer)
        scored.append((textstat.flesch_reading_ease(text), entry.id, text))
    return sorted(scored)


def _worst(scored: List[Tuple[float, str, str]]) -> str:
    return "\n".join(f"  {score:5.1f}  {entry_id}: {text}" for score, entry_id, text in scored[:WORST_SHOWN])


def test_the_scorer_tells_plain_from_hard_english() -> None:
    plain = "The clip is made of metal. It will not set off alarms at airports."
    hard = (
        "Macrocalcifications are usually representative of degeneration of the breasts, either due to "
        "inflammation, injuries or aging of the breast arteries."
    )
    assert textstat.flesch_reading_ease(plain) > MIN_MEDIAN_READING_EASE
    assert textstat.flesch_reading_ease(hard) < MIN_READING_EASE


def test_every_answer_is_readable(scores: List[Tuple[float, str, str]]) -> None:
    assert scores, "no answers were read"
    hard = [s for s in scores if s[0] < MIN_READING_EASE]
    assert not hard, (
        f"{len(hard)} of {len(scores)} answers score under {MIN_READING_EASE} (Flesch reading ease); "
        f"the hardest:\n{_worst(scores)}"
    )


def test_the_median_answer_is_plain_english(scores: List[Tuple[float, str, str]]) -> None:
    median = statistics.median(score for score, _, _ in scores)
    assert median >= MIN_MEDIAN_READING_EASE, (
        f"median Flesch reading ease {median:.1f} is under {MIN_MEDIAN_READING_EASE}; "
        f"the hardest answers:\n{_worst(scores)}"
    )
