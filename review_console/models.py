"""The console's own tables. Staff data (accounts, sessions, tags, notes, reviews, flags, the audit
log) is kept here, never in Rasa's tables; `conversations`, `conversation_*` and
`message_search` are a summary of Rasa's events, rebuilt from them at any time (indexer.py).
Schema changes go through migrations (review_console/migrations)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()

ROLES = ("reviewer", "admin")


def same_username(column: sa.Column, username: str) -> sa.sql.ColumnElement:
    """Usernames are compared without regard to case, everywhere."""
    return sa.func.lower(column) == (username or "").lower()


class Staff(Base):
    __tablename__ = "staff"
    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(80), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(sa.String(20), nullable=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.Float, nullable=False)
    last_login_at = sa.Column(sa.Float)


class StaffSession(Base):
    __tablename__ = "staff_sessions"
    token_hash = sa.Column(sa.String(64), primary_key=True)  # sha256 of the cookie's token
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.Float, nullable=False)
    last_seen_at = sa.Column(sa.Float, nullable=False)


class Conversation(Base):
    """One conversation (a Rasa sender id), summarised from its events for filtering."""

    __tablename__ = "conversations"
    id = sa.Column(sa.String(255), primary_key=True)
    channel = sa.Column(sa.String(40), nullable=False, default="", index=True)
    started_at = sa.Column(sa.Float, nullable=False, index=True)
    started_day = sa.Column(sa.Integer, nullable=False, index=True)  # days since 1970-01-01 (UTC)
    last_at = sa.Column(sa.Float, nullable=False, index=True)
    patient_messages = sa.Column(sa.Integer, nullable=False, default=0)
    bot_messages = sa.Column(sa.Integer, nullable=False, default=0)
    handed_off = sa.Column(sa.Boolean, nullable=False, default=False, index=True)
    urgent = sa.Column(sa.Boolean, nullable=False, default=False, index=True)
    fallback = sa.Column(sa.Boolean, nullable=False, default=False, index=True)
    min_confidence = sa.Column(sa.Float, index=True)  # lowest intent confidence of a typed message
    negative_feedback = sa.Column(sa.Integer, nullable=False, default=0)
    positive_feedback = sa.Column(sa.Integer, nullable=False, default=0)
    first_message = sa.Column(sa.Text, nullable=False, default="")
    __table_args__ = (sa.Index("ix_conversations_started_day_id", "started_day", "id"),)


class ConversationTopic(Base):
    __tablename__ = "conversation_topics"
    conversation_id = sa.Column(sa.String(255), primary_key=True)
    topic = sa.Column(sa.String(80), primary_key=True)
    __table_args__ = (sa.Index("ix_conversation_topics_topic", "topic", "conversation_id"),)


class ConversationIntent(Base):
    __tablename__ = "conversation_intents"
    conversation_id = sa.Column(sa.String(255), primary_key=True)
    intent = sa.Column(sa.String(120), primary_key=True)
    __table_args__ = (sa.Index("ix_conversation_intents_intent", "intent", "conversation_id"),)


class IndexState(Base):
    """How far the summary has read Rasa's events table (its largest event id)."""

    __tablename__ = "index_state"
    id = sa.Column(sa.Integer, primary_key=True)
    last_event_id = sa.Column(sa.BigInteger, nullable=False, default=0)


class IndexGap(Base):
    """An event id below the read position not yet seen: on PostgreSQL a transaction can commit
    after a later one (its id is taken at insert), so the id may still arrive. Read again at each
    catch-up; forgotten when older than indexer.GAP_EXPIRY_SECONDS (its transaction rolled back)."""

    __tablename__ = "index_gaps"
    event_id = sa.Column(sa.BigInteger, primary_key=True)
    seen_at = sa.Column(sa.Float, nullable=False)


class Tag(Base):
    __tablename__ = "tags"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(60), nullable=False, unique=True)


class ConversationTag(Base):
    __tablename__ = "conversation_tags"
    conversation_id = sa.Column(sa.String(255), primary_key=True)
    tag_id = sa.Column(sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff.id"), nullable=False)
    created_at = sa.Column(sa.Float, nullable=False)
    __table_args__ = (sa.Index("ix_conversation_tags_tag", "tag_id", "conversation_id"),)


class Note(Base):
    __tablename__ = "notes"
    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff.id"), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.Float, nullable=False)


class Review(Base):
    __tablename__ = "reviews"
    conversation_id = sa.Column(sa.String(255), primary_key=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff.id"), nullable=False)
    reviewed_at = sa.Column(sa.Float, nullable=False)


class FlaggedMessage(Base):
    """A patient message the bot misunderstood, with the intent it should have had."""

    __tablename__ = "flagged_messages"
    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    event_id = sa.Column(sa.BigInteger, nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    predicted_intent = sa.Column(sa.String(120), nullable=False, default="")
    correct_intent = sa.Column(sa.String(120), nullable=False)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff.id"), nullable=False)
    created_at = sa.Column(sa.Float, nullable=False)
    __table_args__ = (sa.UniqueConstraint("event_id", name="uq_flagged_messages_event"),)


class AuditEntry(Base):
    """Who did what: sign-ins, transcript views, exports, changes to accounts."""

    __tablename__ = "audit_log"
    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.Float, nullable=False, index=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff.id"))
    username = sa.Column(sa.String(80), nullable=False, default="")
    action = sa.Column(sa.String(40), nullable=False)
    conversation_id = sa.Column(sa.String(255), index=True)
    detail = sa.Column(sa.Text, nullable=False, default="")
