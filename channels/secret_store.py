"""Server secrets (the widget's session key, the key that pseudonymises messaging-app user ids):
from an environment variable, else from a file that is created with a random secret on first use,
so that a restart keeps sessions and conversation ids stable.

In production (`SECRETS_REQUIRED=true`, set by deploy/docker-compose.yml) the variable must be
set: a file made by each replica on its own would give every replica a different key (widget
sessions refused by the next replica, messaging-app users given new conversations, and
`forget-conversation --channel` missing the person's). Whatever its origin, a secret that is short
or an example value stops the server with a message naming the variable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping, Optional

from core.settings import Settings

MIN_SECRET_CHARS = 32
# Words of the example values people copy instead of making a secret.
PLACEHOLDERS = ("change-me", "changeme", "change_me", "placeholder", "your-secret", "example")


def checked(variable: str, secret: str) -> bytes:
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(
            f"{variable} must be at least {MIN_SECRET_CHARS} characters (make one with: openssl rand -hex 32)"
        )
    if any(p in secret.lower() for p in PLACEHOLDERS) or len(set(secret)) < 8:
        raise ValueError(f"{variable} is an example value, not a secret (make one with: openssl rand -hex 32)")
    return secret.encode()


def load_secret(env: Optional[Mapping[str, str]], default_file: Path, variable: str = "WIDGET_SECRET") -> bytes:
    """`$variable` if set; otherwise (unless secrets are required) the secret kept in
    `$variable_FILE` (or `default_file`), created on first use with mode 0600."""
    given = Settings.from_env(env)
    value = given.value(variable)
    if value:
        return checked(variable, value)
    if given.secrets_required:
        raise ValueError(f"{variable} is not set: with SECRETS_REQUIRED=true every replica needs the same secret")
    path = Path(given.value(f"{variable}_FILE") or default_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    return checked(f"{variable} (in {path})", path.read_text().strip())
