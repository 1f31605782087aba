"""The console's first schema: staff and sessions, the conversation summary and its full-text
search, tags, notes, reviews, flagged messages and the audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_login_at", sa.Float),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(40), nullable=False, index=True),
        sa.Column("started_at", sa.Float, nullable=False, index=True),
        sa.Column("started_day", sa.Integer, nullable=False, index=True),
        sa.Column("last_at", sa.Float, nullable=False, index=True),
        sa.Column("patient_messages", sa.Integer, nullable=False),
        sa.Column("bot_messages", sa.Integer, nullable=False),
        sa.Column("handed_off", sa.Boolean, nullable=False, index=True),
        sa.Column("urgent", sa.Boolean, nullable=False, index=True),
        sa.Column("fallback", sa.Boolean, nullable=False, index=True),
        sa.Column("min_confidence", sa.Float, index=True),
        sa.Column("negative_feedback", sa.Integer, nullable=False),
        sa.Column("positive_feedback", sa.Integer, nullable=False),
        sa.Column("first_message", sa.Text, nullable=False),
    )
    op.create_table(
        "conversation_topics",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("topic", sa.String(80), primary_key=True),
    )
    op.create_index("ix_conversation_topics_topic", "conversation_topics", ["topic", "conversation_id"])
    op.create_table(
        "conversation_intents",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("intent", sa.String(120), primary_key=True),
    )
    op.create_index("ix_conversation_intents_intent", "conversation_intents", ["intent", "conversation_id"])
    op.create_table(
        "index_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_event_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, unique=True),
    )
    op.create_table(
        "conversation_tags",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("tag_id", sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_conversation_tags_tag", "conversation_tags", ["tag_id", "conversation_id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "reviews",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("reviewed_at", sa.Float, nullable=False),
    )
    op.create_table(
        "flagged_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("event_id", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("predicted_intent", sa.String(120), nullable=False),
        sa.Column("correct_intent", sa.String(120), nullable=False),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("event_id", name="uq_flagged_messages_event"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id")),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("conversation_id", sa.String(255), index=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    # Full-text search over patients' messages: each database's own engine.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE message_search (event_id BIGINT PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL, "
            "text TEXT NOT NULL, "
            "tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)"
        )
        op.execute("CREATE INDEX ix_message_search_tsv ON message_search USING GIN (tsv)")
        op.execute("CREATE INDEX ix_message_search_conversation ON message_search (conversation_id)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE message_search USING fts5("
            "text, conversation_id UNINDEXED, event_id UNINDEXED, tokenize='porter unicode61')"
        )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS message_search")
    for table in (
        "audit_log",
        "flagged_messages",
        "reviews",
        "notes",
        "conversation_tags",
        "tags",
        "index_state",
        "conversation_intents",
        "conversation_topics",
        "conversations",
        "staff_sessions",
        "staff",
    ):
        op.drop_table(table)
