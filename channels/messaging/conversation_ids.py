"""Conversation ids for messaging-app users: the channel name and a keyed hash of the platform's
user id (a phone number on SMS and WhatsApp), so that the tracker store and the review console never
hold the number itself, and two apps' users can never share a conversation."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Mapping

from channels.secret_store import load_secret
from core.paths import PROJECT_ROOT

SECRET_VARIABLE = "CHANNEL_ID_SECRET"


class ConversationIds:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ConversationIds:
        return cls(load_secret(env, PROJECT_ROOT / "var" / "channel_id_secret", SECRET_VARIABLE))

    def for_user(self, channel: str, platform_user_id: str) -> str:
        digest = hmac.new(self._secret, f"{channel}:{platform_user_id}".encode(), hashlib.sha256).hexdigest()
        return f"{channel}-{digest[:32]}"
