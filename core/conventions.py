"""Conventions the bot's parts share.

Evaluation conversations: `make evaluate` sends each question as a conversation whose id starts
with EVALUATION_SENDER_PREFIX; the review console files them under the channel
EVALUATION_CHANNEL and leaves them out of its lists and dashboard unless that channel is chosen,
so that staff see patients, not test questions."""

from __future__ import annotations

EVALUATION_SENDER_PREFIX = "eval-"
EVALUATION_CHANNEL = "evaluation"


def is_evaluation(conversation_id: str) -> bool:
    return conversation_id.startswith(EVALUATION_SENDER_PREFIX)
