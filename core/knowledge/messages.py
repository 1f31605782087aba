"""The messages file: the helpline and every reply that is not a knowledge-base answer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from core.knowledge.source_files import SourceDocument
from core.knowledge.validation import normalise_space
from core.settings import settings


def messages_path() -> Path:
    return settings().messages_path()


@dataclass(frozen=True)
class Helpline:
    name: str
    number: str
    tel: str
    source_doc: Optional[str]
    source_quote: Optional[str]


@dataclass(frozen=True)
class Reply:
    topic: str
    text: str
    then: Optional[str] = None
    cite_helpline: bool = False


@dataclass(frozen=True)
class Messages:
    helpline: Helpline
    replies: Mapping[str, Reply]
    system: Mapping[str, Reply]
    feedback: Mapping[str, str]

    def render(self, text: str, **values: Any) -> str:
        """Fills the helpline placeholders (and any extra values) into a text."""
        return " ".join(
            text.format(helpline_name=self.helpline.name, helpline_number=self.helpline.number, **values).split()
        )

    def helpline_metadata(self) -> Dict[str, Any]:
        """The helpline as the channels show it beside a message (a call button, a tel: link)."""
        h = self.helpline
        return {"helpline": {"name": h.name, "number": h.number, "tel": h.tel}}


def _reply(raw: Mapping[str, Any]) -> Reply:
    return Reply(
        topic=str(raw["topic"]),
        text=str(raw["text"]),
        then=raw.get("then"),
        cite_helpline=bool(raw.get("cite_helpline", False)),
    )


def load_messages(path: Optional[Path] = None) -> Messages:
    """Reads and parses the messages file; raises ValueError naming what is missing."""
    path = path or messages_path()
    with path.open(encoding="utf-8") as f:
        raw: Dict[str, Any] = yaml.safe_load(f) or {}
    try:
        h = raw["helpline"]
        source = h.get("source") or {}
        return Messages(
            helpline=Helpline(
                name=str(h["name"]),
                number=str(h["number"]),
                tel=str(h.get("tel") or "".join(ch for ch in str(h["number"]) if ch.isdigit() or ch == "+")),
                source_doc=source.get("doc"),
                source_quote=source.get("quote"),
            ),
            replies={k: _reply(v) for k, v in (raw.get("replies") or {}).items()},
            system={k: _reply(v) for k, v in (raw.get("system") or {}).items()},
            feedback={k: str(v) for k, v in (raw.get("feedback") or {}).items()},
        )
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{path.name}: missing or malformed field {e}") from e


@lru_cache(maxsize=1)
def cached_messages() -> Messages:
    return load_messages()


REQUIRED_SYSTEM = (
    "fallback",
    "not_understood",
    "no_context",
    "unavailable",
    "empty_message",
    "too_long",
    "too_many_messages",
    "not_text",
    "expired_button",
)
REQUIRED_FEEDBACK = (
    "question",
    "helpful_button",
    "not_helpful_button",
    "thanks_helpful",
    "thanks_not_helpful",
    "nothing_to_rate",
)


def validate_messages(messages: Messages, documents: Mapping[str, SourceDocument]) -> List[str]:
    problems: List[str] = []
    h = messages.helpline
    if h.source_doc:
        doc = documents.get(h.source_doc)
        if doc is None:
            problems.append(f"messages.yml: helpline source document {h.source_doc!r} does not exist")
        elif not h.source_quote or normalise_space(h.source_quote) not in normalise_space(doc.text):
            problems.append("messages.yml: the helpline's source quote is not in its document")
        elif h.number not in doc.text:
            problems.append(
                f"messages.yml: helpline number {h.number!r} is not the one in document {h.source_doc!r}; "
                "remove `source` when configuring another helpline"
            )
    for name in REQUIRED_SYSTEM:
        if name not in messages.system:
            problems.append(f"messages.yml: system message {name!r} is missing")
    for name in REQUIRED_FEEDBACK:
        if name not in messages.feedback:
            problems.append(f"messages.yml: feedback text {name!r} is missing")
    texts = [(f"replies.{k}", r.text) for k, r in messages.replies.items()]
    texts += [(f"replies.{k}.then", r.then) for k, r in messages.replies.items() if r.then]
    texts += [(f"system.{k}", r.text) for k, r in messages.system.items()]
    texts += [(f"feedback.{k}", t) for k, t in messages.feedback.items()]
    for where, text in texts:
        try:
            messages.render(text, max_chars=0)
        except (KeyError, IndexError, ValueError) as e:
            problems.append(f"messages.yml: {where}: bad placeholder {e}")
        for doc in documents.values():
            for banned in doc.never_offer:
                if banned in text:
                    problems.append(f"messages.yml: {where} offers {banned!r} from document {doc.id!r}")
    return problems
