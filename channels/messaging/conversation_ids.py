"""Conversation ids for messaging-app users: the channel name and a keyed hash of the platform's
user id (a phone number on SMS and WhatsApp), so that the tracker store and the review console never
hold the number itself, and two apps' users can never share a conversation."""

from __future__ import annotations

import hashlib
import hmac
from typing import Mapping, Optional

from channels.secret_store import load_secret
from core.paths import PROJECT_ROOT


class ConversationIds:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> ConversationIds:
        return cls(load_secret(env, PROJECT_ROOT / "var" / "channel_id_secret", "CHANNEL_ID_SECRET"))

    def for_user(self, channel: str, platform_user_id: str) -> str:
        digest = hmac.new(self._secret, f"{channel}:{platform_user_id}".encode(), hashlib.sha256).hexdigest()
        return f"{channel}-{digest[:32]}"
