"""Read access to the knowledge database for the actions: entries, concepts and intents.

The knowledge base changes only when it is loaded again (core/knowledge/build.py), so each
process reads it whole once into a snapshot and answers from memory. Every use still asks the
database for the hash of the loaded content (one small query): a new load is picked up at once,
and an unavailable database is noticed as before (actions/base.py answers politely)."""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.knowledge import models
from core.knowledge.database import database_url, session_factory


@dataclass(frozen=True)
class SourceView:
    doc: str
    title: str
    citation: str
    kind: str
    quote: str


@dataclass(frozen=True)
class EntryView:
    id: str
    topic: str
    position: int
    title: str
    answer: str
    sources: Sequence[SourceView]
    related: Sequence[str]
    concepts: frozenset = field(default_factory=frozenset)
    facets: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class ConceptView:
    id: str
    label: str
    topic: Optional[str]


@dataclass(frozen=True)
class IntentView:
    intent: str
    topic: Optional[str]
    facet: Optional[str]
    contextual: bool


def _view(entry: models.Entry) -> EntryView:
    return EntryView(
        id=entry.id,
        topic=entry.topic,
        position=entry.position,
        title=entry.title,
        answer=entry.answer,
        sources=tuple(
            SourceView(
                doc=s.document_id,
                title=s.document.title,
                citation=s.document.citation,
                kind=s.document.kind,
                quote=s.quote,
            )
            for s in entry.sources
        ),
        related=tuple(r.related_id for r in entry.related),
        concepts=frozenset(c.concept_id for c in entry.concepts),
        facets=frozenset(f.facet for f in entry.facets),
    )


def _entry_query():
    return select(models.Entry).options(
        selectinload(models.Entry.sources).selectinload(models.EntrySource.document),
        selectinload(models.Entry.related),
        selectinload(models.Entry.concepts),
        selectinload(models.Entry.facets),
    )


def term_variants(text: str) -> List[str]:
    """The forms under which a mention may be stored: as written, and without a plural ending."""
    term = " ".join(re.sub(r"[^\w\s&-]", " ", text.lower()).split())
    variants = [term]
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if term.endswith(suffix) and len(term) > len(suffix) + 2:
            variants.append(term[: -len(suffix)] + replacement)
    return variants


@dataclass(frozen=True)
class Snapshot:
    """The whole knowledge base as loaded, with the hash of its content."""

    digest: Optional[str]
    entries: Dict[str, EntryView]
    by_topic: Dict[str, List[EntryView]]
    intents: Dict[str, IntentView]
    documents: Dict[str, Dict[str, str]]
    concepts: Dict[str, ConceptView]
    terms: Dict[str, List[str]]  # term -> the ids of the concepts it names, sorted

    @classmethod
    def read(cls, session: Session, digest: Optional[str]) -> Snapshot:
        entries = [_view(e) for e in session.execute(_entry_query().order_by(models.Entry.position)).scalars()]
        by_topic: Dict[str, List[EntryView]] = defaultdict(list)
        for entry in entries:
            by_topic[entry.topic].append(entry)
        terms: Dict[str, List[str]] = defaultdict(list)
        for term in session.execute(select(models.ConceptTerm)).scalars():
            terms[term.term].append(term.concept_id)
        return cls(
            digest=digest,
            entries={e.id: e for e in entries},
            by_topic=dict(by_topic),
            intents={
                i.intent: IntentView(i.intent, i.topic, i.facet, bool(i.contextual))
                for i in session.execute(select(models.IntentTopic)).scalars()
            },
            documents={
                d.id: {"title": d.title, "citation": d.citation, "kind": d.kind}
                for d in session.execute(select(models.Document)).scalars()
            },
            concepts={
                c.id: ConceptView(c.id, c.label, c.topic) for c in session.execute(select(models.Concept)).scalars()
            },
            terms={term: sorted(ids) for term, ids in terms.items()},
        )


_snapshots: Dict[str, Snapshot] = {}  # by database URL
_reading = threading.Lock()


def current_snapshot(session: Session, url: str) -> Snapshot:
    """The snapshot of the content the database holds now; read again when its hash changed."""
    digest = session.execute(
        select(models.Meta.value).where(models.Meta.key == models.CONTENT_HASH_KEY)
    ).scalar_one_or_none()
    snapshot = _snapshots.get(url)
    if snapshot is None or snapshot.digest != digest or digest is None:
        with _reading:
            snapshot = _snapshots[url] = Snapshot.read(session, digest)
    return snapshot


class KnowledgeRepository:
    """The knowledge base for one use; a context manager (`with KnowledgeRepository() as kb:`).
    Raises SQLAlchemyError when the database cannot be read."""

    def __init__(self, url: Optional[str] = None) -> None:
        url = url or database_url()
        with session_factory(url)() as session:
            self._kb = current_snapshot(session, url)

    def __enter__(self) -> KnowledgeRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def entry(self, entry_id: str) -> Optional[EntryView]:
        return self._kb.entries.get(entry_id)

    def entries(self, ids: Iterable[str]) -> List[EntryView]:
        return [self._kb.entries[i] for i in ids if i in self._kb.entries]

    def topic_entries(self, topic: str) -> List[EntryView]:
        return list(self._kb.by_topic.get(topic, []))

    def intent(self, name: str) -> Optional[IntentView]:
        return self._kb.intents.get(name)

    def documents(self) -> Dict[str, Dict[str, str]]:
        """The source documents' display fields, by id."""
        return {doc: dict(fields) for doc, fields in self._kb.documents.items()}

    def topics_of_concepts_labelled(self, labels: Iterable[str]) -> Set[str]:
        """The topics that concepts with these labels are mainly about."""
        wanted = set(labels)
        return {c.topic for c in self._kb.concepts.values() if c.label in wanted and c.topic is not None}

    def concepts_for(self, mentions: Iterable[str]) -> List[ConceptView]:
        """The concepts named by entity mentions, in the order mentioned, without repeats."""
        found: List[ConceptView] = []
        for mention in mentions:
            named = sorted(
                (term, concept) for term in term_variants(mention) for concept in self._kb.terms.get(term, [])
            )
            if named:
                concept = self._kb.concepts[named[0][1]]
                if all(c.id != concept.id for c in found):
                    found.append(concept)
        return found
