"""Staff accounts from the command line (the first admin is made this way):

python -m review_console.staff create USERNAME --role admin     (asks for the password twice)
python -m review_console.staff create USERNAME --password-stdin  (reads it from standard input)
python -m review_console.staff list
python -m review_console.staff deactivate USERNAME
python -m review_console.staff password USERNAME
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Optional, Sequence

import sqlalchemy as sa

from review_console import accounts, audit
from review_console.database import console_engine, migrate
from review_console.models import ROLES, Staff
from review_console.settings import Settings


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Again: ") != first:
        raise accounts.AccountError("The two passwords differ")
    return first


def staff_id(db: sa.engine.Connection, username: str) -> int:
    table = Staff.__table__
    found = db.execute(sa.select(table.c.id).where(sa.func.lower(table.c.username) == username.lower())).scalar()
    if found is None:
        raise accounts.AccountError(f"There is no account called {username}")
    return int(found)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review_console.staff", description="Review console staff accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, default="reviewer")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("list", help="list the accounts")
    for name, text in (
        ("deactivate", "stop an account signing in"),
        ("activate", "let it sign in again"),
        ("unlock", "let an account locked by failed sign-ins sign in again at once"),
    ):
        commands.add_parser(name, help=text).add_argument("username")
    password = commands.add_parser("password", help="set a new password (ends the account's sessions)")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)

    engine = console_engine(Settings.from_env().console_db_url)
    migrate(engine)
    try:
        if args.command == "list":
            with engine.connect() as db:
                for s in accounts.staff_list(db):
                    print(f"{s.username:<30} {s.role:<9} {'active' if s.active else 'deactivated'}")
            return 0
        if args.command == "create":
            secret = read_password(args.password_stdin)
            with engine.begin() as db:
                accounts.create_staff(db, args.username, secret, args.role)
                audit.record(db, "create_staff", None, "(command line)", detail=f"{args.username} ({args.role})")
            print(f"Created {args.role} account {args.username}.")
            return 0
        with engine.begin() as db:
            sid = staff_id(db, args.username)
            if args.command == "unlock":
                audit.record(db, accounts.UNLOCK_ACTION, sid, args.username, detail="(command line)")
                print(f"{args.username}: unlocked.")
                return 0
            if args.command == "password":
                accounts.set_password(db, sid, read_password(args.password_stdin))
            else:
                accounts.set_active(db, sid, args.command == "activate")
            audit.record(db, f"{args.command}_staff", None, "(command line)", detail=args.username)
        print(f"{args.username}: done ({args.command}).")
        return 0
    except accounts.AccountError as e:
        print(f"Not done: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
