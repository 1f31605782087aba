"""The messages the bot could not answer (channels/outages.py): counted by reason, and kept, masked,
one JSON line each in UNANSWERED_LOG (default var/log/unanswered.jsonl), so that nothing a patient
wrote is lost when the tracker store could not keep it. The retention commands delete old lines
and one person's lines like their conversations (conversation_store/retention.py)."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Optional

from conversation_store.masking import mask

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def unanswered_log() -> Path:
    return Path(os.environ.get("UNANSWERED_LOG") or PROJECT_ROOT / "var" / "log" / "unanswered.jsonl")


class UnansweredMessages:
    def __init__(self, reasons: Iterable[str], path: Optional[Path] = None) -> None:
        self.reasons = tuple(reasons)
        self.path = path or unanswered_log()
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
                fcntl.flock(f, fcntl.LOCK_EX)  # not while the retention command rewrites the file
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError:
            logger.exception("could not keep the unanswered message in %s", self.path)

    def counts(self) -> Dict[str, int]:
        with self._lock:
            return {reason: self._counts[reason] for reason in self.reasons}


def remove_unanswered(
    unwanted: Callable[[Dict[str, Any]], bool], path: Optional[Path] = None, dry_run: bool = False
) -> int:
    """Deletes the kept messages for which `unwanted` is true (a line that cannot be read is
    kept); returns how many."""
    path = path or unanswered_log()
    if not path.exists():
        return 0
    with path.open("r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        lines = [line for line in f.read().splitlines() if line.strip()]
        kept = [line for line in lines if not unwanted(_entry(line))]
        if not dry_run:
            f.seek(0)
            f.write("".join(line + "\n" for line in kept))
            f.truncate()
    return len(lines) - len(kept)


def _entry(line: str) -> Dict[str, Any]:
    try:
        entry = json.loads(line)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}
