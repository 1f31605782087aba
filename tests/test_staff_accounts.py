"""Staff accounts from the command line: the `flask --app review_console staff` commands (through
Flask's test CLI runner, on a console database of its own) create, list, deactivate and unlock
accounts, and an admin unlocks an account someone keeps locked (review_console.accounts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from review_console import accounts, audit, create_app
from review_console.database import databases
from review_console.settings import Settings

PASSWORD = "a long staff password 123"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """The console on databases of its own, its tables not yet migrated (the commands do that)."""
    return create_app(
        Settings(
            console_db_url=f"sqlite:///{tmp_path / 'console.db'}",
            tracker_db_url=f"sqlite:///{tmp_path / 'tracker.db'}",
            session_idle_minutes=30,
            session_max_hours=10,
            low_confidence=0.6,
            secure_cookies=False,
        )
    )


@pytest.fixture
def cli(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def test_an_admin_unlocks_an_account_someone_keeps_locked(app: Flask, cli: FlaskCliRunner) -> None:
    made = cli.invoke(args=["staff", "create", "amy", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert made.exit_code == 0
    with app.app_context():
        engine = databases.console
    with engine.begin() as db:
        for _ in range(accounts.FAILED_SIGN_INS_ALLOWED):
            audit.record(db, "sign_in_failed", None, "amy", detail="203.0.113.9")
        assert accounts.authenticate(db, "amy", PASSWORD) is None
    assert cli.invoke(args=["staff", "unlock", "amy"]).exit_code == 0
    with engine.begin() as db:
        assert accounts.authenticate(db, "amy", PASSWORD) is not None
        audit.record(db, "sign_in_failed", None, "AMY", detail="203.0.113.9")
        assert accounts.authenticate(db, "amy", PASSWORD) is not None  # one failure since: still in
    assert cli.invoke(args=["staff", "unlock", "nobody"]).exit_code == 1


def test_create_asks_for_the_password_twice_and_refuses_what_it_cannot_save(cli: FlaskCliRunner) -> None:
    made = cli.invoke(args=["staff", "create", "bea"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert made.exit_code == 0, made.output
    assert "Password (at least 12 characters): " in made.output and "Again: " in made.output
    assert "Created reviewer account bea." in made.output
    differ = cli.invoke(args=["staff", "create", "cal"], input=f"{PASSWORD}\nsomething else entirely\n")
    assert differ.exit_code == 1 and "Not done: The two passwords differ" in differ.stderr
    short = cli.invoke(args=["staff", "create", "dan", "--password-stdin"], input="too short\n")
    assert short.exit_code == 1 and "Not done: A password needs at least 12 characters" in short.stderr
    twice = cli.invoke(args=["staff", "create", "BEA", "--password-stdin"], input=PASSWORD + "\n")
    assert twice.exit_code == 1 and "There is already an account called BEA" in twice.stderr
    assert cli.invoke(args=["staff", "create", "eve", "--role", "boss", "--password-stdin"]).exit_code == 2
    listed = cli.invoke(args=["staff", "list"])
    assert listed.exit_code == 0 and listed.output.split() == ["bea", "reviewer", "active"]


def test_deactivating_and_a_new_password_end_the_sessions(app: Flask, cli: FlaskCliRunner) -> None:
    assert cli.invoke(args=["staff", "create", "fay", "--password-stdin"], input=PASSWORD + "\n").exit_code == 0
    with app.app_context():
        engine = databases.console
    with engine.begin() as db:
        staff_id = accounts.authenticate(db, "fay", PASSWORD)
        token = accounts.start_session(db, staff_id)

    def signed_in() -> bool:
        with engine.begin() as db:
            return accounts.current_session(db, token, 600, 3600) is not None

    assert signed_in()
    done = cli.invoke(args=["staff", "deactivate", "fay"])
    assert done.exit_code == 0 and "fay: done (deactivate)." in done.output
    assert not signed_in() and "deactivated" in cli.invoke(args=["staff", "list"]).output
    assert cli.invoke(args=["staff", "activate", "fay"]).exit_code == 0
    new_password = "another long password 456"
    changed = cli.invoke(args=["staff", "password", "fay", "--password-stdin"], input=new_password + "\n")
    assert changed.exit_code == 0 and "fay: done (password)." in changed.output
    with engine.begin() as db:
        assert accounts.authenticate(db, "fay", PASSWORD) is None
        assert accounts.authenticate(db, "fay", new_password) is not None
        actions = [row.action for row in audit.entries(db)]
    assert actions[:3] == ["password_staff", "activate_staff", "deactivate_staff"]
    missing = cli.invoke(args=["staff", "deactivate", "nobody"])
    assert missing.exit_code == 1 and "Not done: There is no account called nobody" in missing.stderr
