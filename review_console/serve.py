"""Runs the review console: `python -m review_console.serve --port 8070`. Brings the console's
tables up to date (the migration `flask --app review_console migrate` runs), then Waitress serves
the app while a background thread, the indexing loop, keeps the conversation summary up to date
with Rasa's events: the only place they are indexed (pages show what it has read so far)."""

from __future__ import annotations

import argparse
import logging
import threading
from typing import Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from waitress import serve

from review_console import accounts, indexer
from review_console.app import create_app
from review_console.database import console_engine, migrate, tracker_engine
from review_console.settings import Settings

logger = logging.getLogger("review_console")
# how long a conversation may take to appear in the list: no page catches up the index itself
INDEX_EVERY_SECONDS = 2.0


def keep_indexing(console: Engine, tracker: Engine, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            read = indexer.catch_up(console, tracker)
            if read:
                logger.info("indexed %d new event(s)", read)
        except sa.exc.SQLAlchemyError:
            logger.exception("indexing the tracker store failed; trying again shortly")
        stop.wait(INDEX_EVERY_SECONDS)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review_console.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    settings = Settings.from_env()
    console, tracker = console_engine(settings.console_db_url), tracker_engine(settings.tracker_db_url)
    migrate(console)
    app = create_app(settings, console, tracker)
    with console.connect() as db:
        if not accounts.any_staff(db):
            logger.warning("no staff accounts yet: create one with `make create-staff USERNAME=you ROLE=admin`")
    stop = threading.Event()
    threading.Thread(target=keep_indexing, args=(console, tracker, stop), name="indexer", daemon=True).start()
    logger.info("review console on http://%s:%d/", args.interface, args.port)
    try:
        serve(app, host=args.interface, port=args.port, threads=args.threads, ident="review-console")
    finally:
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
