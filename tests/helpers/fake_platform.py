"""A fake of the messaging platforms' APIs on 127.0.0.1, for tests: it records every call the bot
makes (sending a reply, registering a webhook) and answers as the platform would, or with an
error or a delay for the recipients a test chooses."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs


@dataclass
class Call:
    path: str
    headers: Dict[str, str]
    body: Dict[str, Any]  # JSON, or the form's fields

    @property
    def method(self) -> str:
        """The API method: sendMessage, chat.postMessage, messages, Messages.json."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    @property
    def recipient(self) -> str:
        b = self.body
        recipient = b.get("chat_id") or b.get("channel") or (b.get("recipient") or {}).get("id") or b.get("To")
        return str(recipient or "")

    @property
    def text(self) -> str:
        b = self.body
        return str(b.get("text") or (b.get("message") or {}).get("text") or b.get("Body") or "")


class FakePlatform:
    def __init__(self, port: int) -> None:
        self.port = port
        self.calls: List[Call] = []
        self._failing: Dict[str, int] = {}  # recipient -> HTTP status
        self._slow: Dict[str, float] = {}  # recipient -> seconds
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakePlatform:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_for(self, recipient: str, status: int = 500) -> None:
        self._failing[recipient] = status

    def slow_for(self, recipient: str, seconds: float) -> None:
        self._slow[recipient] = seconds

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_to(self, recipient: str, method: Optional[str] = None) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.recipient == recipient and (method is None or c.method == method)]

    def wait_for(self, found: Callable[[], List[Call]], count: int = 1, seconds: float = 60) -> List[Call]:
        """The calls `found` returns once there are at least `count`; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            calls = found()
            if len(calls) >= count:
                return calls
            time.sleep(0.1)
        raise AssertionError(f"expected {count} platform call(s) within {seconds}s; got {found()}")

    def replies_to(self, recipient: str, method: str, count: int = 1, settle: float = 0.7) -> List[Call]:
        """Waits for at least `count` calls, then a moment more for the rest of the turn."""
        self.wait_for(lambda: self.calls_to(recipient, method), count)
        time.sleep(settle)
        return self.calls_to(recipient, method)

    def _handler(self) -> type:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                call = Call(self.path, dict(self.headers.items()), body)
                platform._record(call)
                time.sleep(platform._slow.get(call.recipient, 0))
                status = platform._failing.get(call.recipient)
                if status:
                    self._answer(status, {"ok": False, "error": "fake platform error"})
                elif call.method == "Messages.json":
                    self._answer(201, {"sid": f"SM{len(platform.calls):032d}", "status": "queued"})
                else:
                    self._answer(200, {"ok": True, "result": True, "message_id": "m.fake", "ts": "1.0"})

            def _answer(self, status: int, body: Dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot gave up waiting (a timeout test)

        return Handler
