"""The shared frame of the project's actions: messages and knowledge base at hand, and a polite
reply with the helpline instead of a crash when the knowledge database cannot be read."""

from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.knowledge.messages import Messages, cached_messages
from actions.knowledge.repository import KnowledgeRepository
from actions.replies import send_reply

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
        except SQLAlchemyError:
            logger.exception("knowledge database unavailable in %s", self.name())
            dispatcher.messages.clear()
            send_reply(dispatcher, messages, messages.system["unavailable"], documents={})
            return []
