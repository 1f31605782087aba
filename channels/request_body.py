"""Reading a channel request's JSON body and its message text, with errors that say what is
wrong (ValueError), shared by the project's channels."""

from __future__ import annotations

from typing import Any, Dict

from sanic.request import Request


def parse_json(request: Request) -> Any:
    """The decoded body (None when there is none); ValueError when it is not JSON."""
    try:
        return request.json
    except Exception as e:  # sanic raises its own InvalidUsage for broken JSON
        raise ValueError("the body is not valid JSON") from e


def message_text(body: Dict[str, Any]) -> str:
    """The `message` field: a string, empty when absent."""
    text = body.get("message")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ValueError("`message` must be a string")
    return text
