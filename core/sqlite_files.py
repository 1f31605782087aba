"""How the project opens the SQLite files that hold conversations (the tracker store, the review
console's index): with `secure_delete`, so that a purged or forgotten conversation is overwritten
with zeros instead of staying readable in the file's free pages."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def _overwrite_deleted_rows(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def secure_delete(engine: Engine) -> Engine:
    """`engine`, every connection of which overwrites what it deletes (SQLite only; PostgreSQL's
    VACUUM reclaims deleted rows)."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _overwrite_deleted_rows)
    return engine
