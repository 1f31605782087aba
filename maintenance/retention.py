"""Deleting conversations: those inactive for longer than the retention period in endpoints.yml,
and one person's conversation on request. Both say what they removed, and delete what the review
console holds on those conversations (summary, tags, notes, review state, flagged messages) and
the messages kept because the bot could not answer them (conversation_store/unanswered.py).

  python -m maintenance.retention purge [--days N] [--dry-run]
  python -m maintenance.retention forget CONVERSATION_ID ...
  python -m maintenance.retention forget --channel sms --user +447700900123

A messaging-app conversation is stored under a keyed hash of the person's app id
(channels/messaging/conversation_ids.py); --channel and --user compute it, with the same
CHANNEL_ID_SECRET as the Rasa server."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from typing import Optional, Sequence

import sqlalchemy as sa

from channels.messaging.conversation_ids import ConversationIds
from channels.registry import messaging_apps
from conversation_store.retention import forget, purge
from conversation_store.unanswered import remove_unanswered
from core.settings import retention_days, settings
from core.sqlite_files import secure_delete
from review_console.database import console_engine, tracker_engine
from review_console.forgetting import forget_in_console
from review_console.indexer import rewind_after_deletion
from review_console.settings import Settings


def clear_console(conversations: Sequence[str]) -> str:
    """Deletes the review console's data on these conversations; says what staff had added."""
    settings = Settings.from_env()
    console = console_engine(settings.console_db_url)
    removed = forget_in_console(console, conversations)
    rewind_after_deletion(console, tracker_engine(settings.tracker_db_url))
    return "Review console: removed " + ", ".join(f"{n} {what}" for what, n in removed.items())


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maintenance.retention", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("purge", help="delete conversations older than the retention period")
    p.add_argument("--days", type=float, help="the retention period (default: retention_days in endpoints.yml)")
    p.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    f = commands.add_parser("forget", help="delete one person's conversation")
    f.add_argument("conversation_ids", nargs="*", help="conversation ids as the review console shows them")
    f.add_argument("--channel", choices=messaging_apps(), help="the messaging app")
    f.add_argument("--user", help="the person's id on that app (a phone number on SMS and WhatsApp)")
    args = parser.parse_args(argv)

    engine = secure_delete(sa.create_engine(settings().tracker_store_url()))
    if args.command == "purge":
        days = args.days if args.days is not None else retention_days()
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
