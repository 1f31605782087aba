"""The bot's messages as plain text for messaging apps: emphasis marks removed, the citation kept
(the actions put it in the text), the helpline number in full in every turn that names the
helpline, and long texts split within a platform's limit without ever breaking the number."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Sequence, Tuple

EMPHASIS = re.compile(r"\*([^*\n]+)\*")
SPACE_IN_NUMBER = re.compile(r"(?<=\d) (?=\d)")
UNBREAKABLE_SPACE = "\x00"  # stands in for a space inside a number while splitting; same length
# Where to split a long text, best first; a split point must leave at least half the limit.
SPLIT_AFTER = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def turn_texts(messages: Sequence[Dict[str, Any]]) -> List[str]:
    """Each bot message's text as plain text; if the turn mentions the helpline in its metadata
    but no text gives the number, the last text ends with it."""
    texts = [EMPHASIS.sub(r"\1", m.get("text") or "").strip() for m in messages]
    helplines = [(m.get("metadata") or {}).get("helpline") for m in messages]
    helpline = next((h for h in helplines if h and h.get("number")), None)
    if helpline and texts and not any(helpline["number"] in t for t in texts):
        name = str(helpline.get("name") or "the helpline")
        texts[-1] = f"{texts[-1]}\n\nTo talk to a person, call {name} on {helpline['number']}.".strip()
    return texts


def message_parts(messages: Sequence[Dict[str, Any]], limit: int) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    """(part, buttons) for each message's text split within `limit`; a message's buttons come with
    its last part, the other parts with none (for apps that attach buttons to a message)."""
    for message, text in zip(messages, turn_texts(messages)):
        parts = split_text(text, limit)
        for i, part in enumerate(parts):
            yield part, (list(message.get("buttons") or []) if i == len(parts) - 1 else [])


def split_text(text: str, limit: int) -> List[str]:
    """`text` in parts of at most `limit` characters, split at the most natural point and never
    inside a phone number ("0808 800 6000")."""
    if limit < 20:
        raise ValueError("a platform limit under 20 characters is not plausible")
    rest = SPACE_IN_NUMBER.sub(UNBREAKABLE_SPACE, text.strip())
    parts: List[str] = []
    while len(rest) > limit:
        cut = _split_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return [p.replace(UNBREAKABLE_SPACE, " ") for p in parts]


def _split_point(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in SPLIT_AFTER:
        at = window.rfind(separator)
        if at >= limit // 2:
            return at + len(separator)
    return limit
