"""Rasa's SQL tracker store with the patient's words masked (conversation_store/masking.py) before
they are stored or streamed to an event broker. The bot has already understood and answered the
message by then; only the masked form reaches the database, the broker and the review console.

endpoints.yml names it as the tracker store. TRACKER_DB_URL (for example
postgresql://user@host:5432/rasa) overrides the SQLite file given there; `retention_days` there is
how long conversations are kept (see maintenance/retention.py).

It overrides SQLTrackerStore's private `_retrieve` and `_additional_events`; rasa_patches checks,
when the Rasa server starts, that Rasa still has them with the same parameters."""

from __future__ import annotations

import itertools
import json
import logging
from contextvars import ContextVar
from typing import Any, Dict, Iterator, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from conversation_store import log_masking, unanswered
from conversation_store.masking import mask
from core.rasa_events import EVENTS
from core.settings import DEFAULT_RETENTION_DAYS, settings
from core.sqlite_files import secure_delete

logger = logging.getLogger(__name__)


# The tracker store's failures during one message, for the channel that passed it on. When its store
# fails, Rasa carries on with an empty tracker kept in memory (FailSafeTrackerStore): the answer
# would lack the conversation's context and be stored nowhere, so the channel says that the bot
# cannot answer right now instead (channels/bot_replies.py sets the list for each message).
STORE_FAILURES: ContextVar[Optional[List[str]]] = ContextVar("tracker_store_failures", default=None)


# The events of a conversation's latest session: from its last session start on, or all of them
# before the first. Rasa's SQLTrackerStore._event_query as one Core statement on the events table
# (core/rasa_events.py), built once: building Rasa's ORM query cost more than running it.
_SENDER = sa.bindparam("sender")
_SESSION_STARTS = sa.and_(EVENTS.c.sender_id == _SENDER, EVENTS.c.type_name == "session_started")
_IN_LATEST_SESSION = sa.and_(
    EVENTS.c.sender_id == _SENDER,
    sa.or_(
        EVENTS.c.timestamp >= sa.select(sa.func.max(EVENTS.c.timestamp)).where(_SESSION_STARTS).scalar_subquery(),
        ~sa.exists().where(_SESSION_STARTS),
    ),
)
LATEST_SESSION_EVENTS = sa.select(EVENTS.c.data).where(_IN_LATEST_SESSION).order_by(EVENTS.c.id)
LATEST_SESSION_COUNT = sa.select(sa.func.count()).select_from(EVENTS).where(_IN_LATEST_SESSION)


def _note_failure(step: str) -> None:
    failures = STORE_FAILURES.get()
    if failures is not None:
        failures.append(step)


def url_settings(url: str) -> Dict[str, Any]:
    """SQLTrackerStore's keyword arguments for a database URL."""
    parsed = make_url(url)
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
    }


def mask_user_event(event: UserUttered) -> None:
    """Masks the text of a patient's message in place, wherever the stored event repeats it."""
    original = event.text or ""
    masked = mask(original)
    if masked == original:
        return
    event.text = masked
    if isinstance(event.parse_data, dict):
        event.parse_data["text"] = masked
    for entity in [*(event.parse_data or {}).get("entities", []), *(event.entities or [])]:
        if isinstance(entity, dict):
            for key in ("value", "text"):
                value = entity.get(key)
                if isinstance(value, str):
                    # an entity taken from words that were masked is masked whole
                    gone = value and value in original and value not in masked
                    entity[key] = "[masked]" if gone else mask(value)


def _sqlite_write_ahead_log(connection: Any, _: Any) -> None:
    """A commit appends to the write-ahead log without waiting for the disk (durable if the
    process dies; the last commits can be lost if the machine loses power), and the review
    console reading the file never blocks the bot."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, retention_days: Optional[int] = None, **kwargs: Any) -> None:
        url = settings().tracker_db_url
        if url:
            for key in ("dialect", "host", "port", "db", "username", "password"):
                kwargs.pop(key, None)
            kwargs.update(url_settings(url))
        self.retention_days = int(retention_days or DEFAULT_RETENTION_DAYS)
        # the Rasa server's own log (its debug lines quote each message) is masked like the store
        log_masking.install()
        super().__init__(**kwargs)
        self._replace_engine()
        # Rasa creates the tables when it starts; if the database was down then, it only logs
        # "Could not create tables" and every later query fails. They are made on first use.
        self._tables_ready = self._tables_exist()

    def _tables_exist(self) -> bool:
        try:
            return sa.inspect(self.engine).has_table(self.SQLEvent.__tablename__)
        except sa.exc.SQLAlchemyError:
            return False

    def _ensure_tables(self) -> None:
        if not self._tables_ready:
            self.Base.metadata.create_all(self.engine)
            self._tables_ready = True
            logger.info("tracker store tables created once the database answered")

    def _replace_engine(self) -> None:
        """Rasa's engine with two changes: a PostgreSQL connection is checked before use, so that
        the first message after the database restarts is answered instead of failing on a
        connection the restart closed; a SQLite file is kept open between messages (SQLAlchemy 1.4
        opens it again for every query) and written through a write-ahead log."""
        url = self.engine.url
        if self.engine.dialect.name == "sqlite":
            options: Dict[str, Any] = {
                "poolclass": QueuePool,
                "connect_args": {"check_same_thread": False, "timeout": 15},
            }
        else:
            options = {"pool_pre_ping": True, **create_engine_kwargs(url)}
        self.engine.dispose()
        self.engine = sa.create_engine(url, **options)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            secure_delete(self.engine)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        # the unanswered messages are kept beside the conversations, shared by every replica
        unanswered.share_database(self.engine)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        try:
            self._ensure_tables()
            if fetch_events_from_all_sessions:
                return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
            with self.session_scope() as session:
                stored = session.execute(LATEST_SESSION_EVENTS, {"sender": sender_id}).scalars().all()
        except Exception:
            _note_failure("retrieve")
            raise
        if not (self.domain and stored):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in stored], self.domain.slots)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = session.execute(LATEST_SESSION_COUNT, {"sender": tracker.sender_id}).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        for event in tracker.events:
            if isinstance(event, UserUttered):
                mask_user_event(event)
        try:
            self._ensure_tables()
            await super().save(tracker)
        except Exception:
            _note_failure("save")
            raise
