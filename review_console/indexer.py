"""Keeps the console's conversation summary up to date with Rasa's events table: reads the events
stored since last time (by event id), folds them into each conversation's summary, and adds the
patients' typed messages to the full-text search. Safe to run from several threads or processes:
the read position is locked while a batch is written.

On PostgreSQL an event's id is taken when it is inserted, so with several Rasa replicas a turn can
commit after a later one: the read position passes ids not yet visible. Each id skipped is kept
as a gap (index_gaps), read again at every catch-up, indexed when it arrives, and forgotten after
GAP_EXPIRY_SECONDS (longer than any transaction of Rasa's: its insert was rolled back)."""

from __future__ import annotations

import threading
import time
from typing import Dict, Iterable, List, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from core.rasa_events import EVENT_ROW_COLUMNS, EVENTS, EventRow, PatientMessage, to_item
from review_console.database import tracker_exists
from review_console.models import Conversation, ConversationIntent, ConversationTopic, IndexGap, IndexState
from review_console.summary import Summary

BATCH = 5000
GAP_EXPIRY_SECONDS = 600.0
# only ids this close to the newest can still be in flight: older holes are deleted events
GAP_WINDOW = 10_000
GAPS = IndexGap.__table__
REFRESH_STATISTICS_AFTER = 50_000  # events read in one call
SEARCH = sa.table(
    "message_search",
    sa.column("event_id", sa.BigInteger),
    sa.column("conversation_id", sa.String),
    sa.column("text", sa.Text),
)
_lock = threading.Lock()

CONVERSATIONS = Conversation.__table__
SUMMARY_COLUMNS = [c.name for c in CONVERSATIONS.columns]


def insert_ignoring_duplicates(connection: Connection, table: sa.Table, rows: List[dict]) -> None:
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def _merge(stored: dict, new: Summary) -> dict:
    """A stored summary row with the new events' summary folded in."""
    both = lambda f, a, b: b if a is None else a if b is None else f(a, b)  # noqa: E731
    started = both(min, stored.get("started_at"), new.started_at)
    return {
        "id": new.conversation_id,
        "channel": stored.get("channel") or new.channel,
        "started_at": started,
        "started_day": int(started // 86400),
        "last_at": both(max, stored.get("last_at"), new.last_at),
        "patient_messages": (stored.get("patient_messages") or 0) + new.patient_messages,
        "bot_messages": (stored.get("bot_messages") or 0) + new.bot_messages,
        "handed_off": bool(stored.get("handed_off")) or new.handed_off,
        "urgent": bool(stored.get("urgent")) or new.urgent,
        "fallback": bool(stored.get("fallback")) or new.fallback,
        "min_confidence": both(min, stored.get("min_confidence"), new.min_confidence),
        "negative_feedback": (stored.get("negative_feedback") or 0) + new.negative_feedback,
        "positive_feedback": (stored.get("positive_feedback") or 0) + new.positive_feedback,
        "first_message": stored.get("first_message") or new.first_message,
    }


def summarise(rows: Iterable[EventRow]) -> tuple:
    summaries: Dict[str, Summary] = {}
    search: List[dict] = []
    for row in rows:
        item = to_item(row)
        if item is None:
            continue
        summaries.setdefault(row.sender_id, Summary(row.sender_id)).add(item)
        if isinstance(item, PatientMessage) and item.typed and item.text.strip():
            search.append({"event_id": row.id, "conversation_id": row.sender_id, "text": item.text})
    return summaries, search


def write_batch(db: Connection, summaries: Dict[str, Summary], search: List[dict]) -> None:
    ids = list(summaries)
    stored = {
        r["id"]: dict(r)
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500))
        for r in db.execute(sa.select(CONVERSATIONS).where(CONVERSATIONS.c.id.in_(chunk))).mappings()
    }
    merged = [_merge(stored.get(cid, {}), s) for cid, s in summaries.items()]
    updates = [m for m in merged if m["id"] in stored]
    inserts = [m for m in merged if m["id"] not in stored]
    if inserts:
        db.execute(CONVERSATIONS.insert(), inserts)
    if updates:
        values = {c: sa.bindparam(f"v_{c}") for c in SUMMARY_COLUMNS if c != "id"}
        statement = CONVERSATIONS.update().where(CONVERSATIONS.c.id == sa.bindparam("v_id")).values(values)
        db.execute(statement, [{f"v_{k}": v for k, v in m.items()} for m in updates])
    topics = [{"conversation_id": c, "topic": t} for c, s in summaries.items() for t in s.topics]
    intents = [{"conversation_id": c, "intent": i} for c, s in summaries.items() for i in s.intents]
    insert_ignoring_duplicates(db, ConversationTopic.__table__, topics)
    insert_ignoring_duplicates(db, ConversationIntent.__table__, intents)
    if search:
        db.execute(SEARCH.insert(), search)


def lock_position(db: Connection) -> int:
    """The read position, locked until `db`'s transaction ends: a write first, so that SQLite
    takes its write lock now (a later upgrade could fail) and PostgreSQL locks the row."""
    state = IndexState.__table__
    insert_ignoring_duplicates(db, state, [{"id": 1, "last_event_id": 0}])
    db.execute(state.update().where(state.c.id == 1).values(last_event_id=state.c.last_event_id))
    return int(db.execute(sa.select(state.c.last_event_id).where(state.c.id == 1)).scalar_one())


def newest_event_id(tracker: Engine) -> int:
    with tracker.connect() as events:
        return events.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar() or 0


def is_current(console: Engine, tracker: Engine, newest: Optional[int] = None) -> bool:
    """Whether every stored event (up to `newest`, looked up if not given) is indexed and no gap
    is waiting (a few lookups, no lock)."""
    with console.connect() as db:
        position = db.execute(sa.select(IndexState.__table__.c.last_event_id)).scalar() or 0
        if db.execute(sa.select(GAPS.c.event_id).limit(1)).first() is not None:
            return False
    return (newest_event_id(tracker) if newest is None else newest) == position


def catch_up(console: Engine, tracker: Engine, max_batches: int = 1000) -> int:
    """Indexes the events stored since the last call; returns how many events it read."""
    if not tracker_exists(tracker):
        return 0
    head = newest_event_id(tracker)
    if is_current(console, tracker, head):
        return 0
    read = 0
    with _lock:
        for _ in range(max_batches):
            with console.begin() as db:
                position = lock_position(db)
                gaps = [r.event_id for r in db.execute(sa.select(GAPS.c.event_id))]
                with tracker.connect() as events:
                    rows = [
                        EventRow(*r)
                        for r in events.execute(
                            sa.select(*EVENT_ROW_COLUMNS)
                            .where(EVENTS.c.id > position)
                            .order_by(EVENTS.c.id)
                            .limit(BATCH)
                        )
                    ]
                    arrived = _rows_with_ids(events, gaps)
                if not rows and not arrived:
                    _forget_old_gaps(db)
                    break
                write_batch(db, *summarise(sorted(arrived + rows, key=lambda r: r.id)))
                _note_gaps(db, position, rows, [r.id for r in arrived], head)
                if rows:
                    db.execute(IndexState.__table__.update().values(last_event_id=rows[-1].id))
                read += len(rows) + len(arrived)
            if len(rows) < BATCH:
                break
    if read >= REFRESH_STATISTICS_AFTER and console.dialect.name == "postgresql":
        # the planner needs fresh statistics after a large load, and autovacuum may be off
        with console.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.exec_driver_sql("ANALYZE conversations, conversation_topics, conversation_intents, message_search")
    return read


def _rows_with_ids(events: Connection, ids: List[int]) -> List[EventRow]:
    found: List[EventRow] = []
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        found += [EventRow(*r) for r in events.execute(sa.select(*EVENT_ROW_COLUMNS).where(EVENTS.c.id.in_(chunk)))]
    return found


def _note_gaps(db: Connection, position: int, rows: List[EventRow], arrived: List[int], head: int) -> None:
    """Keeps the ids this batch passed without seeing (near the newest, `head`), drops those that
    arrived."""
    if arrived:
        db.execute(GAPS.delete().where(GAPS.c.event_id.in_(arrived)))
    seen = {r.id for r in rows}
    first = max(position + 1, head - GAP_WINDOW)
    missing = [i for i in range(first, rows[-1].id if rows else first) if i not in seen]
    insert_ignoring_duplicates(db, GAPS, [{"event_id": i, "seen_at": time.time()} for i in missing])
    _forget_old_gaps(db)


def _forget_old_gaps(db: Connection) -> None:
    db.execute(GAPS.delete().where(GAPS.c.seen_at < time.time() - GAP_EXPIRY_SECONDS))


def rewind_after_deletion(console: Engine, tracker: Engine) -> None:
    """After events were deleted: SQLite may hand their ids out again, so the read position must
    not be past the largest id still stored, or new events would be skipped."""
    if not tracker_exists(tracker) or not sa.inspect(console).has_table("index_state"):
        return  # nothing indexed yet
    largest = newest_event_id(tracker)
    with console.begin() as db:
        if lock_position(db) > largest:
            db.execute(IndexState.__table__.update().values(last_event_id=largest))
