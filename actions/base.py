"""The shared frame of the project's actions: messages and knowledge base at hand, and a polite
reply with the helpline instead of a crash when the knowledge database cannot be read or anything
else goes wrong. An exception escaping an action would make the action server answer 500 with the
whole tracker (the patient's unmasked words) in its body, which the Rasa server logs; so every
exception is caught here and logged by its type and stack only, never its message."""

from __future__ import annotations

import logging
import traceback
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.replies import send_reply
from core.knowledge.messages import Messages, cached_messages
from core.knowledge.repository import KnowledgeRepository

logger = logging.getLogger(__name__)


class KnowledgeAction(Action, metaclass=ABCMeta):
    """Subclasses implement `respond`; `run` supplies the knowledge base and handles outages.
    (Abstract, so that the action server does not register it as an action of its own.)"""

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeRepository, messages: Messages
    ) -> List[Dict[str, Any]]:
        raise NotImplementedError

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        messages = cached_messages()
        try:
            with KnowledgeRepository() as kb:
                return self.respond(dispatcher, tracker, kb, messages)
        except SQLAlchemyError as e:
            logger.error("knowledge database unavailable in %s: %s", self.name(), stack_of(e))
        except Exception as e:  # noqa: BLE001 - see the module's docstring
            logger.error("unexpected %s in %s: %s", type(e).__name__, self.name(), stack_of(e))
        dispatcher.messages.clear()
        send_reply(dispatcher, messages, messages.system["unavailable"], documents={})
        return []


def stack_of(error: BaseException) -> str:
    """Where the error happened (files, lines, code), without its message, which may quote what
    the patient wrote."""
    return f"{type(error).__name__} at " + "".join(traceback.format_tb(error.__traceback__)).strip()
