"""The conversation store: the masking tracker store on SQLite and PostgreSQL, the retention
commands, the unanswered messages, and masking through the running bot (masking itself:
tests/test_masking.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from conversation_store import retention
from conversation_store.tracker_store import MaskingSQLTrackerStore, url_settings
from conversation_store.unanswered import UnansweredMessages, kept_unanswered, remove_unanswered
from maintenance import retention as retention_commands
from stack.processes import Stack
from tests.helpers.chat import Chat
from tests.helpers.databases import temporary_postgres_database

# --- the tracker store, on both databases --------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with temporary_postgres_database("tracker_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return request.getfixturevalue("postgres_url")


def conversation(sender: str, text: str, when: float) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen", timestamp=when),
        UserUttered(
            text,
            intent={"name": "ask_definition", "confidence": 0.9},
            entities=[{"entity": "person", "value": "Sarah Jones", "start": 11, "end": 22}],
            timestamp=when,
        ),
        BotUttered("Calcifications are small deposits of calcium.", {"buttons": []}, {"topic": "definition"}, when),
    ]
    return DialogueStateTracker.from_events(sender, events)


def stored_texts(url: str, sender: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as db:
        rows = db.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender}).fetchall()
    engine.dispose()
    return "\n".join(r[0] for r in rows)


def test_the_store_keeps_only_the_masked_words(store_url: str) -> None:
    store = MaskingSQLTrackerStore(**url_settings(store_url))
    sender = f"mask-{time.time_ns()}"
    asyncio.run(store.save(conversation(sender, "my name is Sarah Jones, 07700 900123: what are they?", time.time())))
    raw = stored_texts(store_url, sender)
    assert "Sarah" not in raw and "900123" not in raw
    assert "my name is [name], [phone]: what are they?" in raw
    back = asyncio.run(store.retrieve(sender))
    user = [e for e in back.events if isinstance(e, UserUttered)][0]
    assert user.text == "my name is [name], [phone]: what are they?"
    assert user.intent["name"] == "ask_definition"
    store.engine.dispose()


def test_the_latest_session_is_read_and_extended_as_rasa_does(store_url: str) -> None:
    """The store's plain-SQL reads (conversation_store/tracker_store.py) give what Rasa's own
    SQLTrackerStore gives: the events of the latest session, and only new events saved."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted

    store = MaskingSQLTrackerStore(**url_settings(store_url))
    sender = f"sessions-{time.time_ns()}"
    now = time.time()
    tracker = conversation(sender, "what are calcifications?", now - 100)
    asyncio.run(store.save(tracker))
    assert len(asyncio.run(store.retrieve(sender)).events) == 3  # no session start yet: all of them
    for event in [ActionExecuted("action_session_start", timestamp=now), SessionStarted(timestamp=now)]:
        tracker.update(event)
    for event in conversation(sender, "are they cancer?", now + 1).events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve(sender))
    asyncio.run(store.save(again))  # nothing new: nothing stored twice

    ours = asyncio.run(store.retrieve(sender))
    rasas = asyncio.run(SQLTrackerStore._retrieve(store, sender, fetch_events_from_all_sessions=False))
    assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events]
    assert [e.text for e in ours.events if isinstance(e, UserUttered)] == ["are they cancer?"]
    full = asyncio.run(store.retrieve_full_tracker(sender))
    assert len(full.events) == 3 + 2 + 3
    store.engine.dispose()


def test_retention_deletes_old_conversations_and_one_on_request(store_url: str) -> None:
    store = MaskingSQLTrackerStore(**url_settings(store_url))
    now = time.time()
    tag = time.time_ns()
    old, recent, asked = f"old-{tag}", f"recent-{tag}", f"asked-{tag}"
    for sender, age_days in [(old, 400), (recent, 10), (asked, 5)]:
        asyncio.run(store.save(conversation(sender, "what are calcifications?", now - age_days * 86400)))
    engine = sa.create_engine(store_url)

    dry = retention.purge(engine, days=365, now=now, dry_run=True)
    assert dry.conversations == [old] and dry.events == 3 and stored_texts(store_url, old)
    removed = retention.purge(engine, days=365, now=now)
    assert removed.conversations == [old] and removed.events == 3
    assert stored_texts(store_url, old) == "" and stored_texts(store_url, recent)

    forgotten = retention.forget(engine, [asked, "nobody-with-this-id"])
    assert forgotten.conversations == [asked] and forgotten.events == 3
    assert stored_texts(store_url, asked) == "" and stored_texts(store_url, recent)
    engine.dispose()
    store.engine.dispose()


def test_the_retention_command_reports_what_it_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = MaskingSQLTrackerStore(**url_settings(url))
    asyncio.run(store.save(conversation("ancient", "hello", time.time() - 800 * 86400)))
    asyncio.run(store.save(conversation("sms-abc", "hello", time.time())))
    monkeypatch.setenv("TRACKER_DB_URL", url)
    monkeypatch.setenv("CONSOLE_DB_URL", f"sqlite:///{tmp_path / 'console.db'}")
    unanswered = tmp_path / "unanswered.jsonl"
    monkeypatch.setenv("UNANSWERED_LOG", str(unanswered))
    kept = UnansweredMessages(["error"], unanswered)
    for sender in ("sms-abc", "someone-else"):
        kept.record("error", sender, "rest", f"a question from {sender}")
    kept.flush()
    with unanswered.open("a") as f:  # one that waited in the file
        f.write(json.dumps({"time": time.time() - 800 * 86400, "sender": "ancient", "text": "old"}) + "\n")

    assert retention_commands.main(["purge"]) == 0  # retention_days from endpoints.yml
    out = capsys.readouterr().out
    assert "Deleted conversations last active before" in out and ": 1 conversation(s), 3 event(s)" in out
    assert "Unanswered messages kept from before then: 1 deleted" in out
    assert "Review console: removed 0 tags, 0 notes, 0 reviews, 0 flagged messages" in out
    assert retention_commands.main(["forget", "sms-abc", "missing"]) == 0
    out = capsys.readouterr().out
    assert "sms-abc: deleted" in out and "missing: not found" in out
    assert "Unanswered messages kept from them: 1 deleted" in out
    assert [e["sender"] for e in kept_unanswered(store.engine, unanswered)] == ["someone-else"]
    with pytest.raises(SystemExit):
        retention_commands.main(["forget", "--channel", "sms"])
    store.engine.dispose()


def test_unanswered_messages_of_every_replica_are_kept_in_one_table_that_forget_reaches(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = sa.create_engine(postgres_url)
    sender = f"sms-{uuid.uuid4().hex}"
    replicas = [UnansweredMessages(["error"], tmp_path / f"replica-{n}.jsonl", engine) for n in (1, 2)]
    for n, replica in enumerate(replicas):
        replica.record("error", sender, "sms", f"question {n} from Bev on 07700 900123")
        replica.flush()
    kept = [e for e in kept_unanswered(engine, tmp_path / "none.jsonl") if e["sender"] == sender]
    assert [e["text"] for e in kept] == [f"question {n} from [name] on [phone]" for n in (0, 1)]
    assert not any(p.exists() and p.read_text() for p in tmp_path.glob("replica-*.jsonl"))
    assert remove_unanswered(lambda e: e.get("sender") == sender, tmp_path / "none.jsonl", engine=engine) == 2
    assert [e for e in kept_unanswered(engine, tmp_path / "none.jsonl") if e["sender"] == sender] == []
    engine.dispose()


def test_unanswered_messages_wait_in_the_file_while_the_database_is_down_then_move(tmp_path: Path) -> None:
    from tests.helpers.private_postgres import PrivatePostgres

    server = PrivatePostgres(5447).create()
    try:
        engine = sa.create_engine(server.url, pool_pre_ping=True)
        waiting = tmp_path / "unanswered.jsonl"
        kept = UnansweredMessages(["error"], waiting, engine)
        server.stop()
        kept.record("error", "sms-down", "sms", "is anyone there?")
        kept.flush()
        assert [json.loads(line)["text"] for line in waiting.read_text().splitlines()] == ["is anyone there?"]
        server.start()
        kept.record("error", "sms-up", "sms", "and now?")
        kept.flush()
        assert [e["text"] for e in kept_unanswered(engine, waiting)] == ["is anyone there?", "and now?"]
        assert waiting.read_text() == ""  # both in the table, nothing twice
        engine.dispose()
    finally:
        server.remove()


# --- through the running bot ---------------------------------------------------------------------


def test_the_bot_answers_normally_and_stores_the_masked_message(chat: Chat, stack: Stack) -> None:
    message = "hi my name is Sarah Jones, 07700 900123, do calcium tablets cause calcifications?"
    assert chat.topic(message) == "calcium_diet"
    with sqlite3.connect(stack.tracker_db) as db:
        rows = [json.loads(r[0]) for r in db.execute("SELECT data FROM events WHERE sender_id = ?", (chat.sender,))]
    users = [r for r in rows if r.get("event") == "user"]
    assert users[0]["text"] == "hi my name is [name], [phone], do calcium tablets cause calcifications?"
    everything = json.dumps(rows) + (stack.log_dir / "rasa.log").read_text(errors="replace")
    assert "Sarah" not in everything and "900123" not in everything


def test_a_forgotten_conversation_leaves_no_trace_in_the_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Debian's SQLite overwrites deleted rows by default (SQLITE_SECURE_DELETE); the project's
    # engines ask for it (core/sqlite_files.py) for the builds that do not.
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = MaskingSQLTrackerStore(**url_settings(url))
    with store.engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    words = "does the zebra quokka marker clip stay in for ever?"
    asyncio.run(store.save(conversation("sms-forget-me", words, time.time())))
    asyncio.run(store.save(conversation("sms-keep-me", "what are calcifications?", time.time())))
    store.engine.dispose()
    monkeypatch.setenv("TRACKER_DB_URL", url)
    monkeypatch.setenv("CONSOLE_DB_URL", f"sqlite:///{tmp_path / 'console.db'}")
    monkeypatch.setenv("UNANSWERED_LOG", str(tmp_path / "unanswered.jsonl"))
    assert b"zebra quokka" in (tmp_path / "tracker.db").read_bytes()
    assert retention_commands.main(["forget", "sms-forget-me"]) == 0
    files = b"".join(p.read_bytes() for p in tmp_path.glob("tracker.db*"))
    assert b"zebra quokka" not in files and b"sms-forget-me" not in files
    assert b"what are calcifications?" in files


def test_a_store_started_while_its_database_was_down_stores_once_it_is_back() -> None:
    from tests.helpers.private_postgres import PrivatePostgres

    server = PrivatePostgres(5446).create()
    try:
        server.stop()
        store = MaskingSQLTrackerStore(**url_settings(server.url))  # a cold start: nothing answers
        server.start()
        sender = f"cold-{time.time_ns()}"
        asyncio.run(store.save(conversation(sender, "what are calcifications?", time.time())))
        back = asyncio.run(store.retrieve(sender))
        assert [e.text for e in back.events if isinstance(e, UserUttered)] == ["what are calcifications?"]
        store.engine.dispose()
    finally:
        server.remove()
