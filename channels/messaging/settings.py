"""A messaging channel's settings, read from environment variables so that no secret is in the
repository. A channel whose required variables are not all set is off, and says so in one log
line that names the variables that turn it on."""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, Mapping, Optional, Tuple

logger = logging.getLogger(__name__)

# Seconds to wait for a platform's API before the reply counts as failed (then retried once).
TIMEOUT_VARIABLE = "MESSAGING_API_TIMEOUT_SECONDS"
DEFAULT_TIMEOUT_SECONDS = 10.0


def read_settings(
    channel: str,
    required: Mapping[str, str],
    optional: Mapping[str, Tuple[str, Optional[str]]],
    credentials: Optional[Mapping[str, Any]] = None,
    env: Mapping[str, str] = os.environ,
    guide: str = "",
) -> Optional[Dict[str, str]]:
    """{setting: value}, or None when the channel is off.

    `required` maps a setting to its variable; `optional` maps one to (variable, default). A
    non-secret optional setting may also be given in credentials.yml; the variable wins.
    """
    missing = [variable for variable in required.values() if not env.get(variable, "").strip()]
    if missing:
        logger.info(
            "%s channel is off: set %s to turn it on%s",
            channel,
            ", ".join(missing),
            f" (see {guide})" if guide else "",
        )
        return None
    values = {key: env[variable].strip() for key, variable in required.items()}
    for key, (variable, default) in optional.items():
        given = env.get(variable, "").strip() or str((credentials or {}).get(key) or "").strip()
        if given or default is not None:
            values[key] = given or str(default)
    return values


def api_timeout(env: Mapping[str, str] = os.environ) -> float:
    try:
        return max(0.1, float(env.get(TIMEOUT_VARIABLE) or DEFAULT_TIMEOUT_SECONDS))
    except ValueError:
        logger.warning("%s is not a number; using %s", TIMEOUT_VARIABLE, DEFAULT_TIMEOUT_SECONDS)
        return DEFAULT_TIMEOUT_SECONDS
