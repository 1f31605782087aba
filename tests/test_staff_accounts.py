"""Staff accounts locked by failed sign-ins, and the admin's unlock command (in process, through
review_console.staff's command line and review_console.accounts, on a console database of its own)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from review_console import accounts, audit
from review_console.database import console_engine
from review_console.staff import main as staff

PASSWORD = "a long staff password 123"


def test_an_admin_unlocks_an_account_someone_keeps_locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("CONSOLE_DB_URL", url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert staff(["create", "amy", "--role", "admin", "--password-stdin"]) == 0
    engine = console_engine(url)
    with engine.begin() as db:
        for _ in range(accounts.FAILED_SIGN_INS_ALLOWED):
            audit.record(db, "sign_in_failed", None, "amy", detail="203.0.113.9")
        assert accounts.authenticate(db, "amy", PASSWORD) is None
    assert staff(["unlock", "amy"]) == 0
    with engine.begin() as db:
        assert accounts.authenticate(db, "amy", PASSWORD) is not None
        audit.record(db, "sign_in_failed", None, "AMY", detail="203.0.113.9")
        assert accounts.authenticate(db, "amy", PASSWORD) is not None  # one failure since: still in
    assert staff(["unlock", "nobody"]) == 1
