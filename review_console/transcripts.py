"""Reading conversations from Rasa's events table (read only) as transcripts."""

from __future__ import annotations

from typing import Dict, List, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.rasa_events import EVENT_ROW_COLUMNS, EVENTS, SHOWN_TYPES, EventRow, Item, transcript
from review_console.database import tracker_exists


def load(tracker: Engine, conversation_id: str) -> List[Item]:
    return load_many(tracker, [conversation_id]).get(conversation_id, [])


def load_many(tracker: Engine, conversation_ids: Sequence[str]) -> Dict[str, List[Item]]:
    """Each conversation's transcript, in order (conversations without events are left out)."""
    if not conversation_ids or not tracker_exists(tracker):
        return {}
    rows: Dict[str, List[EventRow]] = {}
    ids = list(conversation_ids)
    with tracker.connect() as db:
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            query = (
                sa.select(*EVENT_ROW_COLUMNS)
                .where(EVENTS.c.sender_id.in_(chunk), EVENTS.c.type_name.in_(SHOWN_TYPES))
                .order_by(EVENTS.c.id)
            )
            for r in db.execute(query):
                rows.setdefault(r.sender_id, []).append(EventRow(*r))
    return {cid: transcript(rows[cid]) for cid in ids if cid in rows}
