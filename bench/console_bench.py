"""Benchmark of the review console with real volume: generates conversations into a fresh tracker
store, indexes them into a fresh console database, signs in through the Flask test client and
times whole requests (routing, session check, SQL, templates) for the unfiltered list, filtered
lists, transcripts and the dashboard. Prints each route kind's p50, p95 and max in milliseconds,
whether the list and transcript meet the target (p95 under 300 ms), and the process's peak RSS.

Run from the project root (no Makefile needed):

  PYTHONPATH=. .venv/bin/python -m bench.console_bench                      # both databases
  PYTHONPATH=. .venv/bin/python -m bench.console_bench --database sqlite --conversations 10000
  PYTHONPATH=. .venv/bin/python -m bench.console_bench --database postgresql --requests 500

SQLite: build/bench/tracker.db and build/bench/console.db, deleted first (`--reuse-tracker` keeps a
tracker file that already holds exactly the asked number of conversations, to skip generating).
PostgreSQL: two temporary databases created through the admin URL (BENCH_POSTGRES_URL, by default
postgresql://postgres@127.0.0.1:5432/postgres) and dropped at the end (`--keep` keeps them, to
EXPLAIN slow queries; the SQLite files are always left in build/bench/ for that). After indexing,
both PostgreSQL databases get a VACUUM ANALYZE, which autovacuum would do soon after such a bulk
load (`--no-analyze` skips it: with autovacuum off, the planner then has no statistics at all);
SQLite gets nothing, as the console itself never runs ANALYZE there. Figures, never assertions on
time: only a request answering anything but 200 stops the run.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import resource
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlencode

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine, make_url

from bench.synthetic_conversations import fill
from review_console import accounts, indexer
from review_console.app import create_app
from review_console.database import console_engine, migrate, tracker_engine
from review_console.models import ConversationTag, Review, Tag
from review_console.settings import PROJECT_ROOT, Settings

BENCH_DIR = PROJECT_ROOT / "build" / "bench"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 300.0
TARGET_KINDS = ("list (unfiltered)", "list (filtered)", "transcript")
WARM_UP = 3
USERNAME = "bench-admin"
PASSWORD = "bench-password-" + secrets.token_hex(8)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REVIEWED_SHARE = 0.05  # conversations already marked reviewed, so that reviewed=no/yes both mean something
TAGGED_SHARE = 0.01  # conversations carrying each of the tags below
TAGS = ("needs-kb-update", "good-example")


def filtered_lists(today: date) -> List[Dict[str, str]]:
    """The filters staff use, one at a time and combined (the list rotates through them)."""
    month_ago = (today - timedelta(days=30)).isoformat()
    return [
        {"channel": "telegram"},
        {"topic": "marker_clip"},
        {"intent": "ask_cancer_link"},
        {"handed_off": "yes"},
        {"urgent": "yes"},
        {"low_confidence": "yes", "threshold": "0.6"},
        {"negative_feedback": "yes"},
        {"reviewed": "no"},
        {"tag": "needs-kb-update"},
        {"date_from": month_ago, "date_to": today.isoformat()},
        {"q": "airport"},
        {"q": "scared cancer"},
        {"sort": "confidence", "order": "asc"},
        {"page": "500"},
        {"channel": "widget", "topic": "cancer_link", "reviewed": "no"},
        {"urgent": "yes", "date_from": month_ago, "sort": "started", "order": "asc"},
        {"q": "biopsy", "low_confidence": "yes", "threshold": "0.7", "page": "3"},
        {"handed_off": "yes", "negative_feedback": "yes", "sort": "messages"},
    ]


@dataclass
class Timings:
    """Milliseconds per request, by route kind and (for filtered lists) by filter."""

    by_kind: Dict[str, List[float]] = field(default_factory=dict)
    by_filter: Dict[str, List[float]] = field(default_factory=dict)


@dataclass
class Databases:
    name: str
    tracker_url: str
    console_url: str
    cleanup: Callable[[], None]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- databases ------------------------------------------------------------------------------------


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_conversations(path: Path) -> int:
    if not path.exists():
        return 0
    engine = sa.create_engine(f"sqlite:///{path}", future=True)
    try:
        with engine.connect() as db:
            return int(db.exec_driver_sql("SELECT COUNT(DISTINCT sender_id) FROM events").scalar() or 0)
    except sa.exc.DatabaseError:
        return 0
    finally:
        engine.dispose()


def sqlite_databases(conversations: int, reuse_tracker: bool) -> Tuple[Databases, bool]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    tracker, console = BENCH_DIR / "tracker.db", BENCH_DIR / "console.db"
    reused = reuse_tracker and sqlite_conversations(tracker) == conversations
    if not reused:
        remove_sqlite(tracker)
    remove_sqlite(console)
    return Databases("sqlite", f"sqlite:///{tracker}", f"sqlite:///{console}", lambda: None), reused


def postgres_databases(keep: bool) -> Databases:
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "").strip() or DEFAULT_POSTGRES
    admin = sa.create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
    names = [f"bench_tracker_{suffix}", f"bench_console_{suffix}"]
    with admin.connect() as db:
        for name in names:
            db.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def cleanup() -> None:
        if keep:
            print(f"kept PostgreSQL databases {', '.join(names)} (drop them with DROP DATABASE ... WITH (FORCE))")
            admin.dispose()
            return
        with admin.connect() as db:
            for name in names:
                db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    base = make_url(admin_url)
    urls = [base.set(database=name).render_as_string(hide_password=False) for name in names]
    return Databases("postgresql", urls[0], urls[1], cleanup)


def vacuum_analyse(*urls: str) -> None:
    """What autovacuum does soon after a bulk load (visibility map, planner statistics)."""
    for url in urls:
        engine = sa.create_engine(url, future=True, isolation_level="AUTOCOMMIT")
        with engine.connect() as db:
            db.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()


def count_events(url: str) -> Tuple[int, int]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as db:
            row = db.exec_driver_sql("SELECT COUNT(DISTINCT sender_id), COUNT(*) FROM events").one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def add_staff_work(console: Engine, staff_id: int, conversations: int, seed: int = 11) -> Tuple[int, int]:
    """Reviews and tags on a share of the conversations, as staff would have left them."""
    rng = random.Random(seed)
    now = time.time()
    ids = [f"bench-{n:07d}" for n in range(conversations)]
    reviewed = rng.sample(ids, int(conversations * REVIEWED_SHARE))
    tags, tagged = Tag.__table__, ConversationTag.__table__
    tag_rows = 0
    with console.begin() as db:
        if reviewed:
            db.execute(
                Review.__table__.insert(),
                [{"conversation_id": c, "staff_id": staff_id, "reviewed_at": now} for c in reviewed],
            )
        for name in TAGS:
            tag_id = db.execute(tags.insert().values(name=name)).inserted_primary_key[0]
            rows = [
                {"conversation_id": c, "tag_id": tag_id, "staff_id": staff_id, "created_at": now}
                for c in rng.sample(ids, int(conversations * TAGGED_SHARE))
            ]
            if rows:
                db.execute(tagged.insert(), rows)
            tag_rows += len(rows)
    return len(reviewed), tag_rows


# --- requests ---------------------------------------------------------------------------------------


def sign_in(client: FlaskClient) -> None:
    page = client.get("/login")
    found = CSRF.search(page.get_data(as_text=True))
    if page.status_code != 200 or found is None:
        raise SystemExit(f"the sign-in page answered {page.status_code} without a CSRF token")
    response = client.post(
        "/login", data={"csrf_token": found.group(1), "username": USERNAME, "password": PASSWORD, "next": "/"}
    )
    if response.status_code != 303:
        raise SystemExit(f"signing in answered {response.status_code}, not 303")


def timed_get(client: FlaskClient, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()  # the whole body, as a browser would read it
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, f"GET {url} answered {response.status_code}: {body[:300]!r}"
    return elapsed


def label(args: Dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in args.items())


def requests(conversations: int, count: int, today: date, seed: int = 3) -> Iterator[Tuple[str, str, str]]:
    """(route kind, filter label, URL): `WARM_UP` + `count` of each kind."""
    rng = random.Random(seed)
    filters = filtered_lists(today)
    total = WARM_UP + count
    for _ in range(total):
        yield "list (unfiltered)", "", "/conversations"
    for n in range(total):
        args = filters[n % len(filters)]
        yield "list (filtered)", label(args), "/conversations?" + urlencode(args)
    for _ in range(total):
        yield "transcript", "", f"/conversations/bench-{rng.randrange(conversations):07d}"
    for _ in range(total):
        yield "dashboard", "", "/dashboard"


def measure(client: FlaskClient, conversations: int, count: int) -> Timings:
    timings = Timings()
    seen: Dict[str, int] = {}
    for kind, filter_label, url in requests(conversations, count, date.today()):
        elapsed = timed_get(client, url)
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= WARM_UP:
            continue
        timings.by_kind.setdefault(kind, []).append(elapsed)
        if filter_label:
            timings.by_filter.setdefault(filter_label, []).append(elapsed)
    return timings


# --- report -------------------------------------------------------------------------------------------


def row(name: str, values: Sequence[float], width: int, target: bool) -> str:
    p50, p95, top = percentile(values, 50), percentile(values, 95), max(values)
    verdict = ("yes" if p95 < TARGET_MS else "NO") if target else "-"
    return f"{name:<{width}} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {top:>8.1f}  {verdict}"


def summary(name: str, timings: Timings) -> List[str]:
    width = 20
    lines = [f"{'route (' + name + ')':<{width}} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  p95 < 300 ms"]
    for kind, values in timings.by_kind.items():
        lines.append(row(kind, values, width, kind in TARGET_KINDS))
    lines.append(f"peak RSS of this process so far: {peak_rss_mb():.0f} MB")
    return lines


def details(timings: Timings) -> List[str]:
    width = max(len(k) for k in timings.by_filter) + 2 if timings.by_filter else 20
    lines = [f"{'filtered list, by filter':<{width}} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for filter_label, values in timings.by_filter.items():
        lines.append(row("  " + filter_label, values, width, False)[:-3])
    return lines


def run(database: str, args: argparse.Namespace) -> List[str]:
    conversations, count = args.conversations, args.requests
    print(f"\n=== {database}: {conversations} conversations ===", flush=True)
    reused = False
    if database == "sqlite":
        dbs, reused = sqlite_databases(conversations, args.reuse_tracker)
    else:
        dbs = postgres_databases(args.keep)
    tracker: Optional[Engine] = None
    console: Optional[Engine] = None
    try:
        started = time.monotonic()
        if not reused:
            fill(dbs.tracker_url, conversations)
        found, events = count_events(dbs.tracker_url)
        how = "reused" if reused else "generated"
        print(f"tracker: {found} conversations, {events} events {how} in {time.monotonic() - started:.1f} s")

        console = console_engine(dbs.console_url)
        tracker = tracker_engine(dbs.tracker_url)
        migrate(console)
        started = time.monotonic()
        read = indexer.catch_up(console, tracker, max_batches=10**6)
        took = time.monotonic() - started
        print(f"indexed: {read} events in {took:.1f} s ({read / took:.0f} events/s)", flush=True)
        with console.begin() as db:
            staff_id = accounts.create_staff(db, USERNAME, PASSWORD, "admin")
        reviews, tags = add_staff_work(console, staff_id, conversations)
        print(f"staff work: {reviews} conversations reviewed, {tags} tags")
        if database == "postgresql" and not args.no_analyze:
            started = time.monotonic()
            vacuum_analyse(dbs.tracker_url, dbs.console_url)
            print(f"VACUUM ANALYZE of both databases in {time.monotonic() - started:.1f} s")

        settings = Settings(
            console_db_url=dbs.console_url,
            tracker_db_url=dbs.tracker_url,
            session_idle_minutes=600,
            session_max_hours=24,
            low_confidence=0.6,
            secure_cookies=False,
        )
        app = create_app(settings, console, tracker)
        client = app.test_client()
        sign_in(client)
        started = time.monotonic()
        timings = measure(client, conversations, count)
        print(f"timed {sum(len(v) for v in timings.by_kind.values())} requests in {time.monotonic() - started:.1f} s")
        print("\n".join(details(timings)))
        lines = summary(database, timings)
        print("\n".join(lines), flush=True)
        return lines
    finally:
        for engine in (console, tracker):
            if engine is not None:
                engine.dispose()
        dbs.cleanup()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per route kind")
    parser.add_argument("--reuse-tracker", action="store_true", help="SQLite: keep a tracker with the right count")
    parser.add_argument("--no-analyze", action="store_true", help="PostgreSQL: skip VACUUM ANALYZE after loading")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep the databases (for EXPLAIN)")
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = {name: run(name, args) for name in databases}
    if len(results) > 1:
        print("\n=== summary ===")
        for lines in results.values():
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
