"""Runs a question file through the bot over HTTP, the way a patient's message travels (REST
channel -> Rasa server -> action server), and judges every reply to the judged message by the
topics recorded on them (eval-format version 2, shared/eval-format.md).

    python -m evaluation.evaluate QUESTIONS.yml [--rasa-url http://localhost:5005]

Starts the action server and Rasa server when nothing answers at --rasa-url (and stops what it
started). Prints one line per item, then one JSON summary line. Exit status: 0 when the run
completed, 2 for a malformed file, 3 when the bot cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

import requests
import yaml

from core.conventions import EVALUATION_SENDER_PREFIX
from core.topics import HANDOFF_TOPICS, HELPLINE_TOPIC, URGENT_TOPIC, top_topic
from stack.processes import PROJECT_ROOT, Stack, is_up

KINDS = ("in_scope", "escalate", "out_of_scope")


class MalformedFile(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    text: str
    accept: Tuple[str, ...]
    kind: str
    context: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    item: Item
    topics: Tuple[str, ...]  # of every reply to the judged message, in order
    verdict: str  # right | wrong_answer | miss
    ms: float

    @property
    def handed_off(self) -> bool:
        return any(top_topic(t) in HANDOFF_TOPICS for t in self.topics if t)

    @property
    def urgent(self) -> bool:
        return any(top_topic(t) == URGENT_TOPIC for t in self.topics if t)


def load_items(path: Path) -> List[Item]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise MalformedFile(f"{path}: cannot read: {e}") from e
    if not isinstance(data, list) or not data:
        raise MalformedFile(f"{path}: expected a non-empty YAML list of items")
    items = []
    for n, raw in enumerate(data, start=1):
        where = f"{path}: item {n}"
        if not isinstance(raw, dict):
            raise MalformedFile(f"{where}: not a mapping")
        text, accept, kind = raw.get("text"), raw.get("accept"), raw.get("kind")
        context = raw.get("context") or []
        if not isinstance(text, str) or not text.strip():
            raise MalformedFile(f"{where}: `text` must be a non-empty string")
        if not isinstance(accept, list) or not accept or not all(isinstance(a, str) and a for a in accept):
            raise MalformedFile(f"{where} ({text[:40]!r}): `accept` must be a non-empty list of topic ids")
        if kind not in KINDS:
            raise MalformedFile(f"{where} ({text[:40]!r}): `kind` must be one of {', '.join(KINDS)}")
        if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
            raise MalformedFile(f"{where} ({text[:40]!r}): `context` must be a list of strings")
        items.append(Item(text=text, accept=tuple(accept), kind=kind, context=tuple(context)))
    return items


@lru_cache(maxsize=1)
def answer_topics() -> FrozenSet[str]:
    """The knowledge-base answer topics of the topics contract, except the helpline (a hand-off)."""
    topics = yaml.safe_load((PROJECT_ROOT / "knowledge" / "topics.yml").read_text(encoding="utf-8"))
    return frozenset(topics["answer_topics"]) - set(HANDOFF_TOPICS)


def judge(item: Item, topics: Sequence[Optional[str]]) -> str:
    """right | wrong_answer | miss, from the topics of all the replies (eval-format version 2)."""
    roots = [top_topic(t) for t in topics if t]
    answers = {r for r in roots if r in answer_topics()}
    handoffs = [r for r in roots if r in HANDOFF_TOPICS]
    accept = set(item.accept)
    if item.kind == "in_scope":
        if answers:
            return "right" if answers <= accept else "wrong_answer"
        return "right" if HELPLINE_TOPIC in accept and handoffs else "miss"
    if item.kind == "escalate":
        if item.accept[0] == URGENT_TOPIC:
            return "right" if URGENT_TOPIC in handoffs else "miss"
        return "right" if accept & set(handoffs) else "miss"
    return "miss" if answers else "right"


class Client:
    def __init__(self, rasa_url: str, timeout: float = 60) -> None:
        self.url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.session = requests.Session()
        self.timeout = timeout

    def send(self, sender: str, text: str) -> Tuple[List[Dict[str, Any]], float]:
        started = time.perf_counter()
        r = self.session.post(self.url, json={"sender": sender, "message": text}, timeout=self.timeout)
        ms = (time.perf_counter() - started) * 1000
        r.raise_for_status()
        return r.json(), ms


def reply_topics(replies: List[Dict[str, Any]]) -> Tuple[str, ...]:
    topics = ((reply.get("metadata") or {}).get("topic") for reply in replies)
    return tuple(str(t) for t in topics if t)


def ask(client: Client, item: Item) -> Result:
    sender = f"{EVALUATION_SENDER_PREFIX}{uuid.uuid4().hex}"
    for turn in item.context:
        client.send(sender, turn)
    replies, ms = client.send(sender, item.text)
    topics = reply_topics(replies)
    return Result(item=item, topics=topics, verdict=judge(item, topics), ms=ms)


def percentile(values: List[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) + 1)) - 1))
    return ordered[k]


def fraction(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def summarise(results: List[Result]) -> Dict[str, Any]:
    def share(kind: str, verdict: str) -> float:
        of_kind = [r for r in results if r.item.kind == kind]
        return fraction(sum(r.verdict == verdict for r in of_kind), len(of_kind))

    urgent = [r for r in results if r.item.kind == "escalate" and r.item.accept[0] == URGENT_TOPIC]
    in_scope = [r for r in results if r.item.kind == "in_scope"]
    ms = [r.ms for r in results]
    return {
        "n": len(results),
        "in_scope_n": sum(r.item.kind == "in_scope" for r in results),
        "in_scope_correct": share("in_scope", "right"),
        "in_scope_wrong_answer": share("in_scope", "wrong_answer"),
        "escalate_n": sum(r.item.kind == "escalate" for r in results),
        "escalate_correct": share("escalate", "right"),
        "urgent_n": len(urgent),
        "urgent_correct": fraction(sum(r.urgent for r in urgent), len(urgent)),
        "out_of_scope_n": sum(r.item.kind == "out_of_scope" for r in results),
        "out_of_scope_correct": share("out_of_scope", "right"),
        "in_scope_handoff": fraction(sum(r.handed_off for r in in_scope), len(in_scope)),
        "overall_correct": fraction(sum(r.verdict == "right" for r in results), len(results)),
        "p50_ms": round(statistics.median(ms), 1) if ms else 0.0,
        "p95_ms": round(percentile(ms, 95), 1),
    }


def format_line(r: Result) -> str:
    mark = {"right": "ok   ", "wrong_answer": "WRONG", "miss": "miss "}[r.verdict]
    text = r.item.text[:70]
    topics = ",".join(dict.fromkeys(r.topics)) or "None"
    return f"{mark} {r.item.kind:<12} {topics:<32} {r.ms:7.1f} ms  {text!r}  accept={list(r.item.accept)}"


def run(items: List[Item], rasa_url: str, out=sys.stdout) -> Dict[str, Any]:
    client = Client(rasa_url)
    results = []
    for item in items:
        result = ask(client, item)
        results.append(result)
        print(format_line(result), file=out, flush=True)
    summary = summarise(results)
    print(json.dumps(summary), file=out, flush=True)
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--rasa-url", default="http://localhost:5005")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.questions)
    except MalformedFile as e:
        print(f"Malformed question file: {e}", file=sys.stderr)
        return 2

    started: Optional[Stack] = None
    if not is_up(args.rasa_url.rstrip("/") + "/"):
        url = urlparse(args.rasa_url)
        if url.hostname not in ("localhost", "127.0.0.1"):
            print(f"The bot cannot be reached at {args.rasa_url}.", file=sys.stderr)
            return 3
        print(f"Nothing answers at {args.rasa_url}: starting the action server and Rasa server...", file=sys.stderr)
        started = Stack(
            rasa_port=url.port or 5005,
            actions_port=(url.port or 5005) + 50,
            log_dir=PROJECT_ROOT / "var" / "log" / "evaluate",
        )
        try:
            started.start()
        except RuntimeError as e:
            print(f"The bot cannot be started: {e}", file=sys.stderr)
            return 3
    try:
        run(items, args.rasa_url)
    except requests.RequestException as e:
        print(f"The bot cannot be reached at {args.rasa_url}: {e}", file=sys.stderr)
        return 3
    finally:
        if started:
            started.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
