"""An index on conversations (started_day, id): the dashboard's top topics for a date range.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_started_day_id", "conversations", ["started_day", "id"])


def downgrade() -> None:
    op.drop_index("ix_conversations_started_day_id", table_name="conversations")
