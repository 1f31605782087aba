"""Checks the knowledge files; every problem names the file, the entry and what is wrong."""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from typing import Dict, List, Set

from core.knowledge.source_files import KnowledgeFiles

DOCUMENT_KINDS = {"reviewed_patient_leaflet", "promotional_website"}
PLACEHOLDERS = {"helpline_name", "helpline_number"}


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _placeholders(text: str) -> Set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def validate(kf: KnowledgeFiles) -> List[str]:
    """Returns the problems found; an empty list means the knowledge base can be loaded."""
    problems = list(kf.read_problems)
    docs = kf.documents
    normalised_text = {d.id: normalise_space(d.text) for d in docs.values()}

    for doc in docs.values():
        where = f"documents.yml: document {doc.id!r}"
        for name in ("title", "publisher", "citation"):
            if not getattr(doc, name).strip():
                problems.append(f"{where}: `{name}` is empty")
        if doc.kind not in DOCUMENT_KINDS:
            problems.append(f"{where}: kind {doc.kind!r} is not one of {sorted(DOCUMENT_KINDS)}")

    ids = Counter(e.id for e in kf.entries)
    for entry_id, n in ids.items():
        if n > 1:
            files = sorted({e.file for e in kf.entries if e.id == entry_id})
            problems.append(f"{', '.join(files)}: entry {entry_id!r}: id used {n} times")
    all_ids = set(ids)
    concept_ids = {c.id for c in kf.concepts}
    topics_with_entries = {e.topic for e in kf.entries}

    first_in_file: Dict[str, str] = {}
    for entry in kf.entries:
        where = f"{entry.file}: entry {entry.id!r}"
        first_in_file.setdefault(entry.file, entry.id)
        if entry.topic not in kf.answer_topics:
            problems.append(f"{where}: topic {entry.topic!r} is not listed in topics.yml")
        if not entry.id or not (entry.id == entry.topic or entry.id.startswith(entry.topic + ".")):
            problems.append(f"{where}: id must be {entry.topic!r} or start with '{entry.topic}.'")
        if not entry.title.strip():
            problems.append(f"{where}: `title` is empty")
        if not entry.answer.strip():
            problems.append(f"{where}: `answer` is empty")
        unknown = _placeholders(entry.answer) - PLACEHOLDERS
        if unknown:
            problems.append(f"{where}: unknown placeholder(s) {sorted(unknown)} in the answer")
        if not entry.sources:
            problems.append(f"{where}: no source: every answer cites at least one passage")
        for src in entry.sources:
            if src.doc not in docs:
                problems.append(f"{where}: source document {src.doc!r} is not in documents.yml")
            elif not src.quote.strip():
                problems.append(f"{where}: an empty quote from document {src.doc!r}")
            elif normalise_space(src.quote) not in normalised_text[src.doc]:
                problems.append(f"{where}: quote not found verbatim in document {src.doc!r}: {src.quote[:80]!r}")
        for doc in docs.values():
            for banned in doc.never_offer:
                if banned in entry.answer or (len(_digits(banned)) >= 7 and _digits(banned) in _digits(entry.answer)):
                    problems.append(
                        f"{where}: the answer offers {banned!r}, which document {doc.id!r} says must never be offered"
                    )
        for rel in entry.related:
            if rel not in all_ids:
                problems.append(f"{where}: related entry {rel!r} does not exist")
            elif rel == entry.id:
                problems.append(f"{where}: lists itself as related")
        for concept in entry.concepts:
            if concept not in concept_ids:
                problems.append(f"{where}: concept {concept!r} is not in vocabulary.yml")

    for file, first_id in first_in_file.items():
        topic = next(e.topic for e in kf.entries if e.file == file)
        if first_id != topic:
            problems.append(f"{file}: entry {first_id!r}: the first entry must have the id {topic!r}")

    for topic in kf.answer_topics:
        if topic not in topics_with_entries:
            problems.append(f"entries/{topic}.yml: topic {topic!r} has no entry")

    owners: Dict[str, List[str]] = defaultdict(list)
    for concept in kf.concepts:
        where = f"vocabulary.yml: concept {concept.id!r}"
        if not concept.label:
            problems.append(f"{where}: `label` is empty")
        if concept.topic and concept.topic not in topics_with_entries:
            problems.append(f"{where}: topic {concept.topic!r} has no entries")
        if not concept.terms:
            problems.append(f"{where}: no terms")
        for term in concept.terms:
            owners[normalise_space(term.lower())].append(concept.id)
    for c, n in Counter(c.id for c in kf.concepts).items():
        if n > 1:
            problems.append(f"vocabulary.yml: concept {c!r}: id used {n} times")
    for term, concepts in owners.items():
        if len(set(concepts)) > 1:
            problems.append(f"vocabulary.yml: term {term!r} belongs to concepts {sorted(set(concepts))}")

    for intent in kf.intents:
        if intent.contextual:
            continue
        if intent.topic not in topics_with_entries:
            problems.append(f"intents.yml: intent {intent.intent!r}: topic {intent.topic!r} has no entries")
        elif intent.facet and not any(intent.facet in e.facets for e in kf.entries if e.topic == intent.topic):
            problems.append(
                f"intents.yml: intent {intent.intent!r}: no entry of topic {intent.topic!r} "
                f"has the facet {intent.facet!r}"
            )
    return problems
