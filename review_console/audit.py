"""The audit log: who signed in, viewed or exported which conversation, and changed which account."""

from __future__ import annotations

import time
from typing import Iterable, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from review_console.models import AuditEntry, same_username

AUDIT = AuditEntry.__table__


def record(
    db: Connection,
    action: str,
    staff_id: Optional[int],
    username: str,
    conversation_id: Optional[str] = None,
    detail: str = "",
) -> None:
    db.execute(
        AUDIT.insert().values(
            at=time.time(),
            staff_id=staff_id,
            username=username[:80],
            action=action,
            conversation_id=conversation_id,
            detail=detail[:2000],
        )
    )


def record_each(
    db: Connection, action: str, staff_id: int, username: str, conversations: Iterable[str], detail: str = ""
) -> None:
    """One entry per conversation, so that "who saw this conversation" finds exports too."""
    now = time.time()
    rows = [
        {
            "at": now,
            "staff_id": staff_id,
            "username": username,
            "action": action,
            "conversation_id": c,
            "detail": detail,
        }
        for c in conversations
    ]
    if rows:
        db.execute(AUDIT.insert(), rows)


def entries(
    db: Connection,
    conversation_id: Optional[str] = None,
    username: Optional[str] = None,
    limit: int = 100,
    offset: int = 0,
) -> List[sa.engine.Row]:
    query = sa.select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit).offset(offset)
    if conversation_id:
        query = query.where(AUDIT.c.conversation_id == conversation_id)
    if username:
        query = query.where(same_username(AUDIT.c.username, username))
    return list(db.execute(query))
