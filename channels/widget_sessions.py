"""Session tokens for the web widget channel.

A session token is issued and signed by the server: `v1.<conversation id>.<issued at>.<signature>`,
the signature an HMAC-SHA256 over the rest with a server secret. The browser only holds the token;
it cannot choose a conversation id, and a forged, altered or expired token is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Callable, Optional

VERSION = "v1"


class InvalidSession(Exception):
    """The token is missing, malformed, wrongly signed or expired."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class SessionSigner:
    def __init__(self, secret: bytes, lifetime_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self.lifetime = lifetime_seconds
        self._clock = clock

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._secret, body.encode(), hashlib.sha256).digest())

    def issue(self) -> str:
        body = f"{VERSION}.web-{secrets.token_hex(16)}.{int(self._clock())}"
        return f"{body}.{self._sign(body)}"

    def verify(self, token: Optional[str]) -> str:
        """The conversation id the token was issued for, or raises InvalidSession."""
        if not token or not isinstance(token, str) or len(token) > 200:
            raise InvalidSession("no session token")
        if not token.isascii():
            # hmac.compare_digest refuses non-ASCII strings with a TypeError (a 500).
            raise InvalidSession("malformed session token")
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != VERSION:
            raise InvalidSession("malformed session token")
        body, signature = ".".join(parts[:3]), parts[3]
        if not hmac.compare_digest(signature, self._sign(body)):
            raise InvalidSession("session token signature does not match")
        try:
            issued = int(parts[2])
        except ValueError as e:
            raise InvalidSession("malformed session token") from e
        if not 0 <= self._clock() - issued <= self.lifetime:
            raise InvalidSession("session expired")
        return parts[1]

    def expires_at(self, token: str) -> int:
        return int(token.split(".")[2]) + self.lifetime
