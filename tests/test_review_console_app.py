"""The review console's Flask app in process (Flask's test client and CLI runner, on SQLite files
of its own): `flask --app review_console migrate` creates the console's tables, which building
the app no longer does; pages show what the index holds, and no request catches it up: a
conversation appears once the indexer (the server's loop) has read it."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.synthetic_conversations import conversation, events_table
from review_console import accounts, create_app, indexer
from review_console.database import databases, migrate
from review_console.settings import Settings
from tests.helpers.console_client import CSRF

PASSWORD = "a long staff password 123"


def held(tracker_url: str, sender: str) -> None:
    """A conversation stored in the tracker store, as Rasa stores it."""
    writer = sa.create_engine(tracker_url, future=True)
    metadata = sa.MetaData()
    table = events_table(metadata)
    metadata.create_all(writer)
    with writer.begin() as db:
        db.execute(table.insert(), conversation(sender, time.time() - 60, random.Random(5)))
    writer.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Tuple[Flask, str]]:
    """The console on databases of its own (not migrated), and its tracker store's URL."""
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    held(tracker_url, "sms-before")
    settings = Settings(
        console_db_url=f"sqlite:///{tmp_path / 'console.db'}",
        tracker_db_url=tracker_url,
        session_idle_minutes=30,
        session_max_hours=10,
        low_confidence=0.6,
        secure_cookies=False,
    )
    console_app = create_app(settings)
    yield console_app, tracker_url
    with console_app.app_context():
        databases.console.dispose()
        databases.tracker.dispose()


def signed_in(app: Flask) -> FlaskClient:
    with app.app_context(), databases.console.begin() as db:
        accounts.create_staff(db, "reviewer", PASSWORD, "reviewer")
    client = app.test_client()
    form = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    signed = client.post("/login", data={"csrf_token": form, "username": "reviewer", "password": PASSWORD})
    assert signed.status_code == 303
    return client


def test_the_migrate_command_creates_the_tables_building_the_app_does_not(app: Tuple[Flask, str]) -> None:
    console_app, _ = app
    with console_app.app_context():
        assert not sa.inspect(databases.console).has_table("staff")
    result = console_app.test_cli_runner().invoke(args=["migrate"])
    assert result.exit_code == 0 and "up to date" in result.output
    with console_app.app_context():
        assert sa.inspect(databases.console).has_table("staff")
    assert console_app.test_cli_runner().invoke(args=["migrate"]).exit_code == 0  # again: nothing to do


def test_pages_show_what_the_indexer_has_read_and_no_request_catches_it_up(app: Tuple[Flask, str]) -> None:
    console_app, tracker_url = app
    with console_app.app_context():
        console, tracker = databases.console, databases.tracker
    migrate(console)
    client = signed_in(console_app)
    assert client.get("/conversations/sms-before").status_code == 404
    assert "sms-before" not in client.get("/conversations").get_data(as_text=True)

    assert indexer.catch_up(console, tracker) > 0  # what the server's indexing loop does
    assert client.get("/conversations/sms-before").status_code == 200
    held(tracker_url, "sms-after")
    listed = client.get("/conversations").get_data(as_text=True)
    assert 'href="/conversations/sms-before"' in listed and "sms-after" not in listed
    client.get("/dashboard")
    assert not indexer.is_current(console, tracker)  # no page read the new events
    indexer.catch_up(console, tracker)
    assert 'href="/conversations/sms-after"' in client.get("/conversations").get_data(as_text=True)
