"""What staff add to a conversation: review state, tags, notes, and flagged patient messages with
the intent they should have had."""

from __future__ import annotations

import re
import time
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from review_console.models import ConversationTag, FlaggedMessage, Note, Review, Staff, Tag

TAG_NAME = re.compile(r"^[\w][\w .:/+-]{0,59}$", re.UNICODE)
MAX_NOTE_CHARS = 5000


class AnnotationError(ValueError):
    """Staff input that cannot be saved; the message says why."""


def set_reviewed(db: Connection, conversation_id: str, staff_id: int, reviewed: bool) -> None:
    reviews = Review.__table__
    db.execute(reviews.delete().where(reviews.c.conversation_id == conversation_id))
    if reviewed:
        db.execute(reviews.insert().values(conversation_id=conversation_id, staff_id=staff_id, reviewed_at=time.time()))


def review_state(db: Connection, conversation_id: str) -> Optional[Dict[str, Any]]:
    reviews, staff = Review.__table__, Staff.__table__
    row = (
        db.execute(
            sa.select(reviews.c.reviewed_at, staff.c.username)
            .join(staff, staff.c.id == reviews.c.staff_id)
            .where(reviews.c.conversation_id == conversation_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def add_tag(db: Connection, conversation_id: str, staff_id: int, name: str) -> None:
    name = " ".join((name or "").split())
    if not TAG_NAME.match(name):
        raise AnnotationError("A tag is 1 to 60 letters, digits, spaces or . : / + - _")
    tags, tagged = Tag.__table__, ConversationTag.__table__
    tag_id = db.execute(sa.select(tags.c.id).where(sa.func.lower(tags.c.name) == name.lower())).scalar()
    if tag_id is None:
        tag_id = db.execute(tags.insert().values(name=name)).inserted_primary_key[0]
    exists = db.execute(
        sa.select(tagged.c.tag_id).where(tagged.c.conversation_id == conversation_id, tagged.c.tag_id == tag_id)
    ).first()
    if not exists:
        db.execute(
            tagged.insert().values(
                conversation_id=conversation_id, tag_id=tag_id, staff_id=staff_id, created_at=time.time()
            )
        )


def remove_tag(db: Connection, conversation_id: str, tag_id: int) -> None:
    tagged = ConversationTag.__table__
    db.execute(tagged.delete().where(tagged.c.conversation_id == conversation_id, tagged.c.tag_id == tag_id))


def conversation_tags(db: Connection, conversation_id: str) -> List[Dict[str, Any]]:
    tags, tagged = Tag.__table__, ConversationTag.__table__
    return [
        dict(r)
        for r in db.execute(
            sa.select(tags.c.id, tags.c.name)
            .join(tagged, tagged.c.tag_id == tags.c.id)
            .where(tagged.c.conversation_id == conversation_id)
            .order_by(tags.c.name)
        ).mappings()
    ]


def add_note(db: Connection, conversation_id: str, staff_id: int, text: str) -> None:
    text = (text or "").strip()
    if not text:
        raise AnnotationError("The note is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise AnnotationError(f"A note holds at most {MAX_NOTE_CHARS} characters (this one has {len(text)})")
    db.execute(
        Note.__table__.insert().values(
            conversation_id=conversation_id, staff_id=staff_id, text=text, created_at=time.time()
        )
    )


def notes(db: Connection, conversation_id: str) -> List[Dict[str, Any]]:
    table, staff = Note.__table__, Staff.__table__
    return [
        dict(r)
        for r in db.execute(
            sa.select(table.c.id, table.c.text, table.c.created_at, staff.c.username)
            .join(staff, staff.c.id == table.c.staff_id)
            .where(table.c.conversation_id == conversation_id)
            .order_by(table.c.id)
        ).mappings()
    ]


def flag_message(
    db: Connection,
    conversation_id: str,
    event_id: int,
    text: str,
    predicted_intent: str,
    correct_intent: str,
    staff_id: int,
    known_intents: List[str],
) -> None:
    """Flags a patient message (re-flagging it replaces the intent given before)."""
    if correct_intent not in known_intents:
        raise AnnotationError("Choose the intent from the list (the bot's domain has no such intent)")
    flags = FlaggedMessage.__table__
    db.execute(flags.delete().where(flags.c.event_id == event_id))
    db.execute(
        flags.insert().values(
            conversation_id=conversation_id,
            event_id=event_id,
            text=text,
            predicted_intent=predicted_intent,
            correct_intent=correct_intent,
            staff_id=staff_id,
            created_at=time.time(),
        )
    )


def unflag(db: Connection, conversation_id: str, flag_id: int) -> None:
    flags = FlaggedMessage.__table__
    db.execute(flags.delete().where(flags.c.id == flag_id, flags.c.conversation_id == conversation_id))


def flags(db: Connection, conversation_id: Optional[str] = None) -> List[Dict[str, Any]]:
    table, staff = FlaggedMessage.__table__, Staff.__table__
    query = (
        sa.select(table, staff.c.username)
        .join(staff, staff.c.id == table.c.staff_id)
        .order_by(table.c.correct_intent, table.c.id)
    )
    if conversation_id is not None:
        query = query.where(table.c.conversation_id == conversation_id)
    return [dict(r) for r in db.execute(query).mappings()]
