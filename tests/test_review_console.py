"""The review console through HTTP, on the running stack: a conversation held with the real bot
is found by the filters and the search, shown with its intents, topics and sources, reviewed,
tagged, noted, flagged and exported; what staff do is in the audit log; retention deletes what
the console holds. Security checks are in test_review_console_security.py."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest
import yaml

from stack.processes import PROJECT_ROOT, Stack
from tests.helpers.chat import Chat
from tests.helpers.console_client import ConsoleClient
from tests.helpers.rasa_validation import validate_with_project_data
from tests.helpers.staff import create_staff

AIRPORT = "will the clip set off airport alarms?"
WITH_EMAIL = "my email is jane.doe@example.com, can I talk to a real person please"


@pytest.fixture(scope="module")
def held(stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> Dict[str, object]:
    """A conversation with the real bot: an answer rated not helpful, a hand-off, a fallback;
    once the console's indexing loop lists it."""
    chat = Chat(stack)
    answer = chat.say(AIRPORT)
    rated = chat.say(answer[-1]["buttons"][1]["payload"])  # "No" to "Was this helpful?"
    handoff = chat.say(WITH_EMAIL)
    unclear = chat.say("zzkx qwv blorp")
    watcher = ConsoleClient(stack.console_url)
    watcher.sign_in(*console_staff["reviewer"])
    watcher.wait_until_listed(chat.sender, "?q=blorp")
    return {"id": chat.sender, "answer": answer, "rated": rated, "handoff": handoff, "unclear": unclear}


@pytest.fixture
def admin(stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> ConsoleClient:
    client = ConsoleClient(stack.console_url)
    assert client.sign_in(*console_staff["admin"]).status_code == 303
    return client


@pytest.fixture
def reviewer(stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> ConsoleClient:
    client = ConsoleClient(stack.console_url)
    assert client.sign_in(*console_staff["reviewer"]).status_code == 303
    return client


def test_the_list_finds_a_real_conversation_by_each_filter_and_by_search(
    held: Dict[str, object], reviewer: ConsoleClient
) -> None:
    cid = held["id"]
    first_intent = re.search(r"intent <strong>(\w+)</strong>", reviewer.get(f"/conversations/{cid}").text).group(1)
    assert held["answer"][0]["metadata"]["topic"].startswith("marker_clip")
    assert held["rated"][-1]["metadata"]["feedback"]["helpful"] is False
    assert held["handoff"][0]["metadata"]["topic"].startswith("helpline")
    matching = [
        "",
        "?q=airport+alarms",
        "?q=ALARM",  # stemmed, any case
        "?channel=rest",
        "?topic=marker_clip",
        f"?intent={first_intent}",
        "?handed_off=yes",
        "?negative_feedback=yes",
        "?low_confidence=yes&threshold=0.99",
        "?reviewed=no",
        "?sort=started&order=desc",
        "?date_from=2020-01-01",
    ]
    for query in matching:
        assert cid in reviewer.ids_listed(query), query
    for query in [
        "?q=mastitis+progesterone",
        "?channel=telegram",
        "?topic=vacuum_biopsy",
        "?handed_off=no",
        "?negative_feedback=no",
        "?date_to=2020-01-01",
        "?urgent=yes",
    ]:
        assert cid not in reviewer.ids_listed(query), query


def test_the_transcript_shows_intents_topics_sources_handoff_feedback_and_masked_text(
    held: Dict[str, object], reviewer: ConsoleClient
) -> None:
    page = reviewer.get(f"/conversations/{held['id']}")
    assert page.status_code == 200
    html = page.text
    assert "will the clip set off airport alarms?" in html
    assert re.search(r"intent <strong>\w+</strong>\s*<span class=\"confidence\">0\.\d\d</span>", html)
    assert "topic <strong>marker_clip" in html
    assert "004: " in html and "Breast calcifications" in html  # the answer's source
    assert 'class="badge handoff"' in html and "rated not helpful" in html
    assert "Pressed: No" in html  # the feedback button, by its title
    assert "my email is [email]" in html and "jane.doe" not in html and "example.com" not in html


def test_staff_review_tag_note_and_flag_and_the_filters_see_it(
    held: Dict[str, object], reviewer: ConsoleClient
) -> None:
    cid = held["id"]
    path = f"/conversations/{cid}"
    html = reviewer.get(path).text
    event_id = re.search(r'name="event_id" value="(\d+)"', html).group(1)  # the first typed message
    assert reviewer.post(f"{path}/review", {"reviewed": "yes"}).status_code == 303
    assert reviewer.post(f"{path}/tags", {"tag": "clip questions"}).status_code == 303
    assert reviewer.post(f"{path}/notes", {"note": "Answer was right; person wanted more on MRI."}).status_code == 303
    assert reviewer.post(f"{path}/flags", {"event_id": event_id, "intent": "ask_marker_clip"}).status_code == 303

    html = reviewer.get(path).text
    assert "Reviewed by test-reviewer" in html and "clip questions" in html and "wanted more on MRI" in html
    assert "should be <strong>ask_marker_clip</strong>" in html
    assert cid in reviewer.ids_listed("?reviewed=yes&tag=clip+questions")
    assert cid not in reviewer.ids_listed("?reviewed=no")
    flags = reviewer.get("/flags").text
    assert "will the clip set off airport alarms?" in flags

    # bad input is refused with a reason and changes nothing
    assert reviewer.post(f"{path}/flags", {"event_id": event_id, "intent": "no_such_intent"}).status_code == 400
    assert reviewer.post(f"{path}/flags", {"event_id": "999999999", "intent": "ask_marker_clip"}).status_code == 400
    assert reviewer.post(f"{path}/notes", {"note": "   "}).status_code == 400
    assert reviewer.post(f"{path}/tags", {"tag": "<b>"}).status_code == 400
    assert reviewer.post("/conversations/no-such-conversation/tags", {"tag": "x"}).status_code == 404


def test_flagged_messages_export_as_training_data_that_rasa_accepts(
    held: Dict[str, object], reviewer: ConsoleClient, tmp_path: Path
) -> None:
    path = f"/conversations/{held['id']}"
    html = reviewer.get(path).text
    event_ids = re.findall(r'name="event_id" value="(\d+)"', html)
    assert reviewer.post(f"{path}/flags", {"event_id": event_ids[-1], "intent": "out_of_scope"}).status_code == 303

    r = reviewer.post("/exports/nlu.yml")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    exported = yaml.safe_load(r.text)
    by_intent = {block["intent"]: block["examples"] for block in exported["nlu"]}
    assert "- zzkx qwv blorp" in by_intent["out_of_scope"]

    exported_file = tmp_path / "data" / "flagged.yml"
    exported_file.parent.mkdir()
    exported_file.write_text(r.text)
    check = validate_with_project_data(exported_file)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]


def test_admins_export_the_filtered_conversations_as_csv_and_json(
    held: Dict[str, object], admin: ConsoleClient
) -> None:
    cid = held["id"]
    admin.get("/conversations?q=airport")
    r = admin.post("/exports/conversations.csv", {"q": "airport", "negative_feedback": "yes"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    mine = [row for row in rows if row["conversation_id"] == cid]
    assert mine[0]["speaker"] == "patient" and mine[0]["text"] == AIRPORT
    assert any(row["speaker"] == "bot" and row["topic"].startswith("marker_clip") and row["sources"] for row in mine)
    assert all("jane.doe" not in row["text"] for row in rows)

    r = admin.post("/exports/conversations.json", {"q": "airport", "negative_feedback": "yes"})
    conversations = {c["id"]: c for c in json.loads(r.text)["conversations"]}
    assert conversations[cid]["handed_off"] is True and conversations[cid]["negative_feedback"] == 1
    assert conversations[cid]["messages"][0]["text"] == AIRPORT

    bad = admin.post("/exports/conversations.csv", {"date_from": "yesterday"})
    assert bad.status_code == 400 and "date" in bad.text


def test_the_audit_log_says_who_viewed_and_exported_which_conversation(
    held: Dict[str, object], reviewer: ConsoleClient, admin: ConsoleClient
) -> None:
    cid = held["id"]
    reviewer.get(f"/conversations/{cid}")
    admin.post("/exports/conversations.json", {"q": "airport"})
    log = admin.get(f"/admin/audit?conversation={cid}").text
    assert re.search(r"<td>test-reviewer</td><td>view</td>", log)
    assert re.search(r"<td>test-admin</td><td>export_json</td>", log)
    everything = admin.get("/admin/audit").text
    assert "<td>sign_in</td>" in everything


def test_the_dashboard_counts_conversations_topics_and_feedback(
    held: Dict[str, object], reviewer: ConsoleClient
) -> None:
    r = reviewer.get("/dashboard")
    assert r.status_code == 200
    figures = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', r.text, re.S).group(1))
    assert sum(figures["per_day"]["conversations"]) >= 1 and figures["totals"]["not_helpful"] >= 1
    assert "marker_clip" in figures["topics"]["labels"]
    assert reviewer.get("/vendor/chart.umd.js").text.startswith("/*!\n * Chart.js v4")


def test_staff_accounts_from_the_command_line(stack: Stack, admin: ConsoleClient) -> None:
    short = create_staff(stack, "shorty", "too short", "reviewer")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    twice = create_staff(stack, "test-admin", "another long password", "admin")
    assert twice.returncode == 1 and "already an account" in twice.stderr
    made = create_staff(stack, "new-reviewer", "a long enough password", "reviewer")
    assert made.returncode == 0, made.stderr
    assert "new-reviewer" in admin.get("/admin/staff").text
    assert ConsoleClient(stack.console_url).sign_in("new-reviewer", "a long enough password").status_code == 303


def test_repeated_wrong_passwords_lock_the_account_for_a_while(stack: Stack) -> None:
    assert create_staff(stack, "locked-out", "the right password", "reviewer").returncode == 0
    client = ConsoleClient(stack.console_url)
    for _ in range(5):
        assert client.sign_in("locked-out", "a wrong password").status_code == 401
    assert client.sign_in("locked-out", "the right password").status_code == 401


def test_a_deactivated_account_loses_its_session(stack: Stack, admin: ConsoleClient) -> None:
    assert create_staff(stack, "leaver", "leaver password 1", "reviewer").returncode == 0
    leaver = ConsoleClient(stack.console_url)
    assert leaver.sign_in("leaver", "leaver password 1").status_code == 303
    staff_page = admin.get("/admin/staff").text
    staff_id = re.search(r"<td>leaver</td>.*?/admin/staff/(\d+)/active", staff_page, re.S).group(1)
    assert admin.post(f"/admin/staff/{staff_id}/active", {"active": "no"}).status_code == 303
    assert leaver.get("/conversations").status_code == 303  # back to the sign-in page
    assert leaver.sign_in("leaver", "leaver password 1").status_code == 401


def test_signing_out_ends_the_session(stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> None:
    client = ConsoleClient(stack.console_url)
    client.sign_in(*console_staff["reviewer"])
    cookie = client.http.cookies.get("console_session")
    assert client.post("/logout").status_code == 303
    replay = ConsoleClient(stack.console_url)
    replay.http.cookies.set("console_session", cookie)
    assert replay.get("/conversations").status_code == 303


def test_forgetting_a_conversation_deletes_what_the_console_holds(stack: Stack, reviewer: ConsoleClient) -> None:
    chat = Chat(stack)
    chat.say("do calcium tablets cause calcifications?")
    reviewer.wait_until_listed(chat.sender, "?q=calcium+tablets")
    path = f"/conversations/{chat.sender}"
    assert reviewer.get(path).status_code == 200
    reviewer.post(f"{path}/tags", {"tag": "to forget"})
    reviewer.post(f"{path}/notes", {"note": "asked to be forgotten"})
    result = subprocess.run(
        [sys.executable, "-m", "maintenance.retention", "forget", chat.sender],
        env={
            **os.environ,
            "TRACKER_DB_URL": f"sqlite:///{stack.tracker_db}",
            "CONSOLE_DB_URL": f"sqlite:///{stack.console_db}",
        },
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Review console: removed 1 tags, 1 notes" in result.stdout
    assert reviewer.get(path).status_code == 404
    assert chat.sender not in reviewer.ids_listed("?tag=to+forget")
    # the console keeps indexing new conversations after the deletion
    later = Chat(stack)
    later.say("what are breast calcifications?")
    reviewer.wait_until_listed(later.sender, "?q=breast+calcifications")
    assert reviewer.get(f"/conversations/{later.sender}").status_code == 200
