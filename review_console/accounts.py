"""Staff accounts and their sessions: scrypt-hashed passwords, two roles, sign-in throttling,
sessions that end after a period of inactivity or a fixed length, and each session's CSRF token.
The browser holds only a random session token; the database holds its SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from werkzeug.security import check_password_hash, generate_password_hash

from review_console.models import ROLES, AuditEntry, Staff, StaffSession, same_username

MIN_PASSWORD_CHARS = 12
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,80}$")
FAILED_SIGN_INS_ALLOWED = 5
LOCKOUT_SECONDS = 15 * 60
LAST_SEEN_PRECISION = 30  # seconds: a session's last-seen time is not rewritten on every click

# Checked against when the username is unknown, so that a wrong username takes as long as a
# wrong password and does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountError(ValueError):
    """A staff account could not be created or changed; the message says why."""


@dataclass(frozen=True)
class SignedIn:
    staff_id: int
    username: str
    role: str
    csrf_token: str
    token_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_account(username: str, password: str, role: str) -> None:
    if not USERNAME.match(username or ""):
        raise AccountError("A username is 2 to 80 letters, digits or . _ @ -")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}")
    check_password(password)


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_CHARS} characters")


def account_id(db: Connection, username: str) -> Optional[int]:
    """The id of the account called `username` (in any case), if there is one."""
    table = Staff.__table__
    found = db.execute(sa.select(table.c.id).where(same_username(table.c.username, username))).scalar()
    return None if found is None else int(found)


def create_staff(db: Connection, username: str, password: str, role: str) -> int:
    check_new_account(username, password, role)
    table = Staff.__table__
    if account_id(db, username) is not None:
        raise AccountError(f"There is already an account called {username}")
    return db.execute(
        table.insert().values(
            username=username,
            password_hash=generate_password_hash(password, method="scrypt"),
            role=role,
            active=True,
            created_at=time.time(),
        )
    ).inserted_primary_key[0]


def set_password(db: Connection, staff_id: int, password: str) -> None:
    check_password(password)
    table = Staff.__table__
    db.execute(
        table.update()
        .where(table.c.id == staff_id)
        .values(password_hash=generate_password_hash(password, method="scrypt"))
    )
    end_sessions(db, staff_id)


def set_active(db: Connection, staff_id: int, active: bool) -> None:
    table = Staff.__table__
    db.execute(table.update().where(table.c.id == staff_id).values(active=active))
    if not active:
        end_sessions(db, staff_id)


def end_sessions(db: Connection, staff_id: int) -> None:
    sessions = StaffSession.__table__
    db.execute(sessions.delete().where(sessions.c.staff_id == staff_id))


UNLOCK_ACTION = "unlock_staff"  # recorded under the unlocked account's username


def recent_failures(db: Connection, username: str, now: float) -> int:
    """Failed sign-ins of `username` in the last LOCKOUT_SECONDS since an admin last unlocked it
    (without an unlock, anyone failing on purpose could keep an account locked for ever)."""
    audit = AuditEntry.__table__
    same_user = same_username(audit.c.username, username)
    unlocked_at = db.execute(
        sa.select(sa.func.max(audit.c.at)).where(audit.c.action == UNLOCK_ACTION, same_user)
    ).scalar_one()
    since = max(now - LOCKOUT_SECONDS, unlocked_at or 0.0)
    return db.execute(
        sa.select(sa.func.count())
        .select_from(audit)
        .where(audit.c.action == "sign_in_failed", same_user, audit.c.at > since)
    ).scalar_one()


def authenticate(db: Connection, username: str, password: str, now: Optional[float] = None) -> Optional[int]:
    """The staff id if the username and password match an active account that is not locked out
    by repeated failures; None otherwise (the caller records the failure)."""
    now = now or time.time()
    table = Staff.__table__
    row = db.execute(
        sa.select(table.c.id, table.c.password_hash, table.c.active).where(same_username(table.c.username, username))
    ).first()
    matches = check_password_hash(row.password_hash if row else _DUMMY_HASH, password or "")
    if not row or not matches or not row.active:
        return None
    if recent_failures(db, username, now) >= FAILED_SIGN_INS_ALLOWED:
        return None
    return int(row.id)


def start_session(db: Connection, staff_id: int, now: Optional[float] = None) -> str:
    """A new session for this person; returns the token for the cookie."""
    now = now or time.time()
    token = secrets.token_urlsafe(32)
    db.execute(
        StaffSession.__table__.insert().values(
            token_hash=token_hash(token),
            staff_id=staff_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    staff = Staff.__table__
    db.execute(staff.update().where(staff.c.id == staff_id).values(last_login_at=now))
    return token


def current_session(
    db: Connection, token: str, idle_seconds: float, max_seconds: float, now: Optional[float] = None
) -> Optional[SignedIn]:
    """The signed-in person for a cookie's token, or None when it is unknown, expired or the
    account was deactivated. An expired session is deleted."""
    if not token:
        return None
    now = now or time.time()
    sessions, staff = StaffSession.__table__, Staff.__table__
    hashed = token_hash(token)
    row = db.execute(
        sa.select(sessions, staff.c.username, staff.c.role, staff.c.active)
        .join(staff, staff.c.id == sessions.c.staff_id)
        .where(sessions.c.token_hash == hashed)
    ).first()
    if row is None:
        return None
    if not row.active or now - row.last_seen_at > idle_seconds or now - row.created_at > max_seconds:
        db.execute(sessions.delete().where(sessions.c.token_hash == hashed))
        return None
    if now - row.last_seen_at > LAST_SEEN_PRECISION:
        db.execute(sessions.update().where(sessions.c.token_hash == hashed).values(last_seen_at=now))
    return SignedIn(row.staff_id, row.username, row.role, row.csrf_token, hashed)


def end_session(db: Connection, hashed: str) -> None:
    sessions = StaffSession.__table__
    db.execute(sessions.delete().where(sessions.c.token_hash == hashed))


def csrf_matches(expected: str, given: Optional[str]) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def staff_list(db: Connection) -> List[sa.engine.Row]:
    table = Staff.__table__
    return list(
        db.execute(
            sa.select(
                table.c.id, table.c.username, table.c.role, table.c.active, table.c.created_at, table.c.last_login_at
            ).order_by(table.c.username)
        )
    )


def any_staff(db: Connection) -> bool:
    return db.execute(sa.select(Staff.__table__.c.id).limit(1)).first() is not None
