"""Masks personal identifiers in what patients type, before it is stored, published or logged:
names, e-mail addresses, phone numbers, NHS numbers, postcodes, dates of birth, street addresses
and hospital numbers. Each is replaced by its label in brackets ("[name]", "[phone]"), so staff
still see what kind of thing was said.

Presidio's analyzer runs the recognizers of conversation_store/identifier_recognizers.py and the
project's own spaCy model of names and addresses (build/identifier_ner, trained at set-up by
conversation_store/identifier_model.py); Presidio's anonymizer replaces what they find.
`make bench-masking` measures it on the team's benchmark (bench/masking_corpus.yml)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import List

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import ConflictResolutionStrategy, OperatorConfig

from conversation_store.identifier_recognizers import identifiers_config, is_public_name, project_recognizers
from core.paths import BUILD_DIR

MODEL_DIR = BUILD_DIR / "identifier_ner"
MODEL_KINDS = ["name", "address"]


@dataclass(frozen=True)
class Identifier:
    """One personal identifier found in a text: its kind (identifiers.yml) and where it is."""

    kind: str
    start: int
    end: int


class MaskingModelMissing(RuntimeError):
    """The names and addresses model has not been built."""


@functools.lru_cache(maxsize=None)
def _analyzer() -> AnalyzerEngine:
    if not (MODEL_DIR / "meta.json").exists():
        raise MaskingModelMissing(
            f"The masking model {MODEL_DIR} is missing: `make setup` trains it (before anything stores messages)."
        )
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": str(MODEL_DIR)}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping={kind: kind for kind in MODEL_KINDS},
            labels_to_ignore=[],
            low_score_entity_names=[],
            default_score=0.85,
        ),
    )
    nlp_engine.load()
    registry = RecognizerRegistry(recognizers=project_recognizers())
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def load() -> None:
    """Loads the model, the recognizers and their word lists now rather than at the first message
    (which would wait a second for them), and fails now if the model is missing."""
    _anonymizer()
    _analyzer().analyze("Hi, I'm Bev from 12 High Street, thanks - Bev", language="en")


@functools.lru_cache(maxsize=None)
def _anonymizer() -> AnonymizerEngine:
    return AnonymizerEngine()


def _operators() -> dict:
    return {
        kind: OperatorConfig("replace", {"new_value": label}) for kind, label in identifiers_config()["labels"].items()
    }


def _merged(text: str, results: List[RecognizerResult]) -> List[RecognizerResult]:
    """Overlapping findings as one, so that masking covers every character any recognizer found
    (a street the model found and the town a pattern added are one address), of the kind of the
    longest ("+1 415 555 0164" is a phone though "415 555 0164" passes the NHS check), or of the
    surest when they are as long."""
    merged: List[RecognizerResult] = []
    for result in sorted(results, key=lambda r: (r.start, -r.end)):
        last = merged[-1] if merged else None
        if last is not None and result.start >= last.end and text[last.end : result.start] in ("-", "'", "’"):
            merged[-1] = RecognizerResult(last.entity_type, last.start, result.end, max(last.score, result.score))
            continue  # "Kelly-Jo", "Mensah-Darko"
        if last is None or result.start >= last.end:
            merged.append(result)
            continue
        longer = (result.end - result.start, result.score) > (last.end - last.start, last.score)
        kind = result.entity_type if longer else last.entity_type
        merged[-1] = RecognizerResult(kind, last.start, max(last.end, result.end), max(last.score, result.score))
    return merged


def _found(text: str) -> List[RecognizerResult]:
    if not text or not text.strip():
        return []
    results = _analyzer().analyze(text, language="en", score_threshold=identifiers_config()["threshold"])
    return _merged(
        text,
        [
            r
            for r in results
            if not (r.entity_type == "name" and is_public_name(text[r.start : r.end], text[: r.start]))
        ],
    )


def identifiers(text: str) -> List[Identifier]:
    """Every personal identifier found in `text`, in order."""
    return [Identifier(r.entity_type, r.start, r.end) for r in _found(text)]


# The tracker store masks every patient message of a conversation each time it saves it: the
# messages already masked (and masking's own results) are answered from here.
@functools.lru_cache(maxsize=8192)
def mask(text: str) -> str:
    """`text` with every personal identifier found replaced by its label."""
    found = _found(text)
    if not found:
        return text
    return (
        _anonymizer()
        .anonymize(
            text, found, operators=_operators(), conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS
        )
        .text
    )
