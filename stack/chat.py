"""Chat with the running bot in the terminal (`make shell`), through its REST channel: answers
with their sources, follow-up buttons as numbers.

    python -m stack.chat [--url http://localhost:5005]
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any, Dict, List

import requests


def show(replies: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    buttons: List[Dict[str, str]] = []
    for reply in replies:
        print(f"\nBot: {reply.get('text', '')}")
        for button in reply.get("buttons") or []:
            buttons.append(button)
            print(f"  [{len(buttons)}] {button['title']}")
    return buttons


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005")
    args = parser.parse_args(argv)
    endpoint = args.url.rstrip("/") + "/webhooks/rest/webhook"
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    print("Type a question (a number picks a button; Ctrl-D to quit).")
    buttons: List[Dict[str, str]] = []
    while True:
        try:
            text = input("\nYou: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            r = requests.post(endpoint, json={"sender": sender, "message": text}, timeout=60)
            r.raise_for_status()
        except requests.RequestException as e:
            print(f"The bot cannot be reached at {args.url}: {e}. Is `make run` running?", file=sys.stderr)
            return 1
        buttons = show(r.json())


if __name__ == "__main__":
    sys.exit(main())
