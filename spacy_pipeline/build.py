"""Builds the project's spaCy pipeline: blank English, the lookup lemmatizer from
spacy-lookups-data, a sentencizer and an entity ruler whose patterns are the knowledge base's vocabulary.

    python -m spacy_pipeline.build [--output build/spacy_pipeline]

No model is downloaded: everything comes from installed packages and knowledge/vocabulary.yml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

import spacy
from spacy.language import Language

from core.knowledge.source_files import ConceptData, knowledge_dir, read_concepts
from core.paths import PROJECT_ROOT

DEFAULT_OUTPUT = PROJECT_ROOT / "build" / "spacy_pipeline"
PIPELINE_NAME = "calcifications_en"


def _patterns(nlp: Language, concepts: List[ConceptData]) -> List[Dict[str, object]]:
    """One token pattern per term, matching any case; the last word also in its plural and
    lemma forms ("clips", "biopsies"), since the lookup lemmatizer is case-sensitive."""
    patterns: List[Dict[str, object]] = []
    for concept in concepts:
        for term in concept.terms:
            doc = nlp(term.lower())
            pattern: List[Dict[str, object]] = [{"LOWER": t.lower_} for t in doc]
            last = doc[-1].lower_
            if last.isalpha():
                forms = {last, doc[-1].lemma_.lower(), last + "s", last + "es"}
                if last.endswith("y"):
                    forms.add(last[:-1] + "ies")
                pattern[-1] = {"LOWER": {"IN": sorted(forms)}}
            patterns.append({"label": concept.label, "pattern": pattern, "id": concept.id})
    return patterns


def build(output: Path, concepts: Optional[List[ConceptData]] = None) -> Language:
    problems: List[str] = []
    concepts = concepts if concepts is not None else read_concepts(knowledge_dir(), problems)
    if problems:
        raise ValueError("; ".join(problems))
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # Sentence boundaries by punctuation and line breaks (nlu_components/sentence_splitter.py).
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "?", ";", "\n", "...", "…", "!?", "?!"]})
    nlp.initialize()  # loads the lookup tables from the installed spacy-lookups-data
    patterns = _patterns(nlp, concepts)
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True, "overwrite_ents": True})
    ruler.add_patterns(patterns)
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": "1.0.0",
            "description": "Blank English, lookup lemmatizer, sentencizer, entity ruler from knowledge/vocabulary.yml",
            "spacy_version": f">={spacy.about.__version__},<3.5.0",
        }
    )
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return nlp


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    nlp = build(args.output)
    n = len(nlp.get_pipe("entity_ruler").patterns)
    print(f"spaCy pipeline with {n} entity patterns written to {args.output}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
