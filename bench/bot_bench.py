"""Benchmark of the bot as patients reach it: the project's bot (action server, Rasa server, SQLite
tracker store) side by side with a stock `rasa init` bot (Rasa server alone, trackers in memory),
both over the REST channel, each on its own (never both at once). For each bot: training time,
start-up time, sequential latency per message (p50, p95), throughput with 8 and 32 concurrent
conversations, and the resident memory of each server process after the load. Then one line per
target of the project's bot (PASS or FAIL).

Run from the project root (`make bench` does this):

  .venv/bin/python -m bench.bot_bench                                   # the whole run, both trainings
  .venv/bin/python -m bench.bot_bench --skip-training --messages 50 --duration 5   # a quick look
  .venv/bin/python -m bench.bot_bench --json build/bench/bot.json      # the figures as JSON too
  .venv/bin/python -m bench.bot_bench --soak-minutes 30                 # soak: the project's bot only

Training: the project's bot with `rasa train` (its config, domain and data) into a temporary
directory, with an empty training cache; the stock bot with `rasa init --no-prompt`, which trains
its model (that time is reported). `--skip-training` uses models/calcifications.tar.gz (or
`--model`) and the stock bot kept in build/bench/stock-bot by the last run that trained it.

Messages are a built-in list of patients' questions in lay words, cycled; a conversation (sender)
lasts 10 messages, so that trackers stay small. An error is a request that fails or answers
anything but 200, or a reply whose metadata topic is "unavailable" (the project's channel says so
when the bot produced nothing). "Ready" is the time from starting the Rasa server's process to its
first answered REST message (the server answers GET / only once its model is loaded).

Soak (`--soak-minutes N`): the project's stack alone under a steady load (8 conversations, 20
messages/s in all by default) after a warm-up; checks at the end that no message failed, that the
tracker store holds exactly one user event per message sent, and how much the servers' memory grew.

Ports: 5405 (Rasa) and 5455 (actions) for the project's bot, 5505 for the stock bot. Every process
started here is stopped at the end and the temporary directory removed. Exit status: 0 when the
benchmark ran (its targets are goals, reported, not assertions); for a soak, 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import operator
import os
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import aiohttp

from core.knowledge.database import database_url
from stack.processes import BIN, DEFAULT_MODEL, PATCHED_RASA, PROJECT_ROOT, Stack, is_up, tail, wait_until_up

PROJECT_PORTS = {"rasa": 5405, "actions": 5455}
STOCK_PORT = 5505
STOCK_CACHE = PROJECT_ROOT / "build" / "bench" / "stock-bot"
MESSAGES_PER_CONVERSATION = 10
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
FIRST_REPLY_WITHIN_S = 120.0
PROGRESS_EVERY_S = 60.0

# What patients ask, in their own words (written for this benchmark, not taken from any test set).
MESSAGES = (
    "hi there",
    "are calcifications cancer?",
    "will the clip set off airport alarms",
    "do calcium tablets cause this",
    "what happens at a biopsy",
    "thanks, that helps",
    "my mammogram letter says I have calcifications, what does that mean?",
    "does the biopsy hurt?",
    "how long until I get my results",
    "can I drive home after the biopsy",
    "is the marker clip made of metal",
    "will I need an MRI scan",
    "what are microcalcifications",
    "should I stop drinking milk",
    "I'm really scared it's cancer",
    "can calcifications go away by themselves",
    "what is DCIS",
    "do I need time off work after the biopsy",
    "can I wear deodorant to my appointment",
    "why have they called me back for more pictures",
    "are benign calcifications dangerous",
    "what is a vacuum assisted biopsy",
    "can I bring my husband with me",
    "will the bruise go away",
    "good morning",
    "can I have a shower after the biopsy",
    "is it because of my age",
    "what's the weather like today",
    "do calcifications run in families",
    "bye, thank you",
)


# --- processes ------------------------------------------------------------------------------------


@dataclass
class BenchStack(Stack):
    """The project's stack, plus what the benchmark needs: timed one-off commands (training) and,
    with `stock_dir`, a stock `rasa init` bot instead (its Rasa server alone, with its own files)."""

    stock_dir: Optional[Path] = None

    def run_timed(self, name: str, args: List[str], extra_env: Optional[Dict[str, str]] = None) -> float:
        """Seconds a command took; its output goes to `<log_dir>/<name>.log`."""
        started = time.monotonic()
        process = self.spawn(name, args, extra_env)
        try:
            code = process.wait()
        finally:
            self.stop_process(name)  # stops it if this was interrupted
        if code != 0:
            log = self.log_dir / f"{name}.log"
            raise RuntimeError(f"{' '.join(args[:2])} exited with {code}; see {log}:\n{tail(log)}")
        return time.monotonic() - started

    def start_bot(self, timeout: float = 180) -> None:
        """The Rasa server: the project's (`Stack.start_rasa`) or the stock bot's, with its own files."""
        if self.stock_dir is None:
            self.start_rasa(timeout)
            return
        files = {option: str(self.stock_dir / f"{option}.yml") for option in ("endpoints", "credentials")}
        args = [str(BIN / "rasa"), "run", "--model", str(self.model), "--port", str(self.rasa_port)]
        args += ["--endpoints", files["endpoints"], "--credentials", files["credentials"]]
        process = self.spawn("rasa", [*args, "--interface", self.interface])
        wait_until_up(f"{self.rasa_url}/", process, timeout, self.log_dir / "rasa.log")

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def rss_mb(self) -> Dict[str, float]:
        """Resident memory of each running server, its child processes included."""
        return {name: process_rss_mb(p.pid) for name, p in self.processes.items() if p.poll() is None}


def project_stack(tmp: Path, model: Path) -> BenchStack:
    tracker_db = tmp / "project" / "tracker.db"
    return BenchStack(
        rasa_port=PROJECT_PORTS["rasa"],
        actions_port=PROJECT_PORTS["actions"],
        model=model,
        tracker_db=tracker_db,
        log_dir=tmp / "project" / "logs",
        env={
            "KNOWLEDGE_DB_URL": database_url(),  # var/knowledge.db, built by `make setup`
            "TRACKER_DB_URL": f"sqlite:///{tracker_db}",  # this SQLite file, whatever the environment says
            "WIDGET_SECRET_FILE": str(tmp / "project" / "widget_secret"),  # not var/widget_secret
            "UNANSWERED_LOG": str(tmp / "project" / "unanswered.jsonl"),  # not var/log (channels/outages.py)
        },
    )


def stock_stack(tmp: Path) -> BenchStack:
    return BenchStack(rasa_port=STOCK_PORT, log_dir=tmp / "stock" / "logs", stock_dir=STOCK_CACHE)


def train_project(stack: BenchStack, tmp: Path) -> float:
    """`rasa train` of the project's bot (with its patches, as `make train`) into the temporary directory,
    with a cold cache."""
    out = tmp / "project" / "models"
    args = [*PATCHED_RASA, "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data"]
    args += ["--out", str(out), "--fixed-model-name", "bench", "--force", "--quiet"]
    seconds = stack.run_timed("train", args, {"RASA_CACHE_DIRECTORY": str(tmp / "project" / "cache")})
    stack.model = out / "bench.tar.gz"
    return seconds


def newest_model(project_dir: Path) -> Optional[Path]:
    models = sorted((project_dir / "models").glob("*.tar.gz"))
    return models[-1] if models else None


def init_stock(stack: BenchStack, tmp: Path) -> float:
    """`rasa init --no-prompt`, which trains its model; the bot is kept in build/bench/stock-bot."""
    project_dir = tmp / "stock" / "bot"
    project_dir.mkdir(parents=True)
    args = [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project_dir)]
    seconds = stack.run_timed("init", args, {"RASA_CACHE_DIRECTORY": str(tmp / "stock" / "cache")})
    shutil.rmtree(STOCK_CACHE, ignore_errors=True)
    shutil.copytree(project_dir, STOCK_CACHE, ignore=shutil.ignore_patterns(".rasa"))
    return seconds


def ports_free() -> None:
    for port in (*PROJECT_PORTS.values(), STOCK_PORT):
        if is_up(f"http://127.0.0.1:{port}/"):
            raise SystemExit(f"something already answers on port {port}; the benchmark needs it")


def children() -> Dict[int, List[int]]:
    """Every process's children, from /proc/*/stat."""
    found: Dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        found.setdefault(parent, []).append(int(stat.parent.name))
    return found


def process_rss_mb(pid: int) -> float:
    """VmRSS of a process and all its descendants, in MB."""
    tree, pids, total_kb = children(), [pid], 0
    while pids:
        current = pids.pop()
        pids.extend(tree.get(current, []))
        try:
            found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{current}/status").read_text(), re.MULTILINE)
        except OSError:
            continue
        total_kb += int(found.group(1)) if found else 0
    return total_kb / 1024


# --- load -------------------------------------------------------------------------------------------


@dataclass
class Load:
    """How to drive a bot: `clients` conversations at once, until `seconds` have passed or
    `messages` have been sent in all; at `rate` messages/s in all, or each client sending its next
    message as soon as it has its reply (rate None)."""

    clients: int
    seconds: Optional[float] = None
    messages: Optional[int] = None
    rate: Optional[float] = None

    def due(self, client: int, k: int) -> float:
        """Seconds from the start when a client's k-th message is due (paced clients take turns)."""
        return self.clients / self.rate * (k + client / self.clients) if self.rate else 0.0

    def scheduled(self) -> int:
        """How many messages a paced load sends if the bot keeps up (0 when not paced)."""
        if not self.rate or not self.seconds:
            return 0
        count = 0
        for client in range(self.clients):
            k = 0
            while self.due(client, k) < self.seconds:
                k += 1
            count += k
        return count


@dataclass
class Outcome:
    """What a load produced: each message's latency (ms), how many failed, and the wall time."""

    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def record(self, ms: float, ok: bool) -> None:
        self.latencies_ms.append(ms)
        self.errors += 0 if ok else 1

    def summary(self) -> Dict[str, Any]:
        return {
            "messages": self.sent,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "messages_per_s": round(self.rate, 1),
            "p50_ms": rounded(percentile(self.latencies_ms, 50)),
            "p95_ms": rounded(percentile(self.latencies_ms, 95)),
        }


def percentile(values: Sequence[float], p: int) -> Optional[float]:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def rounded(value: Optional[float], digits: int = 1) -> Optional[float]:
    return None if value is None else round(value, digits)


def script(prefix: str, start: int = 0) -> Iterator[Tuple[str, str]]:
    """(sender, message) without end: the messages cycled, a new conversation every few."""
    for n in itertools.count():
        yield f"{prefix}-{n // MESSAGES_PER_CONVERSATION}", MESSAGES[(start + n) % len(MESSAGES)]


def unavailable(replies: Any) -> bool:
    """Whether the project's channel answered that the bot produced nothing."""
    return isinstance(replies, list) and any(
        isinstance(r, dict) and (r.get("metadata") or {}).get("topic") == "unavailable" for r in replies
    )


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Tuple[float, bool]:
    """One message through the REST channel: (milliseconds, answered without error)."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            replies = await response.json(content_type=None) if response.status == 200 else None
            ok = response.status == 200 and not unavailable(replies)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        ok = False
    return (time.perf_counter() - started) * 1000, ok


async def drive(
    url: str, load: Load, prefix: str, progress: Optional[Callable[[Outcome, float], None]] = None
) -> Outcome:
    """Sends messages as `load` says, each client its own conversations; `progress` is called
    every minute with what was done so far and the seconds elapsed."""
    outcome = Outcome()
    started = time.monotonic()
    seconds = load.seconds or math.inf
    budget = itertools.count()

    def done(n: int, k: int) -> bool:
        over = load.due(n, k) >= seconds or time.monotonic() - started >= seconds
        return over or (load.messages is not None and next(budget) >= load.messages)

    async def client(session: aiohttp.ClientSession, n: int) -> None:
        for k, (sender, text) in enumerate(script(f"{prefix}-{n}", start=7 * n)):
            if done(n, k):
                return
            await asyncio.sleep(started + load.due(n, k) - time.monotonic())
            outcome.record(*await send(session, url, sender, text))

    async def report() -> None:
        while progress is not None:
            await asyncio.sleep(PROGRESS_EVERY_S)
            progress(outcome, time.monotonic() - started)

    connector = aiohttp.TCPConnector(limit=load.clients)
    async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as session:
        reporter = asyncio.ensure_future(report())
        try:
            await asyncio.gather(*(client(session, n) for n in range(load.clients)))
        finally:
            reporter.cancel()
    outcome.seconds = time.monotonic() - started
    return outcome


async def first_reply(url: str, sender: str) -> float:
    """Milliseconds of the first message answered without error (retried until it is)."""
    deadline = time.monotonic() + FIRST_REPLY_WITHIN_S
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        while time.monotonic() < deadline:
            ms, ok = await send(session, url, sender, MESSAGES[0])
            if ok:
                return ms
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} answered no message without error within {FIRST_REPLY_WITHIN_S:.0f} s")


# --- one bot ------------------------------------------------------------------------------------------


@dataclass
class BotFigures:
    """One bot's figures (seconds, milliseconds, MB); None: not measured."""

    name: str
    tracker_store: str
    training: str = "skipped"  # how it was trained
    training_s: Optional[float] = None
    actions_ready_s: Optional[float] = None  # action server process start -> /health answers
    rasa_up_s: Optional[float] = None  # Rasa server process start -> GET / answers
    ready_s: Optional[float] = None  # Rasa server process start -> first REST reply
    first_reply_ms: Optional[float] = None
    sequential: Outcome = field(default_factory=Outcome)
    concurrent: Dict[int, Outcome] = field(default_factory=dict)
    rss_mb: Dict[str, float] = field(default_factory=dict)  # after the load, by process

    def to_json(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "tracker_store": self.tracker_store,
            "training": self.training,
            "training_s": rounded(self.training_s),
            "actions_ready_s": rounded(self.actions_ready_s, 2),
            "rasa_up_s": rounded(self.rasa_up_s, 2),
            "ready_s": rounded(self.ready_s, 2),
            "first_reply_ms": rounded(self.first_reply_ms),
            "sequential": self.sequential.summary(),
            "concurrent": {str(n): o.summary() for n, o in self.concurrent.items()},
            "rss_mb": {name: round(mb) for name, mb in self.rss_mb.items()},
        }


def since(started: float) -> float:
    return time.monotonic() - started


def start(stack: BenchStack, figures: BotFigures, run_id: str) -> None:
    """Starts the bot's servers, timing each until it answers (the Rasa server: a first message)."""
    if stack.stock_dir is None:
        started = time.monotonic()
        stack.start_actions()
        figures.actions_ready_s = since(started)
    started = time.monotonic()
    stack.start_bot()
    figures.rasa_up_s = since(started)
    figures.first_reply_ms = asyncio.run(first_reply(stack.webhook, f"bench-{run_id}-first"))
    figures.ready_s = since(started)


def measure(stack: BenchStack, figures: BotFigures, args: argparse.Namespace, run_id: str) -> None:
    """Starts the bot, measures it, stops it."""
    print(f"\n--- {figures.name}: starting", flush=True)
    try:
        start(stack, figures, run_id)
        print(f"ready in {figures.ready_s:.1f} s; {args.warm_up} warm-up + {args.messages} sequential", flush=True)
        prefix = f"bench-{run_id}"
        asyncio.run(drive(stack.webhook, Load(clients=1, messages=args.warm_up), f"{prefix}-warm"))
        figures.sequential = asyncio.run(drive(stack.webhook, Load(clients=1, messages=args.messages), f"{prefix}-seq"))
        for clients in args.concurrency:
            print(f"{clients} concurrent conversations for {args.duration:.0f} s", flush=True)
            load = Load(clients=clients, seconds=args.duration)
            figures.concurrent[clients] = asyncio.run(drive(stack.webhook, load, f"{prefix}-c{clients}"))
        figures.rss_mb = stack.rss_mb()
    finally:
        stack.stop()


# --- report -------------------------------------------------------------------------------------------

OPERATORS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


@dataclass
class Check:
    """A figure against its target: `value <op> limit`; no value means not measured."""

    name: str
    value: Optional[float]
    op: str
    limit: float
    unit: str = ""

    @property
    def passed(self) -> Optional[bool]:
        return None if self.value is None else OPERATORS[self.op](self.value, self.limit)

    def line(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[self.passed]
        value = "not measured" if self.value is None else f"{self.value:g}{self.unit}"
        return f"{verdict}  {self.name:<44} {value:>14}   target {self.op} {self.limit:g}{self.unit}"

    def to_json(self) -> Dict[str, Any]:
        return {"name": self.name, "value": self.value, "target": f"{self.op} {self.limit:g}", "passed": self.passed}


def figure(value: Optional[float], digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def latency(outcome: Outcome) -> str:
    """p50 / p95 in ms."""
    return " / ".join(figure(percentile(outcome.latencies_ms, p)) for p in (50, 95))


def project_checks(bot: BotFigures) -> List[Check]:
    at_8 = bot.concurrent.get(8)
    return [
        Check("sequential p50 latency", rounded(percentile(bot.sequential.latencies_ms, 50)), "<=", 20, " ms"),
        Check("sequential p95 latency", rounded(percentile(bot.sequential.latencies_ms, 95)), "<=", 50, " ms"),
        Check("throughput, 8 concurrent conversations", rounded(at_8.rate) if at_8 else None, ">=", 60, " msg/s"),
        Check("errors, 8 concurrent conversations", at_8.errors if at_8 else None, "==", 0),
        Check("Rasa server RSS after the load", rounded(bot.rss_mb.get("rasa"), 0), "<=", 900, " MB"),
        Check("ready (process start to first reply)", rounded(bot.ready_s), "<=", 25, " s"),
        Check("training", rounded(bot.training_s), "<=", 120, " s"),
    ]


Column = Callable[[BotFigures], str]


def load_rows(label: str, outcome: Callable[[BotFigures], Optional[Outcome]]) -> List[Tuple[str, Column]]:
    """The table's rows for one load (sequential, or a concurrency level)."""

    def show(what: Callable[[Outcome], str]) -> Column:
        return lambda b: "-" if outcome(b) is None else what(outcome(b))

    return [
        (f"{label}: messages", show(lambda o: str(o.sent))),
        (f"{label}: msg/s", show(lambda o: figure(o.rate))),
        (f"{label}: p50 / p95 (ms)", show(latency)),
        (f"{label}: errors", show(lambda o: str(o.errors))),
    ]


def table(bots: Sequence[BotFigures], concurrency: Sequence[int]) -> List[str]:
    rows: List[Tuple[str, Column]] = [
        ("training (s)", lambda b: figure(b.training_s)),
        ("action server start to ready (s)", lambda b: figure(b.actions_ready_s)),
        ("Rasa start to GET / answering (s)", lambda b: figure(b.rasa_up_s)),
        ("Rasa start to first reply = ready (s)", lambda b: figure(b.ready_s)),
        ("first reply (ms)", lambda b: figure(b.first_reply_ms)),
        *load_rows("sequential", lambda b: b.sequential),
    ]
    for n in concurrency:
        rows += load_rows(f"{n} concurrent", lambda b, n=n: b.concurrent.get(n))
    rows += [
        ("RSS Rasa server after load (MB)", lambda b: figure(b.rss_mb.get("rasa"), 0)),
        ("RSS action server after load (MB)", lambda b: figure(b.rss_mb.get("actions"), 0)),
        ("tracker store", lambda b: b.tracker_store),
        ("trained by", lambda b: b.training),
    ]
    width = 40
    lines = [f"{'':<{width}}" + "".join(f"{b.name:>24}" for b in bots)]
    lines += [f"{name:<{width}}" + "".join(f"{value(b):>24}" for b in bots) for name, value in rows]
    return lines


def machine() -> Dict[str, Any]:
    return {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def write_json(path: Optional[Path], data: Dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"\nfigures written to {path}")


# --- the two modes ------------------------------------------------------------------------------------


def train_both(
    project_bot: BenchStack, project: BotFigures, stock_bot: BenchStack, stock: BotFigures, tmp: Path, skip: bool
) -> None:
    """Trains both bots (unless `skip`: then only a stock bot never trained before)."""
    if not skip:
        print("\n--- training the project bot (rasa train, cold cache)", flush=True)
        project.training_s, project.training = train_project(project_bot, tmp), "rasa train"
        print(f"trained in {project.training_s:.1f} s", flush=True)
    if not skip or newest_model(STOCK_CACHE) is None:
        print("\n--- creating the stock bot (rasa init --no-prompt, which trains it)", flush=True)
        stock.training_s, stock.training = init_stock(stock_bot, tmp), "rasa init"
        print(f"created and trained in {stock.training_s:.1f} s", flush=True)
    stock_bot.model = newest_model(STOCK_CACHE) or Path("no stock model")


def benchmark(args: argparse.Namespace) -> int:
    run_id = secrets.token_hex(3)
    before = machine()
    print(f"{before['cpus']} CPUs, load average {before['load_average']} (other processes make figures noisy)")
    project = BotFigures("project bot", "SQLite file")
    stock = BotFigures("stock bot (rasa init)", "in memory (default)")
    tmp = Path(tempfile.mkdtemp(prefix="bot-bench-"))
    try:
        project_bot, stock_bot = project_stack(tmp, args.model), stock_stack(tmp)
        if args.project_only:
            bots = [project]
            if not args.skip_training:
                project.training_s, project.training = train_project(project_bot, tmp), "rasa train"
        else:
            bots = [project, stock]
            train_both(project_bot, project, stock_bot, stock, tmp, args.skip_training)
        measure(project_bot, project, args, run_id)
        if not args.project_only:
            measure(stock_bot, stock, args, run_id)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    after = machine()
    checks = project_checks(project)
    print(f"\n=== results ({args.messages} sequential messages, {args.duration:g} s per concurrency level) ===")
    print("\n".join(table(bots, args.concurrency)))
    print(
        "Trackers: the project's bot stores them in SQLite (with masking); the stock bot keeps them in memory.\n"
        "The stock bot has no action server (no custom actions). Ready: Rasa process start to first REST reply.\n"
        f"Load average before {before['load_average']}, after {after['load_average']}."
    )
    print("\n=== targets (project bot) ===")
    print("\n".join(check.line() for check in checks))
    settings = {name: getattr(args, name) for name in ("messages", "warm_up", "duration", "concurrency")}
    write_json(
        args.json,
        {
            "mode": "benchmark",
            "machine": {**before, "load_average_after": after["load_average"]},
            "settings": {**settings, "skip_training": args.skip_training},
            "bots": {"project": project.to_json(), **({} if args.project_only else {"stock": stock.to_json()})},
            "targets": [check.to_json() for check in checks],
        },
    )
    return 0


@dataclass
class Soak:
    """What a soak found."""

    outcome: Outcome = field(default_factory=Outcome)
    scheduled: int = 0
    rss_start: Dict[str, float] = field(default_factory=dict)
    rss_end: Dict[str, float] = field(default_factory=dict)
    stored: int = 0  # user events in the tracker store for the soak's conversations

    def growth(self, name: str) -> Optional[float]:
        start_mb, end_mb = self.rss_start.get(name), self.rss_end.get(name)
        return None if not start_mb or end_mb is None else round((end_mb / start_mb - 1) * 100, 1)


def stored_user_events(tracker_db: Path, prefix: str) -> int:
    with sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True) as db:
        query = "SELECT COUNT(*) FROM events WHERE type_name = 'user' AND sender_id LIKE ?"
        return int(db.execute(query, (f"{prefix}-%",)).fetchone()[0])


def run_soak(stack: BenchStack, load: Load, warm_up: int, prefix: str) -> Soak:
    """Starts the stack, warms it up, keeps the load on it, stops it, counts what it stored."""
    found = Soak(scheduled=load.scheduled())

    def progress(done: Outcome, elapsed: float) -> None:
        rss = {name: round(mb) for name, mb in stack.rss_mb().items()}
        print(f"{elapsed / 60:5.1f} min: {done.sent} sent, {done.errors} errors, RSS MB {rss}", flush=True)

    try:
        stack.start()
        asyncio.run(first_reply(stack.webhook, f"warm-{prefix}-first"))
        asyncio.run(drive(stack.webhook, Load(clients=load.clients, messages=warm_up), f"warm-{prefix}"))
        found.rss_start = stack.rss_mb()
        print(f"warmed up with {warm_up} messages; RSS MB { ({k: round(v) for k, v in found.rss_start.items()}) }")
        print(f"soak: {load.clients} conversations, {load.rate:g} msg/s in all, {load.seconds:g} s", flush=True)
        found.outcome = asyncio.run(drive(stack.webhook, load, prefix, progress))
        found.rss_end = stack.rss_mb()
    finally:
        stack.stop()
    found.stored = stored_user_events(stack.tracker_db, prefix)
    return found


def soak_checks(found: Soak, max_growth: float) -> List[Check]:
    sent = found.outcome.sent
    share = round(100 * sent / found.scheduled, 1) if found.scheduled else None
    return [
        Check("messages sent, share of those scheduled", share, ">=", 95, "%"),
        Check("errors", found.outcome.errors, "==", 0),
        Check("user events stored minus messages sent", found.stored - sent, "==", 0),
        Check("RSS growth, Rasa server", found.growth("rasa"), "<=", max_growth, "%"),
        Check("RSS growth, action server", found.growth("actions"), "<=", max_growth, "%"),
    ]


def soak(args: argparse.Namespace) -> int:
    prefix = f"soak-{secrets.token_hex(3)}"
    load = Load(clients=args.soak_clients, seconds=args.soak_minutes * 60, rate=args.soak_rate)
    tmp = Path(tempfile.mkdtemp(prefix="bot-soak-"))
    try:
        found = run_soak(project_stack(tmp, args.model), load, args.soak_warm_up, prefix)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    checks = soak_checks(found, args.max_rss_growth)
    outcome = found.outcome
    print(f"\n=== soak ({args.soak_minutes:g} min, {load.clients} conversations at {load.rate:g} msg/s) ===")
    print(f"messages sent: {outcome.sent} of {found.scheduled} scheduled ({outcome.rate:.1f} msg/s)")
    print(f"errors: {outcome.errors}; latency p50 / p95: {latency(outcome)} ms")
    print(f"user events stored for the soak's conversations: {found.stored}")
    for name in ("rasa", "actions"):
        start_mb, end_mb = found.rss_start.get(name), found.rss_end.get(name)
        print(f"RSS {name} server: {figure(start_mb, 0)} MB after the warm-up, {figure(end_mb, 0)} MB at the end")
    print("\n".join(check.line() for check in checks))
    write_json(
        args.json,
        {
            "mode": "soak",
            "machine": machine(),
            "soak": {**outcome.summary(), "scheduled": found.scheduled, "user_events_stored": found.stored},
            "rss_mb": {"start": found.rss_start, "end": found.rss_end},
            "checks": [check.to_json() for check in checks],
        },
    )
    return 0 if all(check.passed for check in checks) else 1


def parse(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="timed sequential messages (default 300)")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed messages first (default 20)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per concurrency level (default 20)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32], help="conversations at once (8 32)")
    parser.add_argument("--skip-training", action="store_true", help="use existing models (see --model)")
    parser.add_argument("--project-only", action="store_true", help="measure the project's bot alone (no baseline)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the project's model when not training")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--soak-minutes", type=float, help="soak the project's stack this long instead")
    parser.add_argument("--soak-clients", type=int, default=8, help="soak: conversations at once (default 8)")
    parser.add_argument("--soak-rate", type=float, default=20, help="soak: messages/s in all (default 20)")
    parser.add_argument("--soak-warm-up", type=int, default=200, help="soak: messages before the start RSS (200)")
    parser.add_argument("--max-rss-growth", type=float, default=10, help="soak: allowed RSS growth in %% (10)")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the servers
    ports_free()
    if (args.skip_training or args.soak_minutes) and not args.model.exists():
        raise SystemExit(f"no model at {args.model}: run `make train` first")
    return soak(args) if args.soak_minutes else benchmark(args)


if __name__ == "__main__":
    raise SystemExit(main())
