"""The project's settings (core/settings.py): every environment variable the code reads is declared
there, with one kind of error for a value that does not fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from channels.registry import channel_class, messaging_apps
from core.paths import PROJECT_ROOT
from core.settings import VARIABLES, SettingError, Settings

# The project's own code (not the tests, whose ports are their own, nor the benchmarks).
PARTS = ("actions", "channels", "conversation_store", "core", "maintenance", "nlu_components", "review_console")
PARTS += ("spacy_pipeline", "stack", "web_widget", "evaluation", "rasa_patches")


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(PROJECT_ROOT))
        for part in PARTS
        for path in (PROJECT_ROOT / part).rglob("*.py")
        if re.search(r"os\.environ\.get|os\.getenv|os\.environ\[|environ\.get\(", path.read_text())
        and path != PROJECT_ROOT / "core" / "settings.py"
    ]
    assert readers == []


def test_the_messaging_apps_declare_their_own_variables() -> None:
    channels = [channel_class(app) for app in messaging_apps()]
    named = {v for c in channels for v in c.REQUIRED.values()}
    named |= {v for c in channels for v, _ in c.OPTIONAL.values()}
    assert len(named) >= 15 and not named & set(VARIABLES)  # declared once, by the channel


def test_defaults_when_nothing_is_set() -> None:
    s = Settings.from_env({})
    assert (s.rasa_port, s.console_port, s.reply_deadline_seconds, s.action_timeout_seconds) == (5005, 8070, 1.8, 1.5)
    assert s.tracker_store_url().startswith("sqlite:///") and s.tracker_store_url().endswith("tracker.db")
    assert s.messages_path() == s.knowledge_dir / "messages.yml" and not s.console_secure_cookies
    assert s.widget_origins() is None and not s.given("CONSOLE_DB_URL")


def test_values_are_typed_and_blank_counts_as_unset() -> None:
    s = Settings.from_env(
        {
            "REDIS_PORT": " 6380 ",
            "CONSOLE_SECURE_COOKIES": "yes",
            "KNOWLEDGE_DIR": "/tmp/k",
            "TRACKER_DB_URL": "postgresql://u@h/db",
            "WIDGET_ALLOWED_ORIGINS": "https://a.example, ,https://b.example",
            "MONITORING_TOKEN": "   ",
        }
    )
    assert s.redis_port == 6380 and s.console_secure_cookies is True and s.knowledge_dir == Path("/tmp/k")
    assert s.tracker_store_url() == "postgresql://u@h/db" and s.given("TRACKER_DB_URL")
    assert s.widget_origins() == ["https://a.example", "https://b.example"]
    assert s.monitoring_token is None and s.value("MONITORING_TOKEN") is None


@pytest.mark.parametrize(
    "variable, value",
    [
        ("REPLY_DEADLINE_SECONDS", "soon"),
        ("ACTION_TIMEOUT_SECONDS", "0"),
        ("RASA_PORT", "70000"),
        ("CONSOLE_SECURE_COOKIES", "perhaps"),
        ("CONSOLE_LOW_CONFIDENCE", "1.5"),
        ("MESSAGING_API_TIMEOUT_SECONDS", "0.01"),
    ],
)
def test_a_value_that_does_not_fit_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingError, match=rf"{variable}='{re.escape(value)}'"):
        Settings.from_env({variable: value})


def test_the_environment_is_read_again_when_it_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import settings

    monkeypatch.setenv("WIDGET_PORT", "8181")
    assert settings().widget_port == 8181
    monkeypatch.setenv("WIDGET_PORT", "8282")
    assert settings().widget_port == 8282
