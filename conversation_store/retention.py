"""Deleting conversations: those inactive for longer than the retention period in endpoints.yml,
and one person's conversation on request. Both say what they removed, and delete what the review
console holds on those conversations (summary, tags, notes, review state, flagged messages) and
the messages kept because the bot could not answer them (conversation_store/unanswered.py).

  python -m conversation_store.retention purge [--days N] [--dry-run]
  python -m conversation_store.retention forget CONVERSATION_ID ...
  python -m conversation_store.retention forget --channel sms --user +447700900123

A messaging-app conversation is stored under a keyed hash of the person's app id
(channels/messaging/conversation_ids.py); --channel and --user compute it, with the same
CHANNEL_ID_SECRET as the Rasa server."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Sequence

import sqlalchemy as sa
import yaml

from conversation_store.tracker_store import DEFAULT_RETENTION_DAYS, URL_VARIABLE
from conversation_store.unanswered import remove_unanswered
from core.paths import PROJECT_ROOT
from core.rasa_events import EVENTS
from core.sqlite_files import secure_delete


@dataclass
class Removed:
    conversations: List[str]
    events: int

    def describe(self, what: str) -> str:
        return f"{what}: {len(self.conversations)} conversation(s), {self.events} event(s)"


def store_settings(endpoints: Path = PROJECT_ROOT / "endpoints.yml") -> dict:
    with endpoints.open() as f:
        return (yaml.safe_load(f) or {}).get("tracker_store") or {}


def store_url(endpoints: Path = PROJECT_ROOT / "endpoints.yml") -> str:
    """The tracker store's database: TRACKER_DB_URL, else the SQLite file in endpoints.yml."""
    if os.environ.get(URL_VARIABLE, "").strip():
        return os.environ[URL_VARIABLE].strip()
    db = Path(store_settings(endpoints).get("db") or "var/tracker.db")
    return f"sqlite:///{db if db.is_absolute() else PROJECT_ROOT / db}"


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


def clear_console(conversations: Sequence[str]) -> str:
    """Deletes the review console's data on these conversations; says what staff had added."""
    from review_console.database import console_engine, tracker_engine
    from review_console.forgetting import forget_in_console
    from review_console.indexer import rewind_after_deletion
    from review_console.settings import Settings

    settings = Settings.from_env()
    console = console_engine(settings.console_db_url)
    removed = forget_in_console(console, conversations)
    rewind_after_deletion(console, tracker_engine(settings.tracker_db_url))
    return "Review console: removed " + ", ".join(f"{n} {what}" for what, n in removed.items())


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conversation_store.retention", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("purge", help="delete conversations older than the retention period")
    p.add_argument("--days", type=float, help="the retention period (default: retention_days in endpoints.yml)")
    p.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    f = commands.add_parser("forget", help="delete one person's conversation")
    f.add_argument("conversation_ids", nargs="*", help="conversation ids as the review console shows them")
    f.add_argument("--channel", help="a messaging app: telegram, slack, messenger, sms, whatsapp")
    f.add_argument("--user", help="the person's id on that app (a phone number on SMS and WhatsApp)")
    args = parser.parse_args(argv)

    engine = secure_delete(sa.create_engine(store_url()))
    if args.command == "purge":
        days = args.days if args.days is not None else store_settings().get("retention_days", DEFAULT_RETENTION_DAYS)
        if float(days) <= 0:
            parser.error("the retention period must be more than 0 days")
        removed = purge(engine, float(days), dry_run=args.dry_run)
        cutoff_time = time.time() - float(days) * 86400
        cutoff = datetime.fromtimestamp(cutoff_time, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        verb = "Would delete" if args.dry_run else "Deleted"
        print(removed.describe(f"{verb} conversations last active before {cutoff} (retention {float(days):g} days)"))
        unanswered = remove_unanswered(
            lambda e: float(e.get("time") or 0) < cutoff_time, dry_run=args.dry_run, engine=engine
        )
        print(f"Unanswered messages kept from before then: {unanswered} {verb.lower()}")
        if not args.dry_run:
            print(clear_console(removed.conversations))
        return 0

    ids = list(args.conversation_ids)
    if args.channel or args.user:
        if not (args.channel and args.user):
            parser.error("--channel and --user go together")
        from channels.messaging.conversation_ids import ConversationIds

        ids.append(ConversationIds.from_env().for_user(args.channel, args.user))
    if not ids:
        parser.error("name a conversation id, or --channel and --user")
    removed = forget(engine, ids)
    print(removed.describe("Deleted"))
    unanswered = remove_unanswered(lambda e: e.get("sender") in ids, engine=engine)
    print(f"Unanswered messages kept from them: {unanswered} deleted")
    print(clear_console(ids))
    for conversation in ids:
        found = conversation in removed.conversations
        print(f"  {conversation}: {'deleted' if found else 'not found (nothing stored under this id)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
