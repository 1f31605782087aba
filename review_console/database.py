"""The console's two databases: its own (read and written, schema by migrations) and Rasa's
tracker store (read only: SQLite opened with mode=ro, PostgreSQL in read-only transactions);
`databases`, the Flask extension that gives an app its two engines; and the migration, run by
`flask --app review_console migrate`, by the server at start and by the tests' fixtures."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import click
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import Engine, make_url

from core.rasa_events import EVENTS
from core.sqlite_files import secure_delete
from review_console.current import settings_of

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
EXTENSION = "review_console.databases"  # the key of an app's engines in app.extensions


def _sqlite_pragmas(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def console_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = secure_delete(sa.create_engine(url, future=True, connect_args={"check_same_thread": False}))
        _sqlite_pragmas(engine)
        with engine.connect() as c:  # readers and one writer at once (the server's threads)
            c.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    return sa.create_engine(url, future=True, pool_pre_ping=True, pool_size=8)


def tracker_engine(url: str) -> Engine:
    """Rasa's events, opened so that nothing the console does can change them."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        engine = sa.create_engine(
            f"sqlite:///file:{path}?mode=ro&uri=true",
            future=True,
            connect_args={"check_same_thread": False},
        )
        _sqlite_pragmas(engine)
        return engine
    return sa.create_engine(
        url,
        future=True,
        pool_pre_ping=True,
        connect_args={"options": "-c default_transaction_read_only=on"},
    )


_with_events: weakref.WeakSet[Engine] = weakref.WeakSet()


def tracker_exists(engine: Engine) -> bool:
    """False until Rasa has created its events table (or its SQLite file). Once found, the table
    is not looked up again: every page asks, and Rasa never drops it."""
    if engine in _with_events:
        return True
    try:
        found = sa.inspect(engine).has_table(EVENTS.name)
    except sa.exc.OperationalError:
        return False
    if found:
        _with_events.add(engine)
    return found


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the console's tables up to `revision` (they are created on first use)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@click.command("migrate")
@with_appcontext
def migrate_command() -> None:
    """Bring the review console's tables up to date (they are created on first use)."""
    migrate(databases.console)
    click.echo("The review console's tables are up to date.")


@dataclass(frozen=True)
class Engines:
    console: Engine
    tracker: Engine


class Databases:
    """The console's two engines on a Flask app (app.extensions), opened from the app's settings
    unless given; views reach the current app's through `databases.console` and `.tracker`."""

    def init_app(self, app: Flask, console: Optional[Engine] = None, tracker: Optional[Engine] = None) -> None:
        settings = settings_of(app)
        app.extensions[EXTENSION] = Engines(
            console or console_engine(settings.console_db_url), tracker or tracker_engine(settings.tracker_db_url)
        )
        app.cli.add_command(migrate_command)

    @property
    def console(self) -> Engine:
        return current_app.extensions[EXTENSION].console

    @property
    def tracker(self) -> Engine:
        return current_app.extensions[EXTENSION].tracker


databases = Databases()
