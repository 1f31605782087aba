"""A member of staff using the running review console over HTTP: signs in, reads the CSRF token
from each page's forms, posts forms the way the browser does, and waits for the console's
indexing loop to list a conversation just held."""

from __future__ import annotations

import re
import time
from typing import Any, Dict, Optional

import requests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# The console's indexing loop reads new events every few seconds (review_console/serve.py).
INDEXING_DEADLINE_SECONDS = 10.0


class ConsoleClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.csrf = ""

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        r = self.http.get(self.url(path), timeout=30, allow_redirects=kwargs.pop("allow_redirects", False), **kwargs)
        found = CSRF.search(r.text) if r.headers.get("Content-Type", "").startswith("text/html") else None
        if found:
            self.csrf = found.group(1)
        return r

    def post(self, path: str, data: Optional[Dict[str, Any]] = None, csrf: Optional[str] = None) -> requests.Response:
        """Posts a form with this session's CSRF token (or `csrf`, to try another one)."""
        body = {"csrf_token": self.csrf if csrf is None else csrf, **(data or {})}
        return self.http.post(self.url(path), data=body, timeout=60, allow_redirects=False)

    def sign_in(self, username: str, password: str) -> requests.Response:
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password})
        if r.status_code == 303:
            self.get("/conversations")  # the signed-in session's CSRF token
        return r

    def ids_listed(self, query: str = "") -> set:
        r = self.get(f"/conversations{query}")
        assert r.status_code == 200, r.text[:500]
        return set(re.findall(r'href="/conversations/([^"?#]+)"', r.text))

    def wait_until_listed(self, conversation_id: str, query: str) -> None:
        """Polls the list (`query`: a search for the conversation's last message, so that the
        whole conversation is indexed) until it shows the conversation or the deadline passes;
        the test then asserts what it needs."""
        deadline = time.monotonic() + INDEXING_DEADLINE_SECONDS
        while conversation_id not in self.ids_listed(query) and time.monotonic() < deadline:
            time.sleep(0.25)
