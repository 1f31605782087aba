"""The web chat widget in a real browser (Debian's Chromium, driven by Playwright) on the demo
site, against the shared running stack; and its channel's protections over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from stack.processes import PROJECT_ROOT, Stack

AXE = PROJECT_ROOT / "web_widget" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
AIRPORT = "will the clip set off airport alarms?"


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.goto(f"{stack.widget_url}/")
    yield pg
    context.close()


def open_chat(page: Page) -> None:
    page.get_by_role("button", name="Chat: Questions about calcifications?").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator(".cc-bot").first).to_contain_text("information bot")  # the greeting


def ask(page: Page, text: str) -> None:
    page.get_by_label("Type your question").fill(text)
    page.get_by_role("button", name="Send").click()


def test_a_question_is_answered_with_its_source_buttons_feedback_and_survives_a_reload(page: Page) -> None:
    open_chat(page)
    ask(page, AIRPORT)
    answer = page.locator('.cc-bot[data-topic="marker_clip.airport"]').first
    expect(answer).to_contain_text("airport")
    expect(answer.locator(".cc-source")).to_contain_text("From: Breast calcifications, patient leaflet")
    expect(page.locator(".cc-note a[href^='tel:']")).to_have_text("0808 800 6000")

    follow_up = answer.locator(".cc-choice").first
    title = follow_up.inner_text()
    follow_up.click()
    expect(page.locator(".cc-user").last).to_have_text(f"You said: {title}")
    expect(page.locator(".cc-bot .cc-source")).to_have_count(2)

    page.get_by_role("button", name="Yes, it helped").last.click()
    expect(page.locator(".cc-bot").last).to_contain_text("glad it helped")

    shown = page.locator(".cc-msg").count()
    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # still open after a reload
    expect(page.locator(".cc-msg")).to_have_count(shown)
    expect(page.locator(".cc-user").first).to_contain_text(AIRPORT)

    page.get_by_role("link", name="About us").click()
    expect(page.locator(".cc-msg")).to_have_count(shown)  # and on another page of the site

    page.get_by_role("button", name="Start again").click()
    expect(page.locator(".cc-user")).to_have_count(0)
    expect(page.locator(".cc-bot")).to_have_count(1)


def test_a_whole_conversation_with_the_keyboard_alone(page: Page) -> None:
    page.keyboard.press("Tab")  # skip the site's links to the launcher
    while page.evaluate("document.activeElement.className") != "cc-launcher":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Type your question")).to_be_focused()  # focus moves into the panel
    expect(page.locator(".cc-bot").first).to_contain_text("information bot")
    page.keyboard.type("does a core biopsy hurt?")
    page.keyboard.press("Enter")
    expect(page.locator(".cc-bot[data-topic^='core_biopsy']").first).to_be_visible()
    page.keyboard.press("Shift+Tab")  # from the box back up to the last buttons
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "cc-choice"
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator(".cc-launcher")).to_be_focused()  # focus returns to the launcher


def test_markup_from_the_patient_or_the_bot_is_shown_as_text_and_never_runs(page: Page, stack: Stack) -> None:
    open_chat(page)
    payloads = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>"]
    for payload in payloads:
        ask(page, payload)
        expect(page.locator(".cc-user").last).to_have_text(f"You said: {payload}")
    # A bot reply carrying markup (as a compromised knowledge file might): served by the route
    # below in place of the channel's answer, shaped exactly like it.
    evil = {"text": payloads[0], "buttons": [{"title": payloads[1], "payload": "/greet"}], "metadata": {}}
    page.route(
        f"{stack.rasa_url}/webhooks/widget/message",
        lambda route: route.fulfill(json={"messages": [evil]}),
    )
    ask(page, "hello")
    expect(page.locator(".cc-bot").last).to_contain_text(payloads[0])
    expect(page.locator(".cc-bot .cc-choice").last).to_have_text(payloads[1])
    assert page.evaluate("window.__xss") is None
    assert page.locator(".cc-log img, .cc-log script").count() == 0


def test_no_serious_accessibility_violations(page: Page, stack: Stack) -> None:
    open_chat(page)
    ask(page, AIRPORT)
    expect(page.locator(".cc-bot .cc-source")).to_have_count(1)
    assert AXE.exists(), "axe-core is missing: make test-tools"
    page.add_script_tag(url="/test-tools/axe.min.js")  # served by the project, allowed by its CSP
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    assert result["passes"], "axe ran no checks"


def test_layouts_desktop_and_phone_with_screenshots(browser: Browser, page: Page, stack: Stack) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    open_chat(page)
    ask(page, AIRPORT)
    expect(page.locator(".cc-bot .cc-source")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "widget-desktop.png"))

    phone = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    try:
        p = phone.new_page()
        p.goto(f"{stack.widget_url}/")
        open_chat(p)
        ask(p, "do calcium tablets cause calcifications?")
        expect(p.locator(".cc-bot .cc-source")).to_have_count(1)
        box = p.get_by_role("dialog").bounding_box()
        assert box and box["x"] == 0 and box["y"] == 0 and box["width"] == 320 and box["height"] == 640
        assert p.evaluate("document.documentElement.scrollWidth") <= 320  # nothing runs off the side
        p.screenshot(path=str(SCREENSHOTS / "widget-phone.png"))
    finally:
        phone.close()


def test_zoom_200_percent_keeps_everything_usable(browser: Browser, stack: Stack) -> None:
    # 200 % zoom of a 1280 px window is a 640 px wide layout at device scale 2.
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    try:
        p = context.new_page()
        p.goto(f"{stack.widget_url}/")
        open_chat(p)
        for name in ("Send", "Start again", "Close chat"):
            expect(p.get_by_role("button", name=name)).to_be_in_viewport()
        assert p.evaluate("document.documentElement.scrollWidth") <= 640
    finally:
        context.close()


def test_the_widget_says_when_the_bot_is_unreachable_and_recovers(page: Page, stack: Stack) -> None:
    open_chat(page)
    stack.stop_process("rasa")
    try:
        ask(page, "what is a vacuum biopsy?")
        status = page.get_by_role("status")
        expect(status).to_contain_text("can't be reached", timeout=15_000)
        expect(status.locator("a[href='tel:+448088006000']")).to_have_text("0808 800 6000")
        expect(page.locator(".cc-user .cc-pending")).to_have_count(1)  # kept, not dropped
    finally:
        stack.start_rasa()
    expect(page.locator(".cc-bot[data-topic^='vacuum_biopsy'] .cc-source")).to_have_count(1, timeout=30_000)
    expect(page.locator(".cc-pending")).to_have_count(0)


# --- the channel over HTTP ----------------------------------------------------------------------


def widget_session(stack: Stack) -> Dict[str, str]:
    origin = {"Origin": stack.widget_url}
    token = requests.post(f"{stack.rasa_url}/webhooks/widget/session", json={}, headers=origin, timeout=10).json()
    return {**origin, "Authorization": f"Bearer {token['session']}"}


def test_a_forged_or_altered_session_is_refused(stack: Stack) -> None:
    headers = widget_session(stack)
    url = f"{stack.rasa_url}/webhooks/widget/message"
    token = headers["Authorization"].split()[1]
    version, sender, issued, signature = token.split(".")
    for forged in (
        f"{version}.web-someone-else.{issued}.{signature}",  # another conversation id
        f"{version}.{sender}.{int(issued) + 1}.{signature}",  # extended lifetime
        f"{version}.{sender}.{issued}.{signature[:-2]}AA",  # changed signature
        "web-123",
        f"{version}.{sender}.{issued}.{signature[:-1]}é",  # a non-ASCII character
    ):
        auth = f"Bearer {forged}".encode()
        r = requests.post(url, json={"message": "hi"}, headers={**headers, "Authorization": auth})
        assert r.status_code == 401, forged
    r = requests.post(url, json={"message": "hi"}, headers={"Origin": headers["Origin"]})
    assert r.status_code == 401
    history = requests.get(f"{stack.rasa_url}/webhooks/widget/history", headers={"Origin": headers["Origin"]})
    assert history.status_code == 401


def test_only_configured_sites_may_use_the_widget(stack: Stack) -> None:
    headers = {**widget_session(stack), "Origin": "https://evil.example"}
    r = requests.post(f"{stack.rasa_url}/webhooks/widget/message", json={"message": "hi"}, headers=headers)
    assert r.status_code == 403
    preflight = requests.options(
        f"{stack.rasa_url}/webhooks/widget/message",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers.get("access-control-allow-origin") is None


def test_too_many_or_too_long_messages_get_a_clear_reply(stack: Stack) -> None:
    headers = widget_session(stack)
    url = f"{stack.rasa_url}/webhooks/widget/message"
    long = requests.post(url, json={"message": "a" * 3000}, headers=headers)
    assert long.status_code == 200 and "longer than I can read" in long.json()["messages"][0]["text"]
    statuses = [requests.post(url, json={"message": "/greet"}, headers=headers).status_code for _ in range(20)]
    assert statuses.count(429) >= 1 and set(statuses) <= {200, 429}
    limited = requests.post(url, json={"message": "/greet"}, headers=headers)
    assert limited.status_code == 429
    assert "0808 800 6000" in limited.json()["messages"][0]["text"]


def test_a_message_sent_twice_is_answered_once(stack: Stack) -> None:
    headers = widget_session(stack)
    url = f"{stack.rasa_url}/webhooks/widget/message"
    body = {"message": AIRPORT, "id": "same-id-1"}
    first = requests.post(url, json=body, headers=headers).json()
    again = requests.post(url, json=body, headers=headers).json()
    assert first == again
    history = requests.get(f"{stack.rasa_url}/webhooks/widget/history", headers=headers).json()["messages"]
    assert [m["text"] for m in history if m["sender"] == "user"] == [AIRPORT]


def test_the_widget_files_are_served_by_the_project(stack: Stack) -> None:
    page = requests.get(f"{stack.widget_url}/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    script = requests.get(f"{stack.widget_url}/widget/widget.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert "http" not in Path(PROJECT_ROOT / "web_widget" / "static" / "widget.css").read_text()
    assert requests.get(f"{stack.widget_url}/widget/helpline.json").json()["number"] == "0808 800 6000"
