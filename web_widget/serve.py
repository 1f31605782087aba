"""Serves the chat widget's files (`/widget/widget.js`, `widget.css`, `helpline.json`) and a demo
site hosting it (`/`, `/about.html`). Nothing is fetched from elsewhere: the pages' Content
Security Policy allows scripts and styles from this server and connections to the bot only.

    python -m web_widget.serve --port 8080 --bot-url http://localhost:5005
"""

from __future__ import annotations

import argparse
import json
import mimetypes
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple

from core.knowledge.messages import cached_messages

HERE = Path(__file__).resolve().parent
FILES: Dict[str, Path] = {
    "/": HERE / "site" / "index.html",
    "/index.html": HERE / "site" / "index.html",
    "/about.html": HERE / "site" / "about.html",
    "/site.css": HERE / "site" / "site.css",
    "/widget/widget.js": HERE / "static" / "widget.js",
    "/widget/widget.css": HERE / "static" / "widget.css",
    # axe-core for the accessibility tests, when installed (npm ci in web_widget/).
    "/test-tools/axe.min.js": HERE / "node_modules" / "axe-core" / "axe.min.js",
}


def helpline_json() -> bytes:
    h = cached_messages().helpline
    return json.dumps({"name": h.name, "number": h.number, "tel": h.tel}).encode()


def make_handler(bot_url: str) -> type:
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {bot_url}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )

    class Handler(BaseHTTPRequestHandler):
        server_version = "calcifications-widget"

        def _content(self) -> Optional[Tuple[bytes, str]]:
            path = self.path.split("?", 1)[0]
            if path == "/widget/helpline.json":
                return helpline_json(), "application/json"
            file = FILES.get(path)
            if file is None or not file.exists():
                return None
            body = file.read_bytes()
            if file.suffix == ".html":
                body = body.replace(b"{{BOT_URL}}", bot_url.encode())
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return body, f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else kind

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            found = self._content()
            if found is None:
                self.send_error(HTTPStatus.NOT_FOUND, "Not found")
                return
            body, kind = found
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            if kind.startswith("text/html"):
                self.send_header("Content-Security-Policy", csp)
            if self.path.startswith("/widget/"):
                self.send_header("Access-Control-Allow-Origin", "*")  # the widget may be embedded anywhere
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt: str, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--bot-url", default="http://localhost:5005")
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.interface, args.port), make_handler(args.bot_url.rstrip("/")))
    print(f"Widget demo on http://{args.interface}:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
