"""The project's spaCy pipeline, as built by `make spacy` and used by Rasa (config.yml)."""

from __future__ import annotations

import spacy
import yaml

from stack.processes import PROJECT_ROOT

PIPELINE = PROJECT_ROOT / "build" / "spacy_pipeline"


def test_config_uses_the_projects_own_pipeline() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    spacy_nlp = next(c for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert spacy_nlp["model"] == "build/spacy_pipeline"
    assert {"SpacyTokenizer", "SpacyEntityExtractor", "DIETClassifier", "FallbackClassifier"} <= {
        c["name"] for c in config["pipeline"]
    }


def test_pipeline_finds_the_knowledge_base_concepts_in_lay_words() -> None:
    nlp = spacy.load(PIPELINE)
    assert nlp.pipe_names == ["lemmatizer", "sentencizer", "entity_ruler"]
    cases = {
        "will the metal marker set off alarms at AIRPORT security?": {"device", "place"},
        "do calcium tablets cause them": {"substance"},
        "is the mammotome biopsy worse than the core biopsy": {"procedure"},
        "what if I need an MRI scan later": {"imaging"},
    }
    for text, labels in cases.items():
        assert labels <= {e.label_ for e in nlp(text).ents}, text


def test_plurals_and_case_match_too() -> None:
    nlp = spacy.load(PIPELINE)
    ents = {(e.text, e.ent_id_) for e in nlp("Clips and Wires and Deodorants")}
    assert ("Clips", "marker_clip") in ents or any(i == "marker_clip" for _, i in ents)


def test_lemmatizer_comes_from_lookup_tables() -> None:
    nlp = spacy.load(PIPELINE)
    assert [t.lemma_ for t in nlp("biopsies were taken")][:2] == ["biopsy", "be"]
