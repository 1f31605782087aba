"""SQLAlchemy tables of the knowledge database (SQLite by default, any SQLAlchemy URL)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Document(Base):
    __tablename__ = "kb_documents"

    id = Column(String(16), primary_key=True)
    title = Column(Text, nullable=False)
    publisher = Column(Text, nullable=False)
    reviewed = Column(String(64))
    kind = Column(String(64), nullable=False)
    citation = Column(Text, nullable=False)
    text = Column(Text, nullable=False)


class Entry(Base):
    __tablename__ = "kb_entries"

    id = Column(String(128), primary_key=True)
    topic = Column(String(64), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    title = Column(Text, nullable=False)
    answer = Column(Text, nullable=False)

    sources = relationship("EntrySource", order_by="EntrySource.position", cascade="all, delete-orphan")
    related = relationship("EntryRelated", order_by="EntryRelated.position", cascade="all, delete-orphan")
    concepts = relationship("EntryConcept", cascade="all, delete-orphan")
    facets = relationship("EntryFacet", cascade="all, delete-orphan")


class EntrySource(Base):
    __tablename__ = "kb_entry_sources"

    id = Column(Integer, primary_key=True, autoincrement=True)
    entry_id = Column(ForeignKey("kb_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    document_id = Column(ForeignKey("kb_documents.id"), nullable=False)
    position = Column(Integer, nullable=False)
    quote = Column(Text, nullable=False)

    document = relationship("Document")


class EntryRelated(Base):
    __tablename__ = "kb_entry_related"

    entry_id = Column(ForeignKey("kb_entries.id", ondelete="CASCADE"), primary_key=True)
    related_id = Column(String(128), primary_key=True)
    position = Column(Integer, nullable=False)


class EntryConcept(Base):
    __tablename__ = "kb_entry_concepts"

    entry_id = Column(ForeignKey("kb_entries.id", ondelete="CASCADE"), primary_key=True)
    concept_id = Column(String(64), primary_key=True)


class EntryFacet(Base):
    __tablename__ = "kb_entry_facets"

    entry_id = Column(ForeignKey("kb_entries.id", ondelete="CASCADE"), primary_key=True)
    facet = Column(String(64), primary_key=True)


class Concept(Base):
    __tablename__ = "kb_concepts"

    id = Column(String(64), primary_key=True)
    label = Column(String(64), nullable=False)
    topic = Column(String(64))


class ConceptTerm(Base):
    __tablename__ = "kb_concept_terms"

    term = Column(String(128), primary_key=True)
    concept_id = Column(ForeignKey("kb_concepts.id", ondelete="CASCADE"), primary_key=True)


class IntentTopic(Base):
    __tablename__ = "kb_intents"

    intent = Column(String(64), primary_key=True)
    topic = Column(String(64))
    facet = Column(String(64))
    contextual = Column(Boolean, nullable=False, default=False)


CONTENT_HASH_KEY = "content_sha256"  # kb_meta's key for the hash of the loaded content


class Meta(Base):
    __tablename__ = "kb_meta"

    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)
