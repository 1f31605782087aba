"""The buttons the bot offered, on apps that cannot show them as buttons or cannot carry their
payloads. On SMS, WhatsApp and Messenger the options of one turn are numbered in the text
("Reply 1 for ..."), and a reply that is just a number chooses that option; Telegram buttons
carry a short token that is looked up among the buttons of the patient's own conversation."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from channels.messaging.reply_text import turn_texts
from core.rasa_events import BotMessage, Item, PatientMessage, read_event

NUMBER_REPLY = re.compile(r"^\s*(?:option|number|no\.?)?\s*#?\s*(\d{1,2})\s*[.)!]?\s*$", re.IGNORECASE)
TOKEN_PREFIX = "opt:"


@dataclass(frozen=True)
class Option:
    number: int
    title: str
    payload: str


def turn_options(messages: Sequence[Dict[str, Any]]) -> List[List[Option]]:
    """Each message's buttons as options, numbered from 1 across the whole turn."""
    numbered: List[List[Option]] = []
    count = 0
    for message in messages:
        options = []
        for button in message.get("buttons") or []:
            count += 1
            options.append(Option(count, str(button.get("title") or ""), str(button.get("payload") or "")))
        numbered.append(options)
    return numbered


def options_lines(options: Sequence[Option]) -> str:
    return "\n".join(f"Reply {o.number} for {o.title}" for o in options)


def numbered_texts(messages: Sequence[Dict[str, Any]]) -> List[str]:
    """Each message's plain text followed by its options, numbered across the turn."""
    return [
        f"{text}\n\n{options_lines(group)}" if group else text
        for text, group in zip(turn_texts(messages), turn_options(messages))
    ]


def chosen_number(text: str) -> Optional[int]:
    match = NUMBER_REPLY.match(text or "")
    return int(match.group(1)) if match else None


def button_token(payload: str) -> str:
    """A button's payload as 20 bytes or fewer (Telegram allows 64 and payloads can be longer)."""
    return TOKEN_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:16]


async def _messages(tracker_store: Any, sender: str) -> List[Item]:
    """The conversation's patient and bot messages, newest first."""
    tracker = await tracker_store.retrieve(sender)
    items = (read_event(event.as_dict()) for event in reversed(tracker.events)) if tracker else ()
    return [item for item in items if isinstance(item, (PatientMessage, BotMessage))]


async def last_turn(tracker_store: Any, sender: str) -> List[Dict[str, Any]]:
    """The bot's messages since the patient's last message, as {"text", "buttons"}."""
    turn: List[Dict[str, Any]] = []
    for item in await _messages(tracker_store, sender):
        if isinstance(item, PatientMessage):
            break
        if isinstance(item, BotMessage):
            turn.append({"text": item.text, "buttons": item.buttons})
    return list(reversed(turn))


async def payload_for_number(tracker_store: Any, sender: str, text: str) -> Optional[str]:
    """The payload of the option a number reply chooses in the last turn; None if it chooses none."""
    number = chosen_number(text)
    if number is None:
        return None
    options = [o for group in turn_options(await last_turn(tracker_store, sender)) for o in group]
    return options[number - 1].payload if 1 <= number <= len(options) else None


async def payload_for_token(tracker_store: Any, sender: str, token: str) -> Optional[str]:
    """The payload of the button the bot offered in this conversation whose token this is."""
    for item in await _messages(tracker_store, sender):
        if isinstance(item, BotMessage):
            for button in item.buttons:
                payload = button["payload"]
                if payload and button_token(payload) == token:
                    return payload
    return None
