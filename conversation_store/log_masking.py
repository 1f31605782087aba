"""Masks personal identifiers in log records, so that what Rasa logs about a message (its text,
at debug level) reaches the log masked like the stored message. `install()` puts the filter on
the root logger's handlers, which every record of the process passes through."""

from __future__ import annotations

import logging
import threading

from conversation_store import masking

# Longer messages (a database error quoting a whole statement and its parameters) are cut: masking
# takes about 15 ms a kilobyte, in the server's event loop, just when a part is failing.
LONGEST_MESSAGE = 1000


class MaskingFilter(logging.Filter):
    """Replaces a record's message by its masked form (the arguments merged in first; a message
    longer than LONGEST_MESSAGE cut to it first). Records that masking itself logs while it masks
    (Presidio's, about its set-up) pass as they are."""

    _masking = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(self._masking, "active", False):
            return True
        self._masking.active = True
        try:
            message = record.getMessage()
            if len(message) > LONGEST_MESSAGE:
                message = f"{message[:LONGEST_MESSAGE]} [{len(message) - LONGEST_MESSAGE} more characters not logged]"
                record.msg, record.args = message, None
            masked = masking.mask(message)
        finally:
            self._masking.active = False
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install() -> None:
    """Masks every record of every handler the root logger has (once per handler), with the
    masking loaded first."""
    masking.load()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
