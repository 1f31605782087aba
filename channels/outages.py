"""What the Rasa server does when a part it depends on fails: the action server down, slow or
erroring, the tracker store's database or the knowledge database unavailable.

A patient still gets a reply within the reply deadline (channels/bot_replies.py answers with the
`unavailable` message and the helpline); each such reply is logged with its reason and counted
(the counts are on the REST channel's health route, GET /webhooks/rest/); and the message the
patient wrote, masked like a stored one, is appended to the unanswered-messages file so that
nothing they wrote is lost even when the tracker store could not keep it.

Settings (environment variables):
  ACTION_TIMEOUT_SECONDS   how long Rasa waits for the action server (default 1.5; see
                           channels/remote_actions.py)
  REPLY_DEADLINE_SECONDS   when the patient gets the `unavailable` reply if the bot has not
                           answered yet (default 1.8); the message is still processed and stored
  UNANSWERED_LOG           the unanswered-messages file (default var/log/unanswered.jsonl)
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Optional

from conversation_store.masking import mask

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPLY_DEADLINE = 1.8

# Why a patient got the `unavailable` reply.
TIMEOUT = "timeout"  # no answer by the deadline (a slow action server or database)
ERROR = "error"  # the tracker store or the lock store failed
NO_REPLY = "no_reply"  # processed, but the bot said nothing (an action failed)


def seconds_setting(variable: str, default: float) -> float:
    """A positive number of seconds from the environment, else `default`."""
    try:
        value = float(os.environ.get(variable) or default)
    except ValueError:
        logger.warning("%s is not a number of seconds; using %s", variable, default)
        return default
    return value if value > 0 else default


def reply_deadline() -> float:
    return seconds_setting("REPLY_DEADLINE_SECONDS", DEFAULT_REPLY_DEADLINE)


class UnansweredMessages:
    """Counts of unanswered messages by reason, and the file that keeps what the patients wrote."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = path or Path(os.environ.get("UNANSWERED_LOG") or PROJECT_ROOT / "var" / "log" / "unanswered.jsonl")
        self._counts: Counter = Counter()
        self._lock = threading.Lock()

    def record(self, reason: str, sender: str, channel: str, text: str) -> None:
        with self._lock:
            self._counts[reason] += 1
        logger.error("unanswered message: reason=%s channel=%s conversation=%s", reason, channel, sender)
        entry = {"time": time.time(), "reason": reason, "channel": channel, "sender": sender, "text": mask(text)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError:
            logger.exception("could not keep the unanswered message in %s", self.path)

    def counts(self) -> Dict[str, int]:
        with self._lock:
            return {reason: self._counts[reason] for reason in (TIMEOUT, ERROR, NO_REPLY)}


UNANSWERED = UnansweredMessages()
