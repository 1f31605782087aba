"""Generates conversations into a Rasa tracker store's `events` table, shaped like the bot's own
(session start, patient messages with intent and confidence, bot messages with topic, sources,
hand-offs, fallbacks and feedback), for the review console's benchmark:

  python -m bench.synthetic_conversations --url sqlite:///build/bench/tracker.db --conversations 100000
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any, Dict, Iterator, List, Optional, Sequence

import sqlalchemy as sa

CHANNELS = ["widget", "widget", "widget", "rest", "telegram", "sms", "whatsapp", "messenger", "slack"]
TURNS = [
    ("what are breast calcifications", "ask_definition", "definition"),
    ("do calcium tablets cause this", "ask_calcium_diet", "calcium_diet"),
    ("will the clip set off the airport scanner", "ask_marker_clip", "marker_clip"),
    ("is it cancer?? im so scared", "ask_cancer_link", "cancer_link"),
    ("what happens at a core biopsy", "ask_core_biopsy", "core_biopsy"),
    ("how long do results take", "ask_results_next", "results_next"),
    ("my gp says i need a vacuum biopsy what is that", "ask_vacuum_biopsy", "vacuum_biopsy"),
    ("can i talk to a real person", "ask_helpline", "helpline.personal"),
    ("I'm bleeding heavily from the wound and have a fever", "urgent_physical", "urgent.physical"),
    ("blorp the flibber", "nlu_fallback", "fallback"),
    ("whats the weather", "out_of_scope", "out_of_scope"),
]
SOURCE = {
    "doc": "004",
    "title": "Breast calcifications",
    "citation": "Breast calcifications leaflet",
    "kind": "leaflet",
}


def events_table(metadata: sa.MetaData) -> sa.Table:
    """Rasa 3.6's `events` table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent)."""
    return sa.Table(
        "events",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )


def _row(sender: str, kind: str, at: float, data: Dict[str, Any], intent: str = "", action: str = "") -> Dict[str, Any]:
    return {
        "sender_id": sender,
        "type_name": kind,
        "timestamp": at,
        "intent_name": intent or None,
        "action_name": action or None,
        "data": json.dumps({"event": kind, "timestamp": at, **data}),
    }


def conversation(sender: str, start: float, rng: random.Random) -> List[Dict[str, Any]]:
    channel = rng.choice(CHANNELS)
    at = start
    rows = [
        _row(sender, "action", at, {"name": "action_session_start"}, action="action_session_start"),
        _row(sender, "session_started", at, {}),
        _row(sender, "action", at, {"name": "action_listen"}, action="action_listen"),
    ]
    for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 4])):
        text, intent, topic = rng.choice(TURNS)
        at += rng.uniform(5, 90)
        confidence = round(rng.uniform(0.3, 0.5) if intent == "nlu_fallback" else rng.uniform(0.45, 1.0), 4)
        parse = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
        rows.append(_row(sender, "user", at, {"text": text, "parse_data": parse, "input_channel": channel}, intent))
        rows.append(_row(sender, "action", at + 0.2, {"name": "action_answer"}, action="action_answer"))
        metadata = {"topic": topic, "sources": [SOURCE] if "." not in topic else [], "answer": "..."}
        rows.append(_row(sender, "bot", at + 0.3, {"text": f"An answer about {topic}.", "metadata": metadata}))
        if rng.random() < 0.15:
            helpful = rng.random() < 0.7
            fb = {"topic": "feedback", "feedback": {"entry_id": topic, "helpful": helpful}}
            rows.append(_row(sender, "bot", at + 20, {"text": "Thank you for telling us.", "metadata": fb}))
        rows.append(_row(sender, "action", at + 0.4, {"name": "action_listen"}, action="action_listen"))
    return rows


def generate(rng: random.Random, conversations: int, days: int, now: float) -> Iterator[List[Dict[str, Any]]]:
    """Batches of event rows, conversations spread over the last `days` days."""
    batch: List[Dict[str, Any]] = []
    for n in range(conversations):
        start = now - rng.uniform(0, days * 86400)
        batch.extend(conversation(f"bench-{n:07d}", start, rng))
        if len(batch) >= 20000:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(url: str, conversations: int, days: int = 90, seed: int = 7, now: Optional[float] = None) -> int:
    """Adds the conversations to the events table at `url` (created if missing); returns the events added."""
    engine = sa.create_engine(url, future=True)
    metadata = sa.MetaData()
    table = events_table(metadata)
    metadata.create_all(engine)
    rng = random.Random(seed)
    added = 0
    for batch in generate(rng, conversations, days, now or time.time()):
        with engine.begin() as db:
            db.execute(table.insert(), batch)
        added += len(batch)
    engine.dispose()
    return added


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    started = time.monotonic()
    added = fill(args.url, args.conversations, args.days)
    print(f"{args.conversations} conversations, {added} events in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
