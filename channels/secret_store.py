"""Server secrets (the widget's session key, the key that pseudonymises messaging-app user ids):
from an environment variable, else from a file that is created with a random secret on first use,
so that a restart keeps sessions and conversation ids stable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

MIN_SECRET_CHARS = 32


def load_secret(env: Mapping[str, str], default_file: Path, variable: str = "WIDGET_SECRET") -> bytes:
    """`$variable` if set; otherwise the secret kept in `$variable_FILE` (or `default_file`),
    created on first use with mode 0600."""
    if env.get(variable):
        return env[variable].encode()
    path = Path(env.get(f"{variable}_FILE") or default_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    secret = path.read_text().strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"{path}: {variable} must be at least {MIN_SECRET_CHARS} characters")
    return secret.encode()
