"""The messages the bot could not answer (channels/outages.py): counted by reason, and kept,
masked, so that nothing a patient wrote is lost when the tracker store could not keep it.

They are kept in the `unanswered_messages` table of the tracker store's database, which every
replica shares (the tracker store hands its engine over with `share_database`), so that the
retention commands reach every replica's messages (maintenance/retention.py). When that
database cannot take them (it is down, which is often why the message went unanswered) they wait
as JSON lines in UNANSWERED_LOG (default var/log/unanswered.jsonl) and move into the table with the
next message the database takes, or within RETRY_SECONDS of it coming back; the retention commands
delete from both."""

from __future__ import annotations

import fcntl
import json
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import sqlalchemy as sa

from conversation_store.masking import mask
from core.settings import settings

logger = logging.getLogger(__name__)


METADATA = sa.MetaData()
TABLE = sa.Table(
    "unanswered_messages",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("time", sa.Float, nullable=False, index=True),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("sender", sa.String(255), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
)
Entry = Dict[str, Any]
# how soon messages waiting in the file are tried again once the database failed
RETRY_SECONDS = 10.0

_shared_database: Optional[sa.engine.Engine] = None


def share_database(engine: Optional[sa.engine.Engine]) -> None:
    """The database the unanswered messages of this process go to (the tracker store's)."""
    global _shared_database
    _shared_database = engine


def unanswered_log() -> Path:
    return settings().unanswered_log


class UnansweredMessages:
    def __init__(
        self, reasons: Iterable[str], path: Optional[Path] = None, engine: Optional[sa.engine.Engine] = None
    ) -> None:
        self.reasons = tuple(reasons)
        self.path = path or unanswered_log()
        self.engine = engine
        self._counts: Counter = Counter()
        self._lock = threading.Lock()
        # the channels record from Rasa's event loop: the database is written from a thread of
        # its own, in order (pending writes are finished when the process exits)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unanswered")
        self._retry: Optional[threading.Timer] = None

    def record(self, reason: str, sender: str, channel: str, text: str) -> None:
        with self._lock:
            self._counts[reason] += 1
        logger.error("unanswered message: reason=%s channel=%s conversation=%s", reason, channel, sender)
        entry = {"time": time.time(), "reason": reason, "channel": channel, "sender": sender, "text": mask(text)}
        self._writer.submit(self._keep, entry)

    def flush(self) -> None:
        """Waits until every message recorded so far is kept."""
        self._writer.submit(lambda: None).result()

    def _keep(self, entry: Entry) -> None:
        if not self._move([entry]):
            self._wait(entry)

    def _move(self, entries: List[Entry]) -> bool:
        """Puts `entries` and the messages waiting in the file into the table; False (and a retry
        planned) if the database cannot take them. Only the writer thread runs this."""
        engine = self.engine or _shared_database
        if engine is None:
            return False
        waiting = self._waiting()
        if not entries and not waiting:
            return True
        try:
            with engine.begin() as db:
                METADATA.create_all(db, checkfirst=True)
                db.execute(TABLE.insert(), [*entries, *(e for _, e in waiting)])
        except sa.exc.SQLAlchemyError:
            logger.exception("could not keep unanswered messages in the database; they wait in %s", self.path)
            self._retry_later()
            return False
        if waiting:
            self._forget_lines({line for line, _ in waiting})
        return True

    def _retry_later(self) -> None:
        with self._lock:
            if self._retry is not None and self._retry.is_alive():
                return
            self._retry = threading.Timer(RETRY_SECONDS, lambda: self._writer.submit(self._move, []))
            self._retry.daemon = True
            self._retry.start()

    def _waiting(self) -> List[Tuple[str, Entry]]:
        """The messages waiting in the file, with their lines."""
        if not self.path.exists():
            return []
        with self.path.open("r", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_SH)
            lines = [line for line in f.read().splitlines() if line.strip()]
        return [(line, e) for line, e in ((line, _entry(line)) for line in lines) if _complete(e)]

    def _forget_lines(self, moved: Set[str]) -> None:
        """The file without the lines now in the table (a crash before this leaves them twice,
        never loses them)."""
        _rewrite(self.path, lambda line: line in moved)

    def _wait(self, entry: Entry) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)  # not while the retention command rewrites the file
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError:
            logger.exception("could not keep the unanswered message in %s", self.path)

    def counts(self) -> Dict[str, int]:
        with self._lock:
            return {reason: self._counts[reason] for reason in self.reasons}


def kept_unanswered(engine: Optional[sa.engine.Engine], path: Optional[Path] = None) -> List[Entry]:
    """Every unanswered message kept, in the table and waiting in the file, oldest first."""
    entries = _file_entries(path or unanswered_log())
    if engine is not None and sa.inspect(engine).has_table(TABLE.name):
        with engine.connect() as db:
            entries += [dict(row._mapping) for row in db.execute(sa.select(TABLE))]
    return sorted(({k: v for k, v in e.items() if k != "id"} for e in entries), key=lambda e: float(e.get("time") or 0))


def remove_unanswered(
    unwanted: Callable[[Entry], bool],
    path: Optional[Path] = None,
    dry_run: bool = False,
    engine: Optional[sa.engine.Engine] = None,
) -> int:
    """Deletes the kept messages for which `unwanted` is true, from the table of `engine` and
    from the file (a line that cannot be read is kept); returns how many."""
    removed = 0
    if engine is not None and sa.inspect(engine).has_table(TABLE.name):
        with engine.begin() as db:
            ids = [row.id for row in db.execute(sa.select(TABLE)) if unwanted(dict(row._mapping))]
            if ids and not dry_run:
                db.execute(TABLE.delete().where(TABLE.c.id.in_(ids)))
            removed += len(ids)
    return removed + _rewrite(path or unanswered_log(), lambda line: unwanted(_entry(line)), dry_run)


def _rewrite(path: Path, unwanted: Callable[[str], bool], dry_run: bool = False) -> int:
    """The file without its lines for which `unwanted` is true (under its lock, so never while a
    line is appended); returns how many."""
    if not path.exists():
        return 0
    with path.open("r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        lines = [line for line in f.read().splitlines() if line.strip()]
        kept = [line for line in lines if not unwanted(line)]
        if not dry_run:
            f.seek(0)
            f.write("".join(line + "\n" for line in kept))
            f.truncate()
    return len(lines) - len(kept)


def _file_entries(path: Path) -> List[Entry]:
    if not path.exists():
        return []
    return [_entry(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _complete(entry: Entry) -> bool:
    return all(isinstance(entry.get(k), str) for k in ("reason", "channel", "sender", "text")) and isinstance(
        entry.get("time"), (int, float)
    )


def _entry(line: str) -> Entry:
    try:
        entry = json.loads(line)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}
