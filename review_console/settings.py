"""The console's settings: its part of the project's settings (core/settings.py), as the app reads them."""

from __future__ import annotations

from dataclasses import dataclass

from core.paths import PROJECT_ROOT
from core.settings import settings

__all__ = ["PROJECT_ROOT", "Settings"]


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
        given = settings()
        return cls(
            console_db_url=given.console_db_url,
            tracker_db_url=given.tracker_store_url(),
            session_idle_minutes=given.console_session_idle_minutes,
            session_max_hours=given.console_session_max_hours,
            low_confidence=given.console_low_confidence,
            secure_cookies=given.console_secure_cookies,
        )
