"""What a request reaches through Flask's current_app besides the engines (database.databases):
the console's settings and the bot's intents, put on the app by create_app."""

from __future__ import annotations

from typing import List

from flask import Flask, current_app

from review_console.settings import Settings

SETTINGS = "CONSOLE_SETTINGS"  # keys of app.config
INTENTS = "CONSOLE_INTENTS"


def settings_of(app: Flask) -> Settings:
    return app.config[SETTINGS]


def settings() -> Settings:
    return settings_of(current_app)


def intents() -> List[str]:
    """The intents of the bot's domain (a flagged message's correct intent is one of them)."""
    return current_app.config[INTENTS]
