"""Read access to the knowledge database for the actions: entries, concepts and intents."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from actions.knowledge import models
from actions.knowledge.database import session_factory


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


class KnowledgeRepository:
    """Queries over one session; use as a context manager (`with KnowledgeRepository() as kb:`)."""

    def __init__(self, url: Optional[str] = None) -> None:
        self._session: Session = session_factory(url)()

    def __enter__(self) -> KnowledgeRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def entry(self, entry_id: str) -> Optional[EntryView]:
        found = self._session.execute(_entry_query().where(models.Entry.id == entry_id)).scalar_one_or_none()
        return _view(found) if found else None

    def entries(self, ids: Iterable[str]) -> List[EntryView]:
        ids = list(ids)
        found = {
            e.id: _view(e) for e in self._session.execute(_entry_query().where(models.Entry.id.in_(ids))).scalars()
        }
        return [found[i] for i in ids if i in found]

    def topic_entries(self, topic: str) -> List[EntryView]:
        rows = self._session.execute(
            _entry_query().where(models.Entry.topic == topic).order_by(models.Entry.position)
        ).scalars()
        return [_view(e) for e in rows]

    def intent(self, name: str) -> Optional[IntentView]:
        row = self._session.get(models.IntentTopic, name)
        return IntentView(row.intent, row.topic, row.facet, bool(row.contextual)) if row else None

    def documents(self) -> Dict[str, Dict[str, str]]:
        """The source documents' display fields, by id."""
        rows = self._session.execute(select(models.Document)).scalars()
        return {d.id: {"title": d.title, "citation": d.citation, "kind": d.kind} for d in rows}

    def topics_of_concepts_labelled(self, labels: Iterable[str]) -> Set[str]:
        """The topics that concepts with these labels are mainly about."""
        rows = self._session.execute(
            select(models.Concept.topic).where(models.Concept.label.in_(list(labels)), models.Concept.topic.isnot(None))
        ).scalars()
        return set(rows)

    def concepts_for(self, mentions: Iterable[str]) -> List[ConceptView]:
        """The concepts named by entity mentions, in the order mentioned, without repeats."""
        found: List[ConceptView] = []
        for mention in mentions:
            variants = term_variants(mention)
            row = self._session.execute(
                select(models.Concept)
                .join(models.ConceptTerm, models.ConceptTerm.concept_id == models.Concept.id)
                .where(models.ConceptTerm.term.in_(variants))
                .limit(1)
            ).scalar_one_or_none()
            if row and all(c.id != row.id for c in found):
                found.append(ConceptView(row.id, row.label, row.topic))
        return found
