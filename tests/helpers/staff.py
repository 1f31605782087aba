"""Staff accounts of the test stack's console, made with the project's own command (the flask CLI)."""

from __future__ import annotations

import os
import subprocess
import sys

from stack.processes import PROJECT_ROOT, Stack


def create_staff(stack: Stack, username: str, password: str, role: str = "reviewer") -> subprocess.CompletedProcess:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "review_console",
            "staff",
            "create",
            username,
            "--role",
            role,
            "--password-stdin",
        ],
        input=password + "\n",
        env={**os.environ, "CONSOLE_DB_URL": f"sqlite:///{stack.console_db}"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result
