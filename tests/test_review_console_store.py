"""The review console's data layer on SQLite and PostgreSQL: migrations match the models and run
both ways, Rasa's events are opened read only, the summary built in steps equals the summary built
at once, full-text search and every filter work on both databases, and forgetting a conversation
removes it from the console and lets later events in, and the evaluation's conversations stay out
of the lists and the dashboard unless asked for."""

from __future__ import annotations

import random
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from bench.synthetic_conversations import conversation as synthetic_conversation
from bench.synthetic_conversations import events_table, fill
from core.conventions import EVALUATION_CHANNEL, EVALUATION_SENDER_PREFIX
from core.rasa_events import EVENTS
from review_console import accounts, annotations, dashboard, indexer
from review_console.conversation_list import Filters, list_page
from review_console.database import MIGRATIONS, console_engine, migrate, tracker_engine
from review_console.forgetting import forget_in_console
from review_console.models import Base, Conversation
from tests.helpers.databases import temporary_postgres_database

NOW = 1_790_000_000.0  # a fixed "now", so the generated data is the same on every run


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tuple[str, str]]:
    """(tracker URL, console URL) on one kind of database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'console.db'}"
        return
    with temporary_postgres_database("tracker") as tracker, temporary_postgres_database("console") as console:
        yield tracker, console


@pytest.fixture
def engines(databases: Tuple[str, str]) -> Iterator[Tuple[Engine, Engine, str]]:
    tracker_url, console_url = databases
    fill(tracker_url, 300, days=30, now=NOW)
    console = console_engine(console_url)
    migrate(console)
    tracker = tracker_engine(tracker_url)
    yield console, tracker, tracker_url
    console.dispose()
    tracker.dispose()


def summaries(console: Engine) -> list:
    table = Conversation.__table__
    with console.connect() as db:
        return [tuple(r) for r in db.execute(sa.select(table).order_by(table.c.id))]


def test_the_migrations_match_the_models_and_run_down_and_up(engines: Tuple[Engine, Engine, str]) -> None:
    console, _, _ = engines
    with console.connect() as db:
        differences = compare_metadata(MigrationContext.configure(db), Base.metadata)
    assert [d for d in differences if "message_search" not in str(d)] == []
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with console.begin() as db:
        config.attributes["connection"] = db
        command.downgrade(config, "base")
    assert not sa.inspect(console).has_table("conversations")
    migrate(console)
    assert sa.inspect(console).has_table("conversations")


def test_the_events_are_opened_read_only(engines: Tuple[Engine, Engine, str]) -> None:
    _, tracker, _ = engines
    with pytest.raises(sa.exc.DBAPIError), tracker.begin() as db:
        db.execute(EVENTS.delete())
    with tracker.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar() > 3000


@pytest.mark.slow  # thousands of events indexed twice on each database (9 s each)
def test_indexing_in_small_steps_gives_the_same_summary_as_all_at_once(
    engines: Tuple[Engine, Engine, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    console, tracker, _ = engines
    assert indexer.catch_up(console, tracker) > 3000
    at_once = summaries(console)
    assert len(at_once) == 300

    stepwise = console_engine(f"sqlite:///{tmp_path / 'stepwise.db'}")
    migrate(stepwise)
    monkeypatch.setattr(indexer, "BATCH", 7)  # conversations split across batches
    while indexer.catch_up(stepwise, tracker, max_batches=3):
        pass
    assert summaries(stepwise) == at_once
    assert indexer.catch_up(console, tracker) == 0  # nothing new


def test_every_filter_and_the_search_on_this_database(engines: Tuple[Engine, Engine, str]) -> None:
    console, tracker, _ = engines
    indexer.catch_up(console, tracker)
    with console.begin() as db:
        staff = accounts.create_staff(db, "someone", "a long password here", "reviewer")
        annotations.add_tag(db, "bench-0000003", staff, "Needs follow-up")
        annotations.set_reviewed(db, "bench-0000004", staff, True)

    def ids(**args: str) -> set:
        with console.connect() as db:
            f = Filters.from_args(args, 0.6)
            assert not f.errors, f.errors
            return {r["id"] for r in list_page(db, f, 1000).rows}

    everything = ids()
    assert len(everything) == 300
    assert ids(tag="needs follow-up") == {"bench-0000003"}
    assert ids(reviewed="yes") == {"bench-0000004"} and len(ids(reviewed="no")) == 299
    airport = ids(q="airport scanners")  # stemmed: "scanner"
    assert airport and airport == ids(topic="marker_clip")
    assert ids(q="scared") == ids(intent="ask_cancer_link")
    for name in ("handed_off", "urgent", "negative_feedback", "low_confidence"):
        yes, no = ids(**{name: "yes"}), ids(**{name: "no"})
        assert yes and no and yes | no == everything and not yes & no, name
    assert ids(urgent="yes") <= ids(handed_off="yes")
    assert ids(low_confidence="yes", threshold="0.5") < ids(low_confidence="yes", threshold="0.9")
    assert ids(channel="sms") and ids(channel="sms") < everything
    day = time.strftime("%Y-%m-%d", time.gmtime(NOW - 10 * 86400))
    assert ids(date_from=day) and ids(date_from=day) < everything
    assert ids(date_from=day) | ids(date_to=day) == everything
    with console.connect() as db:
        ordered = list_page(db, Filters.from_args({"sort": "confidence", "order": "asc"}, 0.6), 50).rows
        paged = list_page(db, Filters.from_args({"page": "2"}, 0.6), 50)
    confidences = [r["min_confidence"] for r in ordered if r["min_confidence"] is not None]
    assert confidences == sorted(confidences)
    assert paged.page == 2 and paged.pages == 6 and len(paged.rows) == 50


def test_forgetting_removes_the_conversation_and_later_events_are_still_indexed(
    engines: Tuple[Engine, Engine, str],
) -> None:
    console, tracker, tracker_url = engines
    indexer.catch_up(console, tracker)
    last = "bench-0000299"  # the conversation with the largest event ids
    with console.begin() as db:
        staff = accounts.create_staff(db, "someone", "a long password here", "reviewer")
        annotations.add_note(db, last, staff, "note")
    writable = sa.create_engine(tracker_url, future=True)
    with writable.begin() as db:
        db.execute(EVENTS.delete().where(EVENTS.c.sender_id == last))
    removed = forget_in_console(console, [last])
    indexer.rewind_after_deletion(console, tracker)
    assert removed["notes"] == 1 and last not in {s[0] for s in summaries(console)}

    table = events_table(sa.MetaData())
    with writable.begin() as db:  # SQLite hands the deleted ids out again
        db.execute(
            table.insert(),
            [{"sender_id": "late", "type_name": "user", "timestamp": NOW, "data": '{"text": "hello again"}'}],
        )
    indexer.catch_up(console, tracker)
    assert "late" in {s[0] for s in summaries(console)}
    writable.dispose()


def test_evaluation_conversations_are_left_out_of_the_lists_and_dashboard_unless_asked_for(
    engines: Tuple[Engine, Engine, str],
) -> None:
    console, tracker, tracker_url = engines
    writer = sa.create_engine(tracker_url)
    metadata = sa.MetaData()
    evaluation_id = f"{EVALUATION_SENDER_PREFIX}0123456789abcdef"
    with writer.begin() as db:
        db.execute(events_table(metadata).insert(), synthetic_conversation(evaluation_id, NOW - 3600, random.Random(1)))
    writer.dispose()
    indexer.catch_up(console, tracker)

    def ids(**args: str) -> set:
        with console.connect() as db:
            return {r["id"] for r in list_page(db, Filters.from_args(args, 0.6), 1000).rows}

    assert evaluation_id not in ids() and len(ids()) == 300
    assert ids(channel=EVALUATION_CHANNEL) == {evaluation_id}
    with console.connect() as db:
        totals = dashboard.figures(db, 90, datetime.fromtimestamp(NOW, timezone.utc).date())["totals"]
    assert totals["conversations"] == 300


@pytest.fixture
def postgres_pair() -> Iterator[Tuple[Engine, Engine, sa.Table, Engine]]:
    """(console, tracker read only, the events table, a writer of events) on PostgreSQL."""
    with temporary_postgres_database("tracker") as tracker_url, temporary_postgres_database("console") as console_url:
        writer = sa.create_engine(tracker_url)
        metadata = sa.MetaData()
        table = events_table(metadata)
        metadata.create_all(writer)
        console, tracker = console_engine(console_url), tracker_engine(tracker_url)
        migrate(console)
        yield console, tracker, table, writer
        for engine in (console, tracker, writer):
            engine.dispose()


def indexed(console: Engine) -> dict:
    table = Conversation.__table__
    with console.connect() as db:
        return {r.id: r.patient_messages for r in db.execute(sa.select(table.c.id, table.c.patient_messages))}


def test_events_committed_out_of_order_are_indexed_not_skipped(
    postgres_pair: Tuple[Engine, Engine, sa.Table, Engine],
) -> None:
    console, tracker, table, writer = postgres_pair
    rng = random.Random(3)
    slow_rows, fast_rows = (synthetic_conversation(s, NOW, rng) for s in ("sms-slow", "sms-fast"))
    slow = writer.connect()
    slow_turn = slow.begin()
    slow.execute(table.insert(), slow_rows)  # its ids are taken, but not yet committed
    with writer.begin() as db:
        db.execute(table.insert(), fast_rows)  # later ids, committed first (another replica)
    indexer.catch_up(console, tracker)
    assert set(indexed(console)) == {"sms-fast"}
    assert not indexer.is_current(console, tracker)  # ids passed, still awaited
    slow_turn.commit()
    slow.close()
    indexer.catch_up(console, tracker)
    typed = lambda rows: sum(1 for r in rows if r["type_name"] == "user")  # noqa: E731
    assert indexed(console) == {"sms-fast": typed(fast_rows), "sms-slow": typed(slow_rows)}
    assert indexer.is_current(console, tracker)


def test_ids_of_turns_rolled_back_are_forgotten_after_a_while(
    postgres_pair: Tuple[Engine, Engine, sa.Table, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    console, tracker, table, writer = postgres_pair
    rng = random.Random(4)
    with writer.connect() as db:
        turn = db.begin()
        db.execute(table.insert(), synthetic_conversation("sms-lost", NOW, rng))
        turn.rollback()  # the ids are never used
    with writer.begin() as db:
        db.execute(table.insert(), synthetic_conversation("sms-kept", NOW, rng))
    indexer.catch_up(console, tracker)
    assert set(indexed(console)) == {"sms-kept"} and not indexer.is_current(console, tracker)
    monkeypatch.setattr(indexer, "GAP_EXPIRY_SECONDS", 0.0)
    indexer.catch_up(console, tracker)
    assert indexer.is_current(console, tracker)
