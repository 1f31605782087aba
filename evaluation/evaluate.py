"""Runs a question file through the bot over HTTP, the way a patient's message travels (REST
channel -> Rasa server -> action server), and scores the topic recorded with each last reply.

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
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlparse

import requests
import yaml

from stack.processes import PROJECT_ROOT, Stack, is_up

KINDS = ("in_scope", "escalate", "out_of_scope")
NOT_ANSWERS = {"out_of_scope", "fallback", "helpline", "urgent"}


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
    topic: Optional[str]
    verdict: str  # right | wrong_answer | miss
    ms: float


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


def root(topic: Optional[str]) -> Optional[str]:
    return topic.split(".")[0] if topic else None


def judge(item: Item, topic: Optional[str]) -> str:
    if topic in item.accept or root(topic) in item.accept:
        return "right"
    if item.kind == "in_scope" and topic and root(topic) not in NOT_ANSWERS:
        return "wrong_answer"
    return "miss"


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


def last_topic(replies: List[Dict[str, Any]]) -> Optional[str]:
    for reply in reversed(replies):
        topic = (reply.get("metadata") or {}).get("topic")
        if topic:
            return str(topic)
    return None


def ask(client: Client, item: Item) -> Result:
    sender = f"eval-{uuid.uuid4().hex}"
    for turn in item.context:
        client.send(sender, turn)
    replies, ms = client.send(sender, item.text)
    topic = last_topic(replies)
    return Result(item=item, topic=topic, verdict=judge(item, topic), ms=ms)


def percentile(values: List[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) + 1)) - 1))
    return ordered[k]


def summarise(results: List[Result]) -> Dict[str, Any]:
    def share(kind: str, verdict: str) -> float:
        of_kind = [r for r in results if r.item.kind == kind]
        return round(sum(r.verdict == verdict for r in of_kind) / len(of_kind), 4) if of_kind else 0.0

    ms = [r.ms for r in results]
    return {
        "n": len(results),
        "in_scope_n": sum(r.item.kind == "in_scope" for r in results),
        "in_scope_correct": share("in_scope", "right"),
        "in_scope_wrong_answer": share("in_scope", "wrong_answer"),
        "escalate_n": sum(r.item.kind == "escalate" for r in results),
        "escalate_correct": share("escalate", "right"),
        "out_of_scope_n": sum(r.item.kind == "out_of_scope" for r in results),
        "out_of_scope_correct": share("out_of_scope", "right"),
        "overall_correct": round(sum(r.verdict == "right" for r in results) / len(results), 4) if results else 0.0,
        "p50_ms": round(statistics.median(ms), 1) if ms else 0.0,
        "p95_ms": round(percentile(ms, 95), 1),
    }


def format_line(r: Result) -> str:
    mark = {"right": "ok   ", "wrong_answer": "WRONG", "miss": "miss "}[r.verdict]
    text = r.item.text[:70]
    return f"{mark} {r.item.kind:<12} {str(r.topic):<32} {r.ms:7.1f} ms  {text!r}  accept={list(r.item.accept)}"


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
