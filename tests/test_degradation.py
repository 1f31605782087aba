"""When a part fails, patients still get an answer within 2 seconds that says the bot cannot answer
right now and gives the helpline; the failure is logged and counted; answers resume by themselves
when the part is back. Each test really stops (or freezes, or breaks) the process or database and
starts it again: a stack of its own, with its conversations and its knowledge base each in a
PostgreSQL server of the tests' own."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests
import sqlalchemy as sa

from conversation_store.unanswered import kept_unanswered
from core.knowledge.build import load
from core.knowledge.messages import load_messages
from core.knowledge.source_files import read_knowledge
from stack.processes import DEFAULT_MODEL, Stack, new_token
from tests.helpers.private_postgres import PrivatePostgres

pytestmark = pytest.mark.integration  # processes of its own

RASA_PORT = int(os.environ.get("TEST_DEGRADED_RASA_PORT", 5115))
ACTIONS_PORT = int(os.environ.get("TEST_DEGRADED_ACTIONS_PORT", 5165))
QUESTION = "will the clip set off airport alarms?"
REPLY_WITHIN_SECONDS = 2.0


@pytest.fixture(scope="module")
def tracker_db() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(5441).create()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def knowledge_db() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(5442).create()
    load(read_knowledge(), server.url)
    yield server
    server.remove()


@pytest.fixture(scope="module")
def fragile(run_dir: Path, tracker_db: PrivatePostgres, knowledge_db: PrivatePostgres) -> Iterator[Stack]:
    stack = Stack(
        rasa_port=RASA_PORT,
        actions_port=ACTIONS_PORT,
        model=DEFAULT_MODEL,
        log_dir=run_dir / "degradation",
        api_token=new_token(),
        env={
            "TRACKER_DB_URL": tracker_db.url,
            "KNOWLEDGE_DB_URL": knowledge_db.url,
            "UNANSWERED_LOG": str(run_dir / "degradation" / "unanswered.jsonl"),
        },
    ).start()
    yield stack
    stack.stop()


def ask(stack: Stack, sender: str, text: str = QUESTION) -> Tuple[List[Dict[str, Any]], float]:
    started = time.monotonic()
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json(), time.monotonic() - started


def unanswered_counts(stack: Stack) -> Dict[str, int]:
    url = f"{stack.rasa_url}/webhooks/rest/unanswered"
    assert requests.get(url, timeout=10).status_code == 401
    assert "unanswered" not in requests.get(f"{stack.rasa_url}/webhooks/rest/", timeout=10).json()
    r = requests.get(url, headers={"Authorization": f"Bearer {stack.api_token}"}, timeout=10)
    return r.json()["unanswered"]


def unanswered_kept(stack: Stack, sender: str, where: str = "anywhere", seconds: float = 10) -> List[Dict[str, Any]]:
    """The unanswered messages kept from `sender` (written by a thread of the Rasa server's own:
    waited for) in the tracker database's table, in the file, or anywhere."""
    path = Path(stack.env["UNANSWERED_LOG"])
    deadline = time.monotonic() + seconds
    while True:
        in_file = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        engine = sa.create_engine(stack.env["TRACKER_DB_URL"])
        try:
            in_table = [e for e in kept_unanswered(engine, Path(os.devnull))]
        except sa.exc.OperationalError:
            in_table = []  # the database is down
        finally:
            engine.dispose()
        found = {"file": in_file, "table": in_table, "anywhere": in_file + in_table}[where]
        kept = [e for e in found if e["sender"] == sender]
        if kept or time.monotonic() > deadline:
            return kept
        time.sleep(0.2)


def assert_told_to_call_the_helpline(stack: Stack, sender: str, reason: str) -> None:
    before = unanswered_counts(stack)[reason]
    replies, seconds = ask(stack, sender)
    assert seconds < REPLY_WITHIN_SECONDS, f"answered after {seconds:.2f}s"
    assert [r["metadata"]["topic"] for r in replies] == ["unavailable"]
    assert load_messages().helpline.number in replies[0]["text"]
    assert unanswered_counts(stack)[reason] == before + 1
    kept = unanswered_kept(stack, sender)
    assert kept and kept[-1]["text"] == QUESTION and kept[-1]["reason"] == reason
    assert all(p.poll() is None for p in stack.processes.values()), "a process crashed"


def assert_answers_resume(stack: Stack, sender: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        replies, _ = ask(stack, sender)
        topic = replies[-1]["metadata"]["topic"]
        if topic.startswith("marker_clip") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert topic.startswith("marker_clip"), topic


def test_action_server_down(fragile: Stack) -> None:
    sender = f"down-{uuid.uuid4().hex}"
    fragile.stop_process("actions", signal.SIGKILL)
    try:
        assert_told_to_call_the_helpline(fragile, sender, "no_reply")
    finally:
        fragile.start_actions()
    assert_answers_resume(fragile, sender)


def test_action_server_too_slow(fragile: Stack) -> None:
    sender = f"slow-{uuid.uuid4().hex}"
    os.killpg(fragile.processes["actions"].pid, signal.SIGSTOP)  # frozen: connections open, no answer
    try:
        assert_told_to_call_the_helpline(fragile, sender, "no_reply")
    finally:
        os.killpg(fragile.processes["actions"].pid, signal.SIGCONT)
    assert_answers_resume(fragile, sender)


class _Failing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"Internal Server Error")

    def log_message(self, *_: Any) -> None:
        pass


def test_action_server_erroring(fragile: Stack) -> None:
    sender = f"erroring-{uuid.uuid4().hex}"
    fragile.stop_process("actions")
    broken = ThreadingHTTPServer(("127.0.0.1", fragile.actions_port), _Failing)
    threading.Thread(target=broken.serve_forever, daemon=True).start()
    try:
        assert_told_to_call_the_helpline(fragile, sender, "no_reply")
    finally:
        broken.shutdown()
        broken.server_close()
        fragile.start_actions()
    assert_answers_resume(fragile, sender)


def test_tracker_database_down(fragile: Stack, tracker_db: PrivatePostgres) -> None:
    sender = f"tracker-down-{uuid.uuid4().hex}"
    ask(fragile, sender, "hello")
    tracker_db.stop()
    try:
        assert_told_to_call_the_helpline(fragile, sender, "error")
        assert unanswered_kept(fragile, sender, "file")  # it waits in the file
    finally:
        tracker_db.start()
    assert_answers_resume(fragile, sender)
    # and moves into the table every replica shares once the database is back
    assert unanswered_kept(fragile, sender, "table", seconds=40)
    assert unanswered_kept(fragile, sender, "file", seconds=0) == []


def test_knowledge_database_down(fragile: Stack, knowledge_db: PrivatePostgres) -> None:
    sender = f"kb-down-{uuid.uuid4().hex}"
    knowledge_db.stop()
    try:
        replies, seconds = ask(fragile, sender)
        assert seconds < REPLY_WITHIN_SECONDS
        assert [r["metadata"]["topic"] for r in replies] == ["unavailable"]
        assert load_messages().helpline.number in replies[0]["text"]
    finally:
        knowledge_db.start()
    assert_answers_resume(fragile, sender)
    assert "knowledge database unavailable" in (fragile.log_dir / "actions.log").read_text()
