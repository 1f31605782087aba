"""Reading a channel request's JSON body and its message text, with errors that say what is
wrong (ValueError), shared by the project's channels."""

from __future__ import annotations

import json
from typing import Any, Dict

from sanic.request import Request


def parse_json(request: Request) -> Any:
    """The decoded body (None when there is none); ValueError when it is not JSON."""
    try:
        body = request.json
    except Exception as e:  # sanic raises its own InvalidUsage for broken JSON
        raise ValueError("the body is not valid JSON") from e
    try:  # JSON may escape half a character ("\\udfff"), which could never be stored
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError("the body contains text that is not valid Unicode") from e
    return body


def message_text(body: Dict[str, Any]) -> str:
    """The `message` field: a string, empty when absent."""
    text = body.get("message")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ValueError("`message` must be a string")
    return text
