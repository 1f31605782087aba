"""Reads the knowledge YAML under `knowledge/` into plain data classes, without judging it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from core.settings import settings


def knowledge_dir() -> Path:
    """The knowledge folder: $KNOWLEDGE_DIR, else `knowledge/` of this project."""
    return settings().knowledge_dir


@dataclass
class SourceDocument:
    id: str
    file: str
    title: str
    publisher: str
    reviewed: Optional[str]
    kind: str
    citation: str
    text: str
    never_offer: List[str] = field(default_factory=list)


@dataclass
class Quote:
    doc: str
    quote: str


@dataclass
class EntryData:
    id: str
    topic: str
    file: str
    title: str
    answer: str
    sources: List[Quote]
    related: List[str]
    concepts: List[str]
    facets: List[str]


@dataclass
class ConceptData:
    id: str
    label: str
    topic: Optional[str]
    terms: List[str]


@dataclass
class IntentData:
    intent: str
    topic: Optional[str]
    facet: Optional[str]
    contextual: bool


@dataclass
class KnowledgeFiles:
    """Everything read from the knowledge folder, plus the problems met while reading it."""

    documents: Dict[str, SourceDocument]
    entries: List[EntryData]
    concepts: List[ConceptData]
    intents: List[IntentData]
    answer_topics: List[str]
    read_problems: List[str]


def _load_yaml(path: Path, problems: List[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.append(f"{path.name}: cannot read: {e}")
        return None


def _str_list(value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def read_documents(folder: Path, problems: List[str]) -> Dict[str, SourceDocument]:
    data = _load_yaml(folder / "documents.yml", problems) or {}
    documents: Dict[str, SourceDocument] = {}
    for raw in data.get("documents", []):
        doc_id = str(raw.get("id", ""))
        try:
            text = (folder / raw["file"]).read_text(encoding="utf-8")
        except (KeyError, OSError) as e:
            problems.append(f"documents.yml: document {doc_id!r}: cannot read its file: {e}")
            continue
        documents[doc_id] = SourceDocument(
            id=doc_id,
            file=raw["file"],
            title=str(raw.get("title", "")),
            publisher=str(raw.get("publisher", "")),
            reviewed=raw.get("reviewed"),
            kind=str(raw.get("kind", "")),
            citation=str(raw.get("citation", "")),
            text=text,
            never_offer=_str_list(raw.get("never_offer")),
        )
    return documents


def read_entries(folder: Path, problems: List[str]) -> List[EntryData]:
    entries: List[EntryData] = []
    for path in sorted((folder / "entries").glob("*.yml")):
        data = _load_yaml(path, problems)
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            problems.append(f"entries/{path.name}: expected a mapping with `topic` and `entries`")
            continue
        topic = str(data.get("topic", ""))
        for i, raw in enumerate(data["entries"]):
            where = f"entries/{path.name}"
            if not isinstance(raw, dict):
                problems.append(f"{where}: entry #{i + 1} is not a mapping")
                continue
            sources = []
            for s in raw.get("sources") or []:
                if isinstance(s, dict):
                    sources.append(Quote(doc=str(s.get("doc", "")), quote=str(s.get("quote", ""))))
                else:
                    problems.append(f"{where}: entry {raw.get('id')!r}: a source is not a mapping")
            entries.append(
                EntryData(
                    id=str(raw.get("id", "")),
                    topic=topic,
                    file=where,
                    title=str(raw.get("title", "") or ""),
                    answer=" ".join(str(raw.get("answer", "") or "").split()),
                    sources=sources,
                    related=_str_list(raw.get("related")),
                    concepts=_str_list(raw.get("concepts")),
                    facets=_str_list(raw.get("facets")),
                )
            )
    return entries


def read_concepts(folder: Path, problems: List[str]) -> List[ConceptData]:
    data = _load_yaml(folder / "vocabulary.yml", problems) or {}
    return [
        ConceptData(
            id=str(raw.get("id", "")),
            label=str(raw.get("label", "")),
            topic=raw.get("topic"),
            terms=_str_list(raw.get("terms")),
        )
        for raw in data.get("concepts", [])
    ]


def read_intents(folder: Path, problems: List[str]) -> List[IntentData]:
    data = _load_yaml(folder / "intents.yml", problems) or {}
    intents = [
        IntentData(intent=name, topic=spec.get("topic"), facet=spec.get("facet"), contextual=False)
        for name, spec in (data.get("answer_intents") or {}).items()
    ]
    intents += [
        IntentData(intent=name, topic=None, facet=None, contextual=True)
        for name in data.get("contextual_intents") or []
    ]
    return intents


def read_knowledge(folder: Optional[Path] = None) -> KnowledgeFiles:
    folder = folder or knowledge_dir()
    problems: List[str] = []
    topics = _load_yaml(folder / "topics.yml", problems) or {}
    return KnowledgeFiles(
        documents=read_documents(folder, problems),
        entries=read_entries(folder, problems),
        concepts=read_concepts(folder, problems),
        intents=read_intents(folder, problems),
        answer_topics=_str_list(topics.get("answer_topics")),
        read_problems=problems,
    )
