"""What the Rasa server does when a part it depends on fails: the action server down, slow or
erroring, the tracker store's database or the knowledge database unavailable.

A patient still gets a reply within the reply deadline (channels/bot_replies.py answers with the
`unavailable` message and the helpline); each such reply is logged with its reason and counted
(staff and monitoring read the counts at GET /webhooks/rest/unanswered, see
channels/rest_with_metadata.py); and the message the patient wrote, masked like a stored one, is
appended to the unanswered-messages file so that nothing they wrote is lost even when the tracker
store could not keep it.

Settings (core/settings.py): ACTION_TIMEOUT_SECONDS, how long Rasa waits for the action server
(rasa_patches); REPLY_DEADLINE_SECONDS, when the patient gets the `unavailable` reply if the bot
has not answered yet (the message is still processed and stored); UNANSWERED_LOG, the
unanswered-messages file.
"""

from __future__ import annotations

import logging

from conversation_store.unanswered import UnansweredMessages

logger = logging.getLogger(__name__)

# Why a patient got the `unavailable` reply.
TIMEOUT = "timeout"  # no answer by the deadline (a slow action server or database)
ERROR = "error"  # the tracker store or the lock store failed
NO_REPLY = "no_reply"  # processed, but the bot said nothing (an action failed)


UNANSWERED = UnansweredMessages(reasons=(TIMEOUT, ERROR, NO_REPLY))
