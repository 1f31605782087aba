"""Server secrets: in process through channels.secret_store, and a production Rasa server that
refuses to start without them."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from channels.secret_store import load_secret
from stack.processes import DEFAULT_MODEL, PATCHED_RASA, PROJECT_ROOT, QUIET_ENV

GOOD = "4f1c0a9e7b2d4e8f9a6b3c5d7e1f2a4b6c8d0e2f"


@pytest.mark.parametrize(
    "value, complaint",
    [
        ("short", "at least 32 characters"),
        ("change-me-change-me-change-me-change-me", "example value"),
        ("x" * 40, "example value"),
    ],
)
def test_a_short_or_example_secret_is_refused_with_its_name(tmp_path: Path, value: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=f"WIDGET_SECRET.*{complaint}"):
        load_secret({"WIDGET_SECRET": value}, tmp_path / "widget_secret")


def test_production_needs_the_variable_and_never_makes_its_own(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CHANNEL_ID_SECRET is not set"):
        load_secret({"SECRETS_REQUIRED": "true"}, tmp_path / "secret", "CHANNEL_ID_SECRET")
    assert not (tmp_path / "secret").exists()
    assert (
        load_secret({"SECRETS_REQUIRED": "true", "CHANNEL_ID_SECRET": GOOD}, tmp_path / "s", "CHANNEL_ID_SECRET")
        == GOOD.encode()
    )


def test_on_one_machine_a_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = load_secret({}, tmp_path / "widget_secret")
    assert load_secret({}, tmp_path / "widget_secret") == first and len(first) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "widget_secret").st_mode) == 0o600


@pytest.mark.integration  # a Rasa server of its own
def test_a_production_rasa_server_without_its_secrets_does_not_start() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WIDGET_SECRET", "CHANNEL_ID_SECRET")}
    result = subprocess.run(
        [*PATCHED_RASA, "run", "--model", str(DEFAULT_MODEL), "--port", "5997"]
        + ["--credentials", str(PROJECT_ROOT / "credentials.yml"), "--endpoints", str(PROJECT_ROOT / "endpoints.yml")],
        cwd=PROJECT_ROOT,
        env={**env, **QUIET_ENV, "SECRETS_REQUIRED": "true"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "WIDGET_SECRET is not set" in result.stdout + result.stderr
