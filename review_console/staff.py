"""Staff accounts from the command line (the first admin is made this way), as `flask` commands
the app registers; each brings the console's tables up to date first:

flask --app review_console staff create USERNAME --role admin     (asks for the password twice)
flask --app review_console staff create USERNAME --password-stdin  (reads it from standard input)
flask --app review_console staff list
flask --app review_console staff deactivate USERNAME               (also: activate, unlock)
flask --app review_console staff password USERNAME                 (ends the account's sessions)

A refused change prints "Not done: <why>" on standard error and exits with status 1.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.engine import Engine

from review_console import accounts, audit
from review_console.database import databases, migrate
from review_console.models import ROLES

COMMAND_LINE = "(command line)"  # who did it, in the audit log
staff = AppGroup("staff", help="Review console staff accounts.")
password_stdin = click.option("--password-stdin", is_flag=True, help="read the password from standard input")


def up_to_date_console() -> Engine:
    """The console's engine, its tables migrated first: the first admin is made before the
    console has ever started."""
    migrate(databases.console)
    return databases.console


def refusals_reported(command: Callable) -> Callable:
    """A refused change (AccountError) says why on standard error and exits with status 1."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except accounts.AccountError as e:
            click.echo(f"Not done: {e}", err=True)
            click.get_current_context().exit(1)

    return wrapped


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = click.prompt("Password (at least 12 characters)", hide_input=True, prompt_suffix=": ")
    if click.prompt("Again", hide_input=True, prompt_suffix=": ") != first:
        raise accounts.AccountError("The two passwords differ")
    return first


def staff_id(db: sa.engine.Connection, username: str) -> int:
    found = accounts.account_id(db, username)
    if found is None:
        raise accounts.AccountError(f"There is no account called {username}")
    return found


@staff.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
@password_stdin
@refusals_reported
def create(username: str, role: str, password_stdin: bool) -> None:
    """Create an account."""
    engine = up_to_date_console()
    secret = read_password(password_stdin)
    with engine.begin() as db:
        accounts.create_staff(db, username, secret, role)
        audit.record(db, "create_staff", None, COMMAND_LINE, detail=f"{username} ({role})")
    click.echo(f"Created {role} account {username}.")


@staff.command("list")
def list_accounts() -> None:
    """List the accounts."""
    with up_to_date_console().connect() as db:
        for s in accounts.staff_list(db):
            click.echo(f"{s.username:<30} {s.role:<9} {'active' if s.active else 'deactivated'}")


def account_change(name: str, help_text: str, change: Callable[[sa.engine.Connection, int], None]) -> None:
    """A command `name USERNAME` that applies `change` to the account and records it in the audit log."""

    @staff.command(name, help=help_text)
    @click.argument("username")
    @refusals_reported
    def command(username: str) -> None:
        with up_to_date_console().begin() as db:
            change(db, staff_id(db, username))
            audit.record(db, f"{name}_staff", None, COMMAND_LINE, detail=username)
        click.echo(f"{username}: done ({name}).")


account_change("deactivate", "Stop an account signing in.", lambda db, sid: accounts.set_active(db, sid, False))
account_change("activate", "Let it sign in again.", lambda db, sid: accounts.set_active(db, sid, True))


@staff.command("password")
@click.argument("username")
@password_stdin
@refusals_reported
def password(username: str, password_stdin: bool) -> None:
    """Set a new password (ends the account's sessions)."""
    with up_to_date_console().begin() as db:
        sid = staff_id(db, username)
        accounts.set_password(db, sid, read_password(password_stdin))
        audit.record(db, "password_staff", None, COMMAND_LINE, detail=username)
    click.echo(f"{username}: done (password).")


@staff.command("unlock")
@click.argument("username")
@refusals_reported
def unlock(username: str) -> None:
    """Let an account locked by failed sign-ins sign in again at once."""
    with up_to_date_console().begin() as db:
        audit.record(db, accounts.UNLOCK_ACTION, staff_id(db, username), username, detail=COMMAND_LINE)
    click.echo(f"{username}: unlocked.")
