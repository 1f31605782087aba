"""How the Rasa server calls the action server, adjusted where Rasa 3.6 offers no setting.

- It waits at most ACTION_TIMEOUT_SECONDS (core/settings.py) for an answer, instead of Rasa's constant
  of five minutes, so that a patient hears within two seconds that the bot cannot answer
  (channels/outages.py).
- It checks each answer against Rasa's schema with a validator built once. Rasa calls
  `jsonschema.validate`, which first checks the schema itself, on every call: a third of the
  Rasa server's time per message (measured with py-spy; bench/README.md).

Both are applied when the project's channels are loaded (channels/bot_replies.py imports this), so
before the first message. Rasa reads the module constant and calls the method at each action."""

from __future__ import annotations

from typing import Any, Dict

import rasa.core.actions.action as rasa_actions
from jsonschema import ValidationError
from jsonschema.validators import validator_for

from core.settings import settings

_SCHEMA = rasa_actions.RemoteAction.action_response_format_spec()
_VALIDATOR = validator_for(_SCHEMA)(_SCHEMA)


def _validate_action_result(_: Any, result: Dict[str, Any]) -> bool:
    """Rasa's RemoteAction._validate_action_result, with the validator built once."""
    try:
        _VALIDATOR.validate(result)
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {rasa_actions.DOCS_BASE_URL}"
            "/custom-actions"
        )
        raise
    return True


def configure_remote_actions() -> float:
    """Applies both adjustments; returns the timeout in seconds."""
    seconds = settings().action_timeout_seconds
    rasa_actions.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]
    rasa_actions.RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    return seconds
