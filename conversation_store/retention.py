"""Deleting conversations from the tracker store: those inactive for longer than a retention
period, and given ones on request. Each says what it removed (the commands that staff run, which
also delete what the review console and the unanswered-messages store hold, are in
maintenance/retention.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Optional, Sequence

import sqlalchemy as sa

from core.rasa_events import EVENTS


@dataclass
class Removed:
    conversations: List[str]
    events: int

    def describe(self, what: str) -> str:
        return f"{what}: {len(self.conversations)} conversation(s), {self.events} event(s)"


def _delete(engine: sa.engine.Engine, conversations: Sequence[str], dry_run: bool) -> Removed:
    if not conversations:
        return Removed([], 0)
    with engine.begin() as db:
        where = EVENTS.c.sender_id.in_(list(conversations))
        counts = db.execute(sa.select(EVENTS.c.sender_id, sa.func.count()).where(where).group_by(EVENTS.c.sender_id))
        found = {sender: int(n) for sender, n in counts}
        if found and not dry_run:
            db.execute(sa.delete(EVENTS).where(where))
    return Removed(sorted(found), sum(found.values()))


def purge(engine: sa.engine.Engine, days: float, now: Optional[float] = None, dry_run: bool = False) -> Removed:
    """Deletes every conversation whose last event is more than `days` old."""
    cutoff = (now or time.time()) - days * 86400
    with engine.connect() as db:
        last = sa.func.max(EVENTS.c.timestamp)
        rows = db.execute(sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(last < cutoff))
        old = [r[0] for r in rows]
    return _delete(engine, old, dry_run)


def forget(engine: sa.engine.Engine, conversations: Sequence[str]) -> Removed:
    """Deletes these conversations, whole."""
    return _delete(engine, list(dict.fromkeys(conversations)), dry_run=False)
