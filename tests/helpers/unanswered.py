"""Where the channels keep the messages they could not answer (channels/outages.py), for a test:
a SQLite database of its own, so that what a test left unanswered can be read back."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest
import sqlalchemy as sa

from channels.outages import UNANSWERED
from conversation_store.unanswered import METADATA, TABLE


def keep_unanswered_in(folder: Path, monkeypatch: pytest.MonkeyPatch) -> sa.engine.Engine:
    """Points the channels' unanswered messages at a database (and a waiting file) in `folder`."""
    engine = sa.create_engine(f"sqlite:///{folder / 'unanswered.db'}", future=True)
    METADATA.create_all(engine)
    monkeypatch.setattr(UNANSWERED, "engine", engine)
    monkeypatch.setattr(UNANSWERED, "path", folder / "unanswered.jsonl")
    return engine


def unanswered(engine: sa.engine.Engine) -> List[Tuple[str, str, str, str]]:
    """(reason, channel, sender, masked text) of every message kept, once all are written."""
    UNANSWERED.flush()
    with engine.connect() as db:
        rows = db.execute(sa.select(TABLE.c.reason, TABLE.c.channel, TABLE.c.sender, TABLE.c.text)).all()
    return [tuple(row) for row in rows]
