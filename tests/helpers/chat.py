"""A patient talking to the running bot through the REST channel (the `chat` fixture's class)."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import requests

from stack.processes import Stack


class Chat:
    """A patient talking to the running bot through the REST channel."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sender = f"test-{uuid.uuid4().hex}"
        self.http = requests.Session()

    def post(self, body: Any) -> requests.Response:
        return self.http.post(f"{self.stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)

    def say(self, text: str) -> List[Dict[str, Any]]:
        r = self.post({"sender": self.sender, "message": text})
        assert r.status_code == 200, r.text
        return r.json()

    def topic(self, text: str) -> str:
        return (self.say(text)[-1].get("metadata") or {}).get("topic")

    def tracker(self) -> Dict[str, Any]:
        r = self.http.get(
            f"{self.stack.rasa_url}/conversations/{self.sender}/tracker",
            params={"token": self.stack.api_token},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        return r.json()
