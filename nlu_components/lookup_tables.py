"""Writes data/lookups.yml: one Rasa lookup table per topic, listing the words patients use for
that topic's concepts (knowledge/vocabulary.yml). The RegexFeaturizer turns them into features of
the intent classifier, so a synonym added to the vocabulary ("the metal thing") helps classify
messages without new training examples. `make train` regenerates the file when the vocabulary
changes; tests/test_training_data.py checks that the committed copy is current.

    python -m nlu_components.lookup_tables [--output data/lookups.yml]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

from core.knowledge.source_files import ConceptData, knowledge_dir, read_concepts
from core.paths import PROJECT_ROOT

DEFAULT_OUTPUT = PROJECT_ROOT / "data" / "lookups.yml"
HEADER = (
    "# Generated from knowledge/vocabulary.yml by `python -m nlu_components.lookup_tables` (make train\n"
    "# does it): do not edit. One lookup table per topic, read by the RegexFeaturizer (config.yml).\n"
)


def terms_by_topic(concepts: List[ConceptData]) -> Dict[str, List[str]]:
    """Topic -> the terms of its concepts, lower-cased, in vocabulary order without repeats."""
    topics: Dict[str, List[str]] = {}
    for concept in concepts:
        if concept.topic:
            terms = topics.setdefault(concept.topic, [])
            terms += [t.lower() for t in concept.terms if t.lower() not in terms]
    return topics


def lookup_tables(concepts: List[ConceptData]) -> Dict[str, List[str]]:
    """Lookup table name (`topic_<topic>`) -> the terms of the topic's concepts."""
    return {f"topic_{topic}": terms for topic, terms in terms_by_topic(concepts).items()}


def render(tables: Dict[str, List[str]]) -> str:
    lines = [HEADER + 'version: "3.1"', "nlu:"]
    for name, terms in tables.items():
        lines += [f"- lookup: {name}", "  examples: |", *(f"    - {t}" for t in terms)]
    return "\n".join(lines) + "\n"


def current_text() -> str:
    problems: List[str] = []
    concepts = read_concepts(knowledge_dir(), problems)
    if problems:
        raise ValueError("; ".join(problems))
    return render(lookup_tables(concepts))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text = current_text()
    if not args.output.exists() or args.output.read_text(encoding="utf-8") != text:
        args.output.write_text(text, encoding="utf-8")
        print(f"Lookup tables written to {args.output}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
