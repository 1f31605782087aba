"""Exports: flagged messages as Rasa NLU training data (YAML that `rasa data validate` accepts),
and conversations as CSV (one row per message) or JSON (one object per conversation)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List

from core.rasa_events import BotMessage, Item, PatientMessage, SessionStart

CSV_COLUMNS = ["conversation_id", "time", "speaker", "text", "intent", "confidence", "topic", "sources"]
# "[words](entity)" and "[words]{...}" are entity annotations in Rasa's training data
ANNOTATION = re.compile(r"\]\s*[({]")


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds")


def training_example(text: str) -> str:
    """A message as one line of training data: one line, no accidental entity annotation."""
    line = " ".join(text.split())
    if ANNOTATION.search(line):
        line = line.replace("[", "(").replace("]", ")")
    return line


def nlu_yaml(flags: Iterable[Dict[str, Any]]) -> str:
    """Flagged messages grouped by the intent they should have had."""
    by_intent: Dict[str, List[str]] = {}
    for flag in flags:
        example = training_example(flag["text"])
        if example and example not in by_intent.setdefault(flag["correct_intent"], []):
            by_intent[flag["correct_intent"]].append(example)
    lines = [
        "# Patient messages flagged in the review console, with the intent they should have had.",
        "# Review them, then add them to data/nlu.yml and retrain.",
        'version: "3.1"',
        "nlu:" if by_intent else "nlu: []",
    ]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in by_intent[intent])
    return "\n".join(lines) + "\n"


def message_record(conversation_id: str, item: Item) -> Dict[str, Any]:
    if isinstance(item, PatientMessage):
        return {
            "conversation_id": conversation_id,
            "time": iso(item.at),
            "speaker": "patient",
            "text": item.pressed and f"[button] {item.pressed}" or item.text,
            "intent": item.intent,
            "confidence": item.confidence,
            "entities": item.entities,
        }
    if isinstance(item, BotMessage):
        return {
            "conversation_id": conversation_id,
            "time": iso(item.at),
            "speaker": "bot",
            "text": item.text,
            "topic": item.topic,
            "sources": [s["citation"] for s in item.sources],
            "feedback": item.feedback,
        }
    return {"conversation_id": conversation_id, "time": iso(item.at), "speaker": "session", "text": "new session"}


def conversations_csv(transcripts: Dict[str, List[Item]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for cid, items in transcripts.items():
        for item in items:
            if isinstance(item, SessionStart):
                continue
            record = message_record(cid, item)
            record["sources"] = "; ".join(record.get("sources") or [])
            # Every cell: a sender id or a topic can carry a formula as well as the text.
            writer.writerow({k: defuse_formula(v) if isinstance(v, str) else v for k, v in record.items()})
    return out.getvalue()


def defuse_formula(text: str) -> str:
    """A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def conversations_json(summaries: List[Dict[str, Any]], transcripts: Dict[str, List[Item]]) -> str:
    records = []
    for summary in summaries:
        cid = summary["id"]
        records.append(
            {
                "id": cid,
                "channel": summary["channel"],
                "started": iso(summary["started_at"]),
                "last_activity": iso(summary["last_at"]),
                "handed_off": bool(summary["handed_off"]),
                "urgent": bool(summary["urgent"]),
                "fallback": bool(summary["fallback"]),
                "lowest_confidence": summary["min_confidence"],
                "negative_feedback": summary["negative_feedback"],
                "messages": [
                    {k: v for k, v in message_record(cid, item).items() if k != "conversation_id"}
                    for item in transcripts.get(cid, [])
                    if not isinstance(item, SessionStart)
                ],
            }
        )
    return json.dumps({"exported_at": iso(datetime.now(timezone.utc).timestamp()), "conversations": records}, indent=1)
