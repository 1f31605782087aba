"""The topic ids that every bot message carries in its metadata (../shared/knowledge-topics.md):
the conventions the actions, the channels, the evaluation and the review console read the same way."""

from __future__ import annotations

from typing import Tuple

HELPLINE_TOPIC = "helpline"
URGENT_TOPIC = "urgent"
FALLBACK_TOPIC = "fallback"
# A message on one of these topics passes the person to a human.
HANDOFF_TOPICS: Tuple[str, ...] = (HELPLINE_TOPIC, URGENT_TOPIC)


def top_topic(topic: str) -> str:
    """`marker_clip.mri` counts as `marker_clip`."""
    return (topic or "").split(".", 1)[0]


def is_handoff(topic: str) -> bool:
    return top_topic(topic) in HANDOFF_TOPICS
