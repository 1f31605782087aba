"""The dashboard's figures, from the conversation summary: conversations per day, the most asked
topics, fallback and hand-off rates per day, and answers rated helpful or not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Dict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.conventions import EVALUATION_CHANNEL
from review_console.models import Conversation, ConversationTopic

C = Conversation.__table__
NOT_ANSWERS = ("greet", "goodbye", "thanks", "bot_identity", "feedback", "unavailable")


def _count_if(condition: Any) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def figures(db: Connection, days: int, today: date) -> Dict[str, Any]:
    first = (today - timedelta(days=days - 1)) - date(1970, 1, 1)
    recent = sa.and_(C.c.started_day >= first.days, C.c.channel != EVALUATION_CHANNEL)
    per_day = {
        r.day: r
        for r in db.execute(
            sa.select(
                C.c.started_day.label("day"),
                sa.func.count().label("conversations"),
                _count_if(C.c.fallback.is_(True)).label("fallback"),
                _count_if(C.c.handed_off.is_(True)).label("handed_off"),
            )
            .where(recent)
            .group_by(C.c.started_day)
        )
    }
    labels, conversations, fallback_rate, handoff_rate = [], [], [], []
    for offset in range(days):
        day = first.days + offset
        row = per_day.get(day)
        n = row.conversations if row else 0
        labels.append((date(1970, 1, 1) + timedelta(days=day)).isoformat())
        conversations.append(n)
        fallback_rate.append(round(100 * (row.fallback or 0) / n, 1) if n else 0)
        handoff_rate.append(round(100 * (row.handed_off or 0) / n, 1) if n else 0)
    topics = ConversationTopic.__table__
    top = db.execute(
        sa.select(topics.c.topic, sa.func.count().label("n"))
        .where(topics.c.conversation_id.in_(sa.select(C.c.id).where(recent)), topics.c.topic.notin_(NOT_ANSWERS))
        .group_by(topics.c.topic)
        .order_by(sa.desc("n"), topics.c.topic)
        .limit(12)
    ).all()
    totals = db.execute(
        sa.select(
            sa.func.count().label("conversations"),
            sa.func.coalesce(sa.func.sum(C.c.positive_feedback), 0).label("helpful"),
            sa.func.coalesce(sa.func.sum(C.c.negative_feedback), 0).label("not_helpful"),
            sa.func.coalesce(_count_if(C.c.fallback.is_(True)), 0).label("fallback"),
            sa.func.coalesce(_count_if(C.c.handed_off.is_(True)), 0).label("handed_off"),
            sa.func.coalesce(_count_if(C.c.urgent.is_(True)), 0).label("urgent"),
        ).where(recent)
    ).one()
    return {
        "days": days,
        "per_day": {
            "labels": labels,
            "conversations": conversations,
            "fallback_rate": fallback_rate,
            "handoff_rate": handoff_rate,
        },
        "topics": {"labels": [t.topic for t in top], "counts": [t.n for t in top]},
        "totals": {k: int(v or 0) for k, v in totals._mapping.items()},
    }
