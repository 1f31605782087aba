"""The review console in a real browser (Debian's Chromium driven by Playwright): a member of staff
signs in, filters and searches, opens the transcript of a conversation held with the real bot,
tags and flags a message, exports the flags and Rasa accepts them; a script a patient typed never
runs; the dashboard draws its charts with the console's own Chart.js."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from stack.processes import PROJECT_ROOT, Stack
from tests.helpers.chat import Chat
from tests.helpers.console_client import ConsoleClient
from tests.helpers.rasa_validation import validate_with_project_data

SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
QUESTION = "do calcium tablets cause calcifications? i take them every day"
SCRIPT = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> hello'


@pytest.fixture(scope="module")
def patient(stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> str:
    """A conversation with the real bot, once the console's indexing loop lists it."""
    chat = Chat(stack)
    assert chat.topic(QUESTION) == "calcium_diet"
    chat.say(SCRIPT)
    watcher = ConsoleClient(stack.console_url)
    watcher.sign_in(*console_staff["reviewer"])
    watcher.wait_until_listed(chat.sender, "?q=hello")
    return chat.sender


@pytest.fixture
def page(browser: Browser, stack: Stack, console_staff: Dict[str, Tuple[str, str]]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    dialogs: List[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(f"{stack.console_url}/conversations")
    expect(pg).to_have_url(f"{stack.console_url}/login?next=/conversations")
    username, password = console_staff["reviewer"]
    pg.get_by_label("Username").fill(username)
    pg.get_by_label("Password").fill(password)
    pg.get_by_role("button", name="Sign in").click()
    expect(pg.get_by_role("heading", name="Conversations")).to_be_visible()
    yield pg
    assert dialogs == [], "a script from a patient's message ran"
    context.close()


def test_sign_in_filter_search_open_tag_flag_and_export(page: Page, patient: str, tmp_path: Path) -> None:
    page.get_by_label("Search patients' messages").fill("calcium tablets")
    page.get_by_label("Topic").select_option("calcium_diet")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("p.count")).not_to_contain_text("0 conversations")
    row = page.locator("tr", has_text=QUESTION)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()

    expect(page.get_by_role("heading", name=f"Conversation {patient}")).to_be_visible()
    expect(page.locator("li.patient", has_text=QUESTION)).to_contain_text("intent")
    expect(page.locator("li.bot").first).to_contain_text("topic calcium_diet")

    page.get_by_label("Add a tag").fill("calcium myth")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator(".tags li.tag", has_text="calcium myth")).to_be_visible()

    message = page.locator("li.patient", has_text=QUESTION)
    message.locator("summary").click()
    message.get_by_label("It should have been").select_option("ask_calcium_diet")
    message.get_by_role("button", name="Flag message").click()
    expect(page.locator("li.patient", has_text=QUESTION)).to_contain_text("should be ask_calcium_diet")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("Reviewed by test-reviewer")).to_be_visible()

    page.get_by_role("link", name="Conversations").first.click()
    page.get_by_label("Tag").select_option("calcium myth")
    page.get_by_label("Reviewed").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-list.png"), full_page=True)

    page.get_by_role("link", name="Flagged messages").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export as NLU training data (YAML)").click()
    exported = tmp_path / "data" / "flagged.yml"
    exported.parent.mkdir()
    download.value.save_as(exported)
    blocks = {b["intent"]: b["examples"] for b in yaml.safe_load(exported.read_text())["nlu"]}
    assert f"- {QUESTION}" in blocks["ask_calcium_diet"]
    check = validate_with_project_data(exported)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]


def test_a_script_in_a_patient_message_is_shown_and_never_runs(page: Page, stack: Stack, patient: str) -> None:
    page.goto(f"{stack.console_url}/conversations/{patient}")
    shown = page.locator("li.patient", has_text="hello").locator("p.text")
    expect(shown).to_have_text(SCRIPT)
    assert page.evaluate("window.pwned") is None
    assert page.locator("li.patient img").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "console-transcript.png"), full_page=True)


def test_the_dashboard_draws_its_charts(page: Page, stack: Stack, patient: str) -> None:
    requests_made: List[str] = []
    page.on("request", lambda r: requests_made.append(r.url))
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("body")).to_have_attribute("data-charts", "drawn")
    assert page.locator("canvas").count() == 4
    assert all(url.startswith(stack.console_url) for url in requests_made), requests_made
    page.screenshot(path=str(SCREENSHOTS / "console-dashboard.png"), full_page=True)
