"""A messaging channel's settings, read from environment variables (read by core/settings.py)
so that no secret is in the repository. A channel whose required variables are not all set is
off, and says so in one log line that names the variables that turn it on."""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Tuple

from core.settings import settings, text

logger = logging.getLogger(__name__)


def read_settings(
    channel: str,
    required: Mapping[str, str],
    optional: Mapping[str, Tuple[str, Optional[str]]],
    credentials: Optional[Mapping[str, Any]] = None,
    env: Optional[Mapping[str, str]] = None,
    guide: str = "",
) -> Optional[Dict[str, str]]:
    """{setting: value}, or None when the channel is off.

    `required` maps a setting to its variable; `optional` maps one to (variable, default). A
    non-secret optional setting may also be given in credentials.yml; the variable wins.
    """
    missing = [variable for variable in required.values() if not text(variable, env)]
    if missing:
        logger.info(
            "%s channel is off: set %s to turn it on%s",
            channel,
            ", ".join(missing),
            f" (see {guide})" if guide else "",
        )
        return None
    values = {key: str(text(variable, env)) for key, variable in required.items()}
    for key, (variable, default) in optional.items():
        value = text(variable, env) or str((credentials or {}).get(key) or "").strip()
        if value or default is not None:
            values[key] = value or str(default)
    return values


def api_timeout() -> float:
    """Seconds to wait for a platform's API before the reply counts as failed (then retried once)."""
    return settings().messaging_api_timeout_seconds
