"""The messaging apps the bot can be reached on: the one list is credentials.yml, where each app's
channel is named `channels.messaging.<app>.<Class>`, the app's name being its module's (its webhook
is /webhooks/<app>/webhook, its guide docs/channels/<app>.md, its conversations' ids start
with "<app>-"). Read without importing Rasa, for `make run`'s printout, the retention commands'
options and the tests' parametrisation."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, List, Tuple

import yaml

from core.paths import PROJECT_ROOT

CREDENTIALS = PROJECT_ROOT / "credentials.yml"
MESSAGING_PACKAGE = "channels.messaging."


def _connectors(credentials: Path) -> List[Tuple[str, str]]:
    """(app, class path) of each messaging channel credentials.yml names, in its order."""
    with credentials.open(encoding="utf-8") as f:
        configured = yaml.safe_load(f) or {}
    return [
        (path[len(MESSAGING_PACKAGE) :].split(".")[0], path)
        for path in configured
        if str(path).startswith(MESSAGING_PACKAGE)
    ]


def messaging_apps(credentials: Path = CREDENTIALS) -> List[str]:
    """The apps' names: telegram, slack, ..."""
    return [app for app, _ in _connectors(credentials)]


def guide(app: str) -> str:
    return f"docs/channels/{app}.md"


def channel_class(app: str, credentials: Path = CREDENTIALS) -> Any:
    """The app's channel class (this imports Rasa)."""
    path = dict(_connectors(credentials))[app]
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)
