"""Validates the knowledge files and loads them into the knowledge database.

    python -m core.knowledge.build [--db-url URL] [--check] [--force]

Loading is idempotent: the content's hash is stored with it, and a run over unchanged content
changes nothing; changed content replaces the old in one transaction, so readers never see half.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict
from typing import List, Optional

from sqlalchemy import delete, select

from core.knowledge import models
from core.knowledge.database import database_url, engine_for, session_factory
from core.knowledge.messages import load_messages, validate_messages
from core.knowledge.source_files import KnowledgeFiles, knowledge_dir, read_knowledge
from core.knowledge.validation import normalise_space, validate

CONTENT_HASH_KEY = models.CONTENT_HASH_KEY


def content_hash(kf: KnowledgeFiles) -> str:
    payload = json.dumps(
        {
            "documents": {k: asdict(v) for k, v in sorted(kf.documents.items())},
            "entries": [asdict(e) for e in kf.entries],
            "concepts": [asdict(c) for c in kf.concepts],
            "intents": [asdict(i) for i in kf.intents],
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def check(kf: Optional[KnowledgeFiles] = None) -> List[str]:
    """All problems of the knowledge files and of the messages file."""
    kf = kf or read_knowledge()
    problems = validate(kf)
    try:
        problems += validate_messages(load_messages(), kf.documents)
    except (OSError, ValueError) as e:
        problems.append(f"messages.yml: {e}")
    return problems


def _rows(kf: KnowledgeFiles) -> List[object]:
    rows: List[object] = [
        models.Document(
            id=d.id,
            title=d.title,
            publisher=d.publisher,
            reviewed=d.reviewed,
            kind=d.kind,
            citation=d.citation,
            text=d.text,
        )
        for d in kf.documents.values()
    ]
    positions: dict = {}
    for e in kf.entries:
        positions[e.topic] = positions.get(e.topic, -1) + 1
        rows.append(
            models.Entry(
                id=e.id,
                topic=e.topic,
                position=positions[e.topic],
                title=e.title,
                answer=e.answer,
                sources=[
                    models.EntrySource(document_id=s.doc, position=i, quote=normalise_space(s.quote))
                    for i, s in enumerate(e.sources)
                ],
                related=[models.EntryRelated(related_id=r, position=i) for i, r in enumerate(e.related)],
                concepts=[models.EntryConcept(concept_id=c) for c in sorted(set(e.concepts))],
                facets=[models.EntryFacet(facet=f) for f in sorted(set(e.facets))],
            )
        )
    for c in kf.concepts:
        rows.append(models.Concept(id=c.id, label=c.label, topic=c.topic))
        for term in sorted({normalise_space(t.lower()) for t in c.terms}):
            rows.append(models.ConceptTerm(term=term, concept_id=c.id))
    for i in kf.intents:
        rows.append(models.IntentTopic(intent=i.intent, topic=i.topic, facet=i.facet, contextual=i.contextual))
    return rows


def load(kf: KnowledgeFiles, url: str, force: bool = False) -> bool:
    """Loads the validated files into the database at `url`; returns whether anything changed."""
    models.Base.metadata.create_all(engine_for(url))
    digest = content_hash(kf)
    with session_factory(url).begin() as session:
        current = session.execute(
            select(models.Meta.value).where(models.Meta.key == CONTENT_HASH_KEY)
        ).scalar_one_or_none()
        if current == digest and not force:
            return False
        # Children first: the same order works with and without foreign-key enforcement.
        for table in reversed(models.Base.metadata.sorted_tables):
            session.execute(delete(table))
        session.add_all(_rows(kf))
        session.add(models.Meta(key=CONTENT_HASH_KEY, value=digest))
    return True


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db-url", default=None, help="SQLAlchemy URL (default: $KNOWLEDGE_DB_URL or var/knowledge.db)"
    )
    parser.add_argument("--check", action="store_true", help="validate only, load nothing")
    parser.add_argument("--force", action="store_true", help="reload even if the content is unchanged")
    args = parser.parse_args(argv)

    kf = read_knowledge()
    problems = check(kf)
    if problems:
        print(f"The knowledge base in {knowledge_dir()} has {len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    summary = f"{len(kf.entries)} entries, {len(kf.concepts)} concepts, {len(kf.documents)} documents"
    if args.check:
        print(f"Knowledge base is valid: {summary}.")
        return 0
    url = args.db_url or database_url()
    changed = load(kf, url, force=args.force)
    shown = url.split("@")[-1]
    print(f"Knowledge base {'loaded' if changed else 'unchanged'} ({summary}) in {shown}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
