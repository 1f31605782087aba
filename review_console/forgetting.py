"""Deleting conversations from the console when they are deleted from the tracker store
(maintenance/retention.py): their summary, search entries, tags, notes, review state and
flagged messages. The audit log keeps its record that a conversation (by id) was viewed."""

from __future__ import annotations

from typing import Dict, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from review_console.indexer import SEARCH, lock_position
from review_console.models import (
    Conversation,
    ConversationIntent,
    ConversationTag,
    ConversationTopic,
    FlaggedMessage,
    Note,
    Review,
)

STAFF_DATA = {"tags": ConversationTag, "notes": Note, "reviews": Review, "flagged messages": FlaggedMessage}
SUMMARY = (ConversationTopic, ConversationIntent)


def forget_in_console(console: Engine, conversation_ids: Sequence[str]) -> Dict[str, int]:
    """Deletes everything the console holds on these conversations; counts what staff had added."""
    ids = list(dict.fromkeys(conversation_ids))
    removed = dict.fromkeys(STAFF_DATA, 0)
    if not ids or not sa.inspect(console).has_table("conversations"):
        return removed
    with console.begin() as db:
        lock_position(db)  # not while the indexer writes a batch that may hold these conversations
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for name, model in STAFF_DATA.items():
                table = model.__table__
                removed[name] += db.execute(table.delete().where(table.c.conversation_id.in_(chunk))).rowcount
            for model in SUMMARY:
                db.execute(model.__table__.delete().where(model.__table__.c.conversation_id.in_(chunk)))
            db.execute(SEARCH.delete().where(SEARCH.c.conversation_id.in_(chunk)))
            table = Conversation.__table__
            db.execute(table.delete().where(table.c.id.in_(chunk)))
    return removed
