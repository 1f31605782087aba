"""Conversations of `make evaluate` indexed before they were marked get their channel,
`evaluation` (core/conventions.py), so that the lists and the dashboard leave them out.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.conventions import EVALUATION_CHANNEL, EVALUATION_SENDER_PREFIX

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CONVERSATIONS = sa.table("conversations", sa.column("id"), sa.column("channel"))


def upgrade() -> None:
    op.execute(
        CONVERSATIONS.update()
        .where(CONVERSATIONS.c.id.like(f"{EVALUATION_SENDER_PREFIX}%"))
        .values(channel=EVALUATION_CHANNEL)
    )


def downgrade() -> None:
    op.execute(CONVERSATIONS.update().where(CONVERSATIONS.c.channel == EVALUATION_CHANNEL).values(channel="rest"))
