"""The console's settings, read from the environment (each has an embedded default)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from conversation_store.retention import store_url
from core.paths import PROJECT_ROOT

DEFAULT_DB = PROJECT_ROOT / "var" / "console.db"


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as e:
        raise SystemExit(f"{name} must be a number, not {raw!r}") from e


@dataclass(frozen=True)
class Settings:
    console_db_url: str  # the console's own tables
    tracker_db_url: str  # Rasa's tracker store, read only
    session_idle_minutes: float
    session_max_hours: float
    low_confidence: float  # the list's default "low confidence" threshold
    secure_cookies: bool  # behind HTTPS: cookies only over HTTPS
    page_size: int = 50

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            console_db_url=os.environ.get("CONSOLE_DB_URL", "").strip() or f"sqlite:///{DEFAULT_DB}",
            tracker_db_url=store_url(),
            session_idle_minutes=_number("CONSOLE_SESSION_IDLE_MINUTES", 30),
            session_max_hours=_number("CONSOLE_SESSION_MAX_HOURS", 10),
            low_confidence=_number("CONSOLE_LOW_CONFIDENCE", 0.6),
            secure_cookies=os.environ.get("CONSOLE_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes"),
        )
