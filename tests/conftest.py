"""Shared fixtures. One knowledge database and one running stack (action server + Rasa server,
REST channel, SQLite tracker store, widget site, review console) serve every test that needs
them: starting Rasa takes most of a minute and a gigabyte, so it happens once per test run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from playwright.sync_api import Browser, sync_playwright

from core.knowledge.build import load
from core.knowledge.source_files import read_knowledge
from stack.processes import DEFAULT_MODEL, PROJECT_ROOT, Stack, new_token
from tests.helpers.chat import Chat
from tests.helpers.fake_platform import FakePlatform
from tests.helpers.platform_webhooks import channel_env
from tests.helpers.staff import create_staff

RASA_PORT = int(os.environ.get("TEST_RASA_PORT", 5105))
ACTIONS_PORT = int(os.environ.get("TEST_ACTIONS_PORT", 5155))
WIDGET_PORT = int(os.environ.get("TEST_WIDGET_PORT", 8180))
PLATFORM_PORT = int(os.environ.get("TEST_PLATFORM_PORT", 8190))
CONSOLE_PORT = int(os.environ.get("TEST_CONSOLE_PORT", 8170))
CHROMIUM = "/usr/bin/chromium"

# The fixtures that need the trained model or the running stack: a test using one is an
# integration test, as is every test of a module marked `pytestmark = pytest.mark.integration`
# (those start processes of their own). `make test-unit` runs the others, in process, but for
# those marked slow (thousands of messages each).
WORLD_FIXTURES = {"stack", "chat", "browser", "fake_platform", "console_staff"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: needs the trained model or running processes (not in make test-unit)"
    )
    config.addinivalue_line("markers", "slow: in process but runs thousands of messages (not in make test-unit)")


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if WORLD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("run")


@pytest.fixture(scope="session")
def knowledge_db_url(run_dir: Path) -> str:
    url = f"sqlite:///{run_dir / 'knowledge.db'}"
    load(read_knowledge(), url)
    return url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (which cannot download its own browsers here)."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def fake_platform() -> Iterator[FakePlatform]:
    """The messaging platforms' APIs, faked on 127.0.0.1; the stack's channels send to it."""
    platform = FakePlatform(PLATFORM_PORT).start()
    yield platform
    platform.stop()


@pytest.fixture(scope="session")
def stack(run_dir: Path, knowledge_db_url: str, fake_platform: FakePlatform) -> Iterator[Stack]:
    assert DEFAULT_MODEL.exists(), "no trained model: run the tests with `make test`"
    s = Stack(
        rasa_port=RASA_PORT,
        actions_port=ACTIONS_PORT,
        tracker_db=run_dir / "tracker.db",
        log_dir=run_dir / "logs",
        env={
            "KNOWLEDGE_DB_URL": knowledge_db_url,
            "WIDGET_SECRET_FILE": str(run_dir / "widget_secret"),
            # every messaging channel on, with test secrets, sending to the fake platform
            **channel_env(f"http://127.0.0.1:{RASA_PORT}", fake_platform.url),
        },
        api_token=new_token(),
        widget_port=WIDGET_PORT,
        console_port=CONSOLE_PORT,
        console_db=run_dir / "console.db",
    )
    s.start()
    yield s
    s.stop()


@pytest.fixture
def chat(stack: Stack) -> Chat:
    return Chat(stack)


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def console_staff(stack: Stack) -> Dict[str, Tuple[str, str]]:
    """An admin and a reviewer, created with the project's own command (review_console/staff.py)."""
    staff = {"admin": ("test-admin", "admin password 123"), "reviewer": ("test-reviewer", "reviewer password 123")}
    for role, (username, password) in staff.items():
        create_staff(stack, username, password, role)
    return staff
