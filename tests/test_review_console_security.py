"""The review console's defences, over HTTP against the running console: no route but the sign-in
page answers without a session, reviewers cannot reach admin pages, forged CSRF tokens change
nothing, SQL-injection strings in every filter are plain text, a script a patient typed is shown
as text, sessions expire, and sign-in cannot redirect elsewhere."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from werkzeug.routing import Rule

from review_console.app import create_app
from review_console.settings import Settings
from stack.processes import PROJECT_ROOT, Stack, wait_until_up
from tests.helpers.chat import Chat
from tests.helpers.console_client import ConsoleClient

SCRIPT = "<script>document.title='pwned'</script><img src=x onerror=\"window.pwned=1\"> is the clip safe?"
INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "1) UNION SELECT username, password_hash FROM staff --",
    "%' --",
    "\\",
    'NEAR("a" "b") OR *',
    "1; SELECT pg_sleep(5)",
    "zz\x00zz",
]
PUBLIC = {"auth.login"}  # and the style sheet the sign-in page needs


@pytest.fixture(scope="module")
def conversation(stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> str:
    """A patient's message holding a script, once the console's indexing loop lists it."""
    chat = Chat(stack)
    chat.say(SCRIPT)
    signed_in(stack, console_staff, "reviewer").wait_until_listed(chat.sender, "?q=clip+safe")
    return chat.sender


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> List[Rule]:
    """Every route of the console, read from the application itself."""
    tmp = tmp_path_factory.mktemp("console_routes")
    settings = Settings(
        console_db_url=f"sqlite:///{tmp / 'console.db'}",
        tracker_db_url=f"sqlite:///{tmp / 'tracker.db'}",
        session_idle_minutes=30,
        session_max_hours=10,
        low_confidence=0.6,
        secure_cookies=False,
    )
    return list(create_app(settings).url_map.iter_rules())


def concrete(rule: Rule, conversation: str) -> str:
    values = {
        "conversation_id": conversation,
        "kind": "csv",
        "tag_id": 1,
        "flag_id": 1,
        "staff_id": 1,
        "filename": "dashboard.js",
    }
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def signed_in(stack: Stack, staff: Dict[str, Tuple[str, str]], role: str) -> ConsoleClient:
    client = ConsoleClient(stack.console_url)
    assert client.sign_in(*staff[role]).status_code == 303
    return client


def test_every_route_but_sign_in_refuses_a_request_without_a_session(
    stack: Stack, rules: List[Rule], conversation: str
) -> None:
    anonymous = ConsoleClient(stack.console_url)
    checked = 0
    for rule in rules:
        if rule.endpoint in PUBLIC:
            continue
        url = concrete(rule, conversation)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = anonymous.http.request(method, anonymous.url(url), data={"tag": "x"}, allow_redirects=False, timeout=30)
            if method == "GET":
                assert r.status_code == 303 and "/login" in r.headers["Location"], (method, url)
            else:
                assert r.status_code == 401, (method, url, r.status_code)
            assert "is the clip safe" not in r.text and "pwned" not in r.text  # nothing the patient wrote
            checked += 1
    assert checked >= 15
    assert anonymous.get("/static/console.css").status_code == 200  # the sign-in page's styles
    with_forged_cookie = ConsoleClient(stack.console_url)
    with_forged_cookie.http.cookies.set("console_session", "made-up-token")
    assert with_forged_cookie.get("/conversations").status_code == 303


def test_a_reviewer_cannot_reach_admin_pages(stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> None:
    reviewer = signed_in(stack, console_staff, "reviewer")
    assert reviewer.get("/admin/staff").status_code == 403
    assert reviewer.get("/admin/audit").status_code == 403
    made = reviewer.post("/admin/staff", {"username": "sneaky", "password": "sneaky password 1", "role": "admin"})
    assert made.status_code == 403
    assert reviewer.post("/admin/staff/1/active", {"active": "no"}).status_code == 403
    for kind in ("csv", "json"):
        assert reviewer.post(f"/exports/conversations.{kind}").status_code == 403
    admin = signed_in(stack, console_staff, "admin")
    staff = admin.get("/admin/staff").text
    assert "sneaky" not in staff and "deactivated" not in staff.split("test-admin")[1].split("</tr>")[0]
    assert "/admin/" not in reviewer.get("/conversations").text  # not even linked


def test_forged_csrf_tokens_are_refused_and_change_nothing(
    stack: Stack, rules: List[Rule], conversation: str, console_staff: Dict[str, Tuple[str, str]]
) -> None:
    admin = signed_in(stack, console_staff, "admin")
    other = signed_in(stack, console_staff, "reviewer")
    posts = [r for r in rules if "POST" in r.methods and r.endpoint not in PUBLIC]
    assert len(posts) >= 10
    for rule in posts:
        url = concrete(rule, conversation)
        for forged in ("", "forged-token", other.csrf):  # none, made up, another session's
            r = admin.post(url, {"tag": "forged", "note": "forged", "reviewed": "yes", "active": "no"}, csrf=forged)
            assert r.status_code == 403, (url, forged, r.status_code)
    html = admin.get(f"/conversations/{conversation}").text
    assert "forged" not in html and "Reviewed by" not in html
    assert admin.get("/conversations").status_code == 200  # the admin was not signed out or deactivated
    login = ConsoleClient(stack.console_url)
    login.get("/login")
    r = login.post("/login", {"username": "test-admin", "password": "admin password 123"}, csrf="forged")
    assert r.status_code == 403 and "console_session" not in r.cookies


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_injection_strings_in_every_filter_are_only_text(
    stack: Stack, conversation: str, console_staff: Dict[str, Tuple[str, str]], payload: str
) -> None:
    reviewer = signed_in(stack, console_staff, "reviewer")
    with sqlite3.connect(stack.tracker_db) as db:
        events_before = db.execute("SELECT count(*) FROM events").fetchone()[0]
    names = [
        "date_from", "date_to", "channel", "topic", "intent", "tag", "q", "handed_off", "urgent",
        "low_confidence", "threshold", "negative_feedback", "reviewed", "sort", "order", "page",
    ]  # fmt: skip
    for name in names:
        r = reviewer.get("/conversations", params={name: payload, "low_confidence": "yes"})
        assert r.status_code in (200, 400), (name, r.status_code)
        if name in ("channel", "topic", "intent", "tag"):
            assert "0 conversations" in r.text, name  # matched as a value, never as SQL
        assert "scrypt:" not in r.text  # no password hash leaked through a UNION
    audit = reviewer.get("/conversations", params={"q": payload})
    assert audit.status_code == 200
    with sqlite3.connect(stack.tracker_db) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] >= events_before
    with sqlite3.connect(stack.console_db) as db:
        assert db.execute("SELECT count(*) FROM staff").fetchone()[0] >= 2
    assert reviewer.get("/conversations").status_code == 200


def test_a_script_typed_by_a_patient_is_shown_as_text(stack: Stack, conversation: str, console_staff) -> None:
    reviewer = signed_in(stack, console_staff, "reviewer")
    for path in (f"/conversations/{conversation}", "/conversations?q=clip+safe"):
        html = reviewer.get(path).text
        assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html, path
        assert "<script>document.title" not in html and "<img src=x" not in html
    r = reviewer.get("/conversations")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Cache-Control"] == "no-store"


def test_session_cookies_are_http_only_and_same_site(stack: Stack, console_staff) -> None:
    client = ConsoleClient(stack.console_url)
    client.get("/login")
    r = client.post("/login", {"username": "test-reviewer", "password": "reviewer password 123"})
    cookie = r.headers["Set-Cookie"]
    assert "console_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_sign_in_never_redirects_to_another_site(stack: Stack, console_staff) -> None:
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "/conversations?q=clip",
    ):
        client = ConsoleClient(stack.console_url)
        client.get("/login")
        r = client.post("/login", {"username": "test-reviewer", "password": "reviewer password 123", "next": target})
        assert r.status_code == 303
        location = r.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
        assert "evil" not in location and "\\" not in location, location


@pytest.fixture(scope="module")
def quickly_expiring_console(stack: Stack) -> Iterator[str]:
    """A second console on the same databases whose sessions end after 3 idle seconds."""
    port = int(os.environ.get("TEST_CONSOLE_PORT", 8170)) + 1
    log = stack.log_dir / "console-expiring.log"
    env = {
        **os.environ,
        "TRACKER_DB_URL": f"sqlite:///{stack.tracker_db}",
        "CONSOLE_DB_URL": f"sqlite:///{stack.console_db}",
        "CONSOLE_SESSION_IDLE_MINUTES": "0.05",
    }
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "review_console.serve", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/login", process, 60, Path(log))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_idle_session_expires(quickly_expiring_console: str, console_staff) -> None:
    client = ConsoleClient(quickly_expiring_console)
    assert client.sign_in(*console_staff["reviewer"]).status_code == 303
    assert client.get("/conversations").status_code == 200
    time.sleep(4)
    r = client.get("/conversations")
    assert r.status_code == 303 and "/login" in r.headers["Location"]
