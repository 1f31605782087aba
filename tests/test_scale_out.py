"""The production topology on this machine (stack/replicas.py, deploy/endpoints.yml): two Rasa
servers and two action servers behind nginx, conversations in PostgreSQL (the server at 5432), locks
and the channels' shared state in Redis (6379), events published to RabbitMQ (5672)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List

import aio_pika
import pytest
import requests

from stack.processes import DEFAULT_MODEL, Stack, new_token
from stack.replicas import ReplicatedStack, SharedServices
from tests.helpers.databases import temporary_postgres_database
from tests.helpers.fake_platform import FakePlatform
from tests.helpers.platform_webhooks import Webhooks, channel_env, conversation_id, next_id
from tests.helpers.rabbitmq import RABBITMQ_URL, delete_queue

pytestmark = pytest.mark.integration  # processes of its own

# Telegram on, replying to the fake platform (no webhook registration: the main stack's test does it)
TELEGRAM_SETTINGS = (
    "CHANNEL_ID_SECRET",
    "MESSAGING_API_TIMEOUT_SECONDS",
    "TELEGRAM_ACCESS_TOKEN",
    "TELEGRAM_SECRET_TOKEN",
    "TELEGRAM_API_URL",
)
QUESTIONS = [
    "are calcifications cancer?",
    "will the clip set off airport alarms",
    "do calcium tablets cause this",
    "what happens at a core biopsy",
    "what is a vacuum biopsy",
    "is it common to have these",
    "will it hurt",
    "what happens after the results",
]


@pytest.fixture(scope="module")
def replicated(run_dir: Path, knowledge_db_url: str, fake_platform: FakePlatform) -> Iterator[ReplicatedStack]:
    queue = f"calcifications-test-{uuid.uuid4().hex[:8]}"
    with temporary_postgres_database("scale") as tracker_url:
        base = Stack(
            model=DEFAULT_MODEL,
            log_dir=run_dir / "scale-out",
            env={
                "KNOWLEDGE_DB_URL": knowledge_db_url,
                "WIDGET_SECRET": "scale-out-test-widget-secret-0123456789abcdefghijkl",
                "UNANSWERED_LOG": str(run_dir / "scale-out" / "unanswered.jsonl"),
                **{k: v for k, v in channel_env("", fake_platform.url).items() if k in TELEGRAM_SETTINGS},
            },
            api_token=new_token(),
        )
        stack = ReplicatedStack(base, SharedServices(tracker_url, rabbitmq_queue=queue)).start()
        try:
            yield stack
        finally:
            stack.stop()
            delete_queue(queue)


def broker_events(queue: str, sender: str, seconds: float = 20) -> List[Dict[str, Any]]:
    """The events of one conversation read from the queue, until the bot's reply is among them."""

    async def read() -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            source = await channel.get_queue(queue, ensure=True)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not any(e.get("event") == "bot" for e in found):
                message = await source.get(no_ack=True, fail=False)
                if message is None:
                    await asyncio.sleep(0.2)
                    continue
                event = json.loads(message.body)
                if event.get("sender_id") == sender:
                    found.append(event)
        return found

    return asyncio.run(read())


def say(url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    r = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def topic(replies: List[Dict[str, Any]]) -> str:
    return (replies[-1].get("metadata") or {}).get("topic", "")


def tracker_events(stack: ReplicatedStack, sender: str, replica: int = 0) -> List[Dict[str, Any]]:
    r = requests.get(
        f"{stack.replica_url(replica)}/conversations/{sender}/tracker",
        params={"token": stack.stack.api_token},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()["events"]


def settled_events(stack: ReplicatedStack, sender: str, messages: int, seconds: float = 60) -> List[Dict[str, Any]]:
    """The conversation's events once `messages` user messages are answered (a message told it
    could not be answered in time is still being processed in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        events = tracker_events(stack, sender)
        answered = [e for e in events if e["event"] == "user"]
        if len(answered) >= messages and events[-1]["event"] != "user" or time.monotonic() > deadline:
            return events
        time.sleep(0.5)


def user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def test_turns_on_alternating_replicas_keep_their_context(replicated: ReplicatedStack) -> None:
    sender = f"alternate-{uuid.uuid4().hex}"
    first = topic(say(replicated.replica_url(0), sender, "what is a vacuum assisted biopsy?"))
    assert first.startswith("vacuum_biopsy"), first
    # "tell me more" means the subject of the turn before, which the other replica handled
    more = topic(say(replicated.replica_url(1), sender, "tell me more"))
    assert more.startswith("vacuum_biopsy"), more
    say(replicated.replica_url(0), sender, "thanks")
    for replica in (0, 1):
        assert user_texts(tracker_events(replicated, sender, replica)) == [
            "what is a vacuum assisted biopsy?",
            "tell me more",
            "thanks",
        ]


def test_concurrent_messages_in_one_conversation_are_each_kept_once(replicated: ReplicatedStack) -> None:
    sender = f"concurrent-{uuid.uuid4().hex}"
    texts = [f"{q} ({i})" for i, q in enumerate(QUESTIONS * 2)]
    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        replies = list(pool.map(lambda t: say(replicated.url, sender, t), texts))
    assert all(r and r[-1].get("text") for r in replies)  # (a message that waited past the
    # reply deadline for its turn was told so; its answer is stored and shown in the history)
    events = settled_events(replicated, sender, len(texts))
    assert sorted(user_texts(events)) == sorted(texts)
    # one turn at a time (the Redis lock): each message is answered before the next is read
    kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
    turns = "".join("u" if k == "user" else "b" for k in kinds)
    assert "uu" not in turns and turns.startswith("u"), turns


def test_events_arrive_on_the_broker_masked(replicated: ReplicatedStack) -> None:
    sender = f"broker-{uuid.uuid4().hex}"
    say(replicated.url, sender, "my email is pat.smith@example.com, are calcifications cancer?")
    received = broker_events(replicated.services.rabbitmq_queue, sender)
    user = [e for e in received if e["event"] == "user"]
    assert user and "pat.smith@example.com" not in user[0]["text"] and "are calcifications cancer?" in user[0]["text"]
    assert any(e["event"] == "bot" and e.get("text") for e in received)


def test_replicas_share_the_widget_replies_and_rate_limit(replicated: ReplicatedStack) -> None:
    http = requests.Session()
    token = http.post(f"{replicated.url}/webhooks/widget/session", json={}, timeout=30).json()["session"]
    headers = {"Authorization": f"Bearer {token}"}

    def send(replica: int, text: str, client_id: str) -> requests.Response:
        return http.post(
            f"{replicated.replica_url(replica)}/webhooks/widget/message",
            json={"message": text, "id": client_id},
            headers=headers,
            timeout=60,
        )

    first = send(0, "are calcifications cancer?", "m-1")
    again = send(1, "are calcifications cancer?", "m-1")  # the browser re-sends after a lost response
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    limit = 20  # credentials.yml: messages_per_minute
    statuses = [send(i % 2, "thanks", f"m-{i + 2}").status_code for i in range(limit)]
    assert statuses == [200] * (limit - 1) + [429], statuses
    conversation = replicated.stack  # the tracker is readable through any replica
    r = requests.get(
        f"{replicated.replica_url(1)}/conversations/{_conversation_id(token)}/tracker",
        params={"token": conversation.api_token},
        timeout=30,
    )
    assert user_texts(r.json()["events"]).count("are calcifications cancer?") == 1


def _conversation_id(token: str) -> str:
    return token.split(".")[1]


def test_a_platform_delivering_a_message_again_to_another_replica_is_answered_once(
    replicated: ReplicatedStack, fake_platform: FakePlatform
) -> None:
    chat_id = next_id()
    update = Webhooks.telegram_message(chat_id, "are calcifications cancer?")
    for replica in (0, 1):
        assert Webhooks(replicated.replica_url(replica)).telegram(update).status_code == 200
    first = fake_platform.replies_to(str(chat_id), "sendMessage", settle=3)
    assert first and all(c.text for c in first)
    tracker = tracker_events(replicated, conversation_id("telegram", str(chat_id)))
    assert user_texts(tracker) == ["are calcifications cancer?"]


def test_stopping_a_replica_under_load_loses_no_conversation(replicated: ReplicatedStack) -> None:
    senders = [f"load-{i}-{uuid.uuid4().hex[:8]}" for i in range(8)]
    sent: Dict[str, List[str]] = {s: [] for s in senders}
    failures: List[str] = []
    halfway = threading.Event()

    def converse(sender: str) -> None:
        for n in range(14):
            text = f"{QUESTIONS[n % len(QUESTIONS)]} #{n}"
            try:
                replies = say(replicated.url, sender, text)
                if topic(replies) == "unavailable":
                    failures.append(f"{sender} #{n}: unavailable")
            except (AssertionError, requests.RequestException) as e:
                failures.append(f"{sender} #{n}: {e}")
            sent[sender].append(text)
            if n == 4:
                halfway.set()

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        futures = [pool.submit(converse, s) for s in senders]
        halfway.wait(timeout=120)
        replicated.stack.stop_process(replicated.rasa_name(1))  # SIGTERM, as an orchestrator does
        for f in futures:
            f.result()
    assert not failures, failures
    for sender in senders:
        assert user_texts(tracker_events(replicated, sender)) == sent[sender]
