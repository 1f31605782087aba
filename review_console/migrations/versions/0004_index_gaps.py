"""The event ids the index has not seen below its read position (review_console/indexer.py), so
that events committed out of order are indexed when they arrive instead of skipped.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_gaps",
        sa.Column("event_id", sa.BigInteger, primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("index_gaps")
