"""The conversation list: filters read from the query string (checked, never pasted into SQL),
full-text search over patients' messages, sorting and pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.conventions import EVALUATION_CHANNEL
from review_console.indexer import SEARCH
from review_console.models import Conversation, ConversationIntent, ConversationTag, ConversationTopic, Review, Tag

C = Conversation.__table__
SORTS = {
    "last": C.c.last_at,
    "started": C.c.started_at,
    "messages": C.c.patient_messages,
    "confidence": C.c.min_confidence,
}
YES_NO = ("", "yes", "no")
MAX_TEXT = 200
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Filters:
    date_from: str = ""
    date_to: str = ""
    channel: str = ""
    topic: str = ""
    intent: str = ""
    tag: str = ""
    q: str = ""
    handed_off: str = ""
    urgent: str = ""
    low_confidence: str = ""  # "yes": a fallback, or a typed message under `threshold`
    threshold: str = ""
    negative_feedback: str = ""
    reviewed: str = ""
    sort: str = "last"
    order: str = "desc"
    page: int = 1
    errors: List[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str], default_threshold: float) -> Filters:
        f = cls(threshold=f"{default_threshold:g}")
        for name in [x.name for x in fields(cls) if x.name not in ("page", "errors")]:
            value = (args.get(name) or "").strip()
            if value:
                setattr(f, name, value[:MAX_TEXT])
        f.page = f._number("page", args.get("page") or "1", int, 1, 100_000)
        for name in ("handed_off", "urgent", "low_confidence", "negative_feedback", "reviewed"):
            if getattr(f, name) not in YES_NO:
                f.errors.append(f"{name.replace('_', ' ')} must be yes, no or empty")
                setattr(f, name, "")
        f._number("threshold", f.threshold, float, 0.0, 1.0)
        for name in ("date_from", "date_to"):
            if getattr(f, name) and f.day(name) is None:
                f.errors.append(f"{name.replace('_', ' ')} must be a date like 2026-11-21")
                setattr(f, name, "")
        if f.sort not in SORTS:
            f.errors.append(f"sort must be one of: {', '.join(SORTS)}")
            f.sort = "last"
        if f.order not in ("asc", "desc"):
            f.errors.append("order must be asc or desc")
            f.order = "desc"
        return f

    def _number(self, name: str, raw: str, kind: type, low: float, high: float) -> Any:
        try:
            value = kind(raw)
            if not low <= value <= high:
                raise ValueError
            return value
        except ValueError:
            self.errors.append(f"{name} must be a number from {low:g} to {high:g}")
            if name == "threshold":
                self.threshold = ""
            return kind(low)

    def day(self, name: str) -> Optional[float]:
        try:
            d = date.fromisoformat(getattr(self, name))
        except ValueError:
            return None
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()

    def query_args(self, **changes: Any) -> Dict[str, Any]:
        """The filters as query-string arguments (for links to other pages and sort orders)."""
        values = {x.name: getattr(self, x.name) for x in fields(self) if x.name != "errors"}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


def search_condition(db: Connection, text: str) -> Optional[sa.sql.ClauseElement]:
    """Conversations with a patient message matching every word of `text` (stemmed)."""
    words = WORD.findall(text)[:20]
    if not words:
        return None
    if db.dialect.name == "postgresql":
        matching = sa.select(SEARCH.c.conversation_id).where(
            sa.text("message_search.tsv @@ plainto_tsquery('english', :q)").bindparams(q=" ".join(words))
        )
    else:
        # each word quoted, so that FTS5's query syntax (AND, NEAR, *, :) never applies
        query = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        matching = sa.select(SEARCH.c.conversation_id).where(sa.text("message_search MATCH :q").bindparams(q=query))
    return C.c.id.in_(matching)


def conditions(db: Connection, f: Filters) -> List[sa.sql.ClauseElement]:
    where: List[sa.sql.ClauseElement] = []
    if f.date_from:
        where.append(C.c.started_at >= f.day("date_from"))
    if f.date_to:
        where.append(C.c.started_at < (f.day("date_to") or 0) + 86400)
    if f.channel:
        where.append(C.c.channel == f.channel)
    else:  # the evaluation's conversations only when asked for
        where.append(C.c.channel != EVALUATION_CHANNEL)
    if f.topic:
        topics = ConversationTopic.__table__
        where.append(C.c.id.in_(sa.select(topics.c.conversation_id).where(topics.c.topic == f.topic)))
    if f.intent:
        intents = ConversationIntent.__table__
        where.append(C.c.id.in_(sa.select(intents.c.conversation_id).where(intents.c.intent == f.intent)))
    if f.tag:
        tags, tagged = Tag.__table__, ConversationTag.__table__
        where.append(
            C.c.id.in_(
                sa.select(tagged.c.conversation_id)
                .join(tags, tags.c.id == tagged.c.tag_id)
                .where(sa.func.lower(tags.c.name) == f.tag.lower())
            )
        )
    for name, column in (("handed_off", C.c.handed_off), ("urgent", C.c.urgent)):
        value = getattr(f, name)
        if value:
            where.append(column.is_(value == "yes"))
    if f.low_confidence and f.threshold:
        low = sa.or_(C.c.fallback.is_(True), C.c.min_confidence < float(f.threshold))
        where.append(low if f.low_confidence == "yes" else sa.not_(low))
    if f.negative_feedback:
        where.append(C.c.negative_feedback > 0 if f.negative_feedback == "yes" else C.c.negative_feedback == 0)
    if f.reviewed:
        reviewed = C.c.id.in_(sa.select(Review.__table__.c.conversation_id))
        where.append(reviewed if f.reviewed == "yes" else sa.not_(reviewed))
    if f.q:
        found = search_condition(db, f.q)
        where.append(found if found is not None else sa.false())
    return where


@dataclass
class Page:
    rows: List[Dict[str, Any]]
    total: int
    page: int
    pages: int


def ordering(f: Filters) -> sa.sql.ClauseElement:
    """The list's order. NULLS LAST only where a column has nulls: PostgreSQL cannot read an
    index backwards for DESC NULLS LAST, and would sort every matching row instead."""
    column = SORTS[f.sort]
    order = column.desc() if f.order == "desc" else column.asc()
    return order.nulls_last() if column.nullable else order


def conversation_ids(db: Connection, f: Filters, limit: int) -> List[str]:
    """The filtered conversations' ids in the list's order (for exports)."""
    query = sa.select(C.c.id).where(*conditions(db, f)).order_by(ordering(f), C.c.id).limit(limit)
    return [r[0] for r in db.execute(query)]


def list_page(db: Connection, f: Filters, page_size: int) -> Page:
    where = conditions(db, f)
    total = db.execute(sa.select(sa.func.count()).select_from(C).where(*where)).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(f.page, pages)
    rows = [
        dict(r)
        for r in db.execute(
            sa.select(C).where(*where).order_by(ordering(f), C.c.id).limit(page_size).offset((page - 1) * page_size)
        ).mappings()
    ]
    ids = [r["id"] for r in rows]
    tags_by, topics_by, reviewed = _page_details(db, ids)
    for r in rows:
        r["tags"] = tags_by.get(r["id"], [])
        r["topics"] = topics_by.get(r["id"], [])
        r["reviewed"] = r["id"] in reviewed
    return Page(rows, total, page, pages)


def _page_details(db: Connection, ids: List[str]) -> Tuple[Dict[str, List[str]], Dict[str, List[str]], set]:
    if not ids:
        return {}, {}, set()
    tags, tagged, topics = Tag.__table__, ConversationTag.__table__, ConversationTopic.__table__
    tags_by: Dict[str, List[str]] = {}
    for cid, name in db.execute(
        sa.select(tagged.c.conversation_id, tags.c.name)
        .join(tags, tags.c.id == tagged.c.tag_id)
        .where(tagged.c.conversation_id.in_(ids))
    ):
        tags_by.setdefault(cid, []).append(name)
    topics_by: Dict[str, List[str]] = {}
    # sorted here, not in SQL: an ORDER BY topic tempts PostgreSQL into scanning the topic index
    for cid, topic in db.execute(
        sa.select(topics.c.conversation_id, topics.c.topic).where(topics.c.conversation_id.in_(ids))
    ):
        topics_by.setdefault(cid, []).append(topic)
    for values in (*tags_by.values(), *topics_by.values()):
        values.sort()
    reviews = Review.__table__
    reviewed = {
        r[0] for r in db.execute(sa.select(reviews.c.conversation_id).where(reviews.c.conversation_id.in_(ids)))
    }
    return tags_by, topics_by, reviewed


def distinct_values(db: Connection, column: sa.Column) -> List[str]:
    """A column's distinct values by hopping along its index (a recursive query), instead of
    reading every row: the topic and intent tables hold a row per conversation and value."""
    inner = column.table.alias()
    found = sa.select(sa.func.min(column).label("v")).cte("found", recursive=True)
    following = sa.select(sa.func.min(inner.c[column.name])).where(inner.c[column.name] > found.c.v).scalar_subquery()
    found = found.union_all(sa.select(following).where(found.c.v.isnot(None)))
    return [r[0] for r in db.execute(sa.select(found.c.v).where(found.c.v.isnot(None))) if r[0]]


def choices(db: Connection) -> Dict[str, List[str]]:
    """The values the filter menus offer."""
    return {
        "channels": distinct_values(db, C.c.channel),
        "topics": distinct_values(db, ConversationTopic.__table__.c.topic),
        "intents": distinct_values(db, ConversationIntent.__table__.c.intent),
        "tags": [r[0] for r in db.execute(sa.select(Tag.__table__.c.name).order_by(Tag.__table__.c.name))],
    }
