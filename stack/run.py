"""`make run`: starts the action server, the Rasa server, the web widget's demo site and the
review console on the embedded defaults, prints how to chat, and stops them all on Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import time

from stack.processes import Stack, is_channel_on

MESSAGING_CHANNELS = ("telegram", "slack", "messenger", "sms", "whatsapp")


def has_staff() -> bool:
    from review_console.accounts import any_staff
    from review_console.database import console_engine
    from review_console.settings import Settings

    with console_engine(Settings.from_env().console_db_url).connect() as db:
        return any_staff(db)


def main() -> int:
    stack = Stack(
        rasa_port=int(os.environ.get("RASA_PORT", 5005)),
        actions_port=int(os.environ.get("ACTIONS_PORT", 5055)),
        interface=os.environ.get("RASA_INTERFACE", "127.0.0.1"),
        widget_port=int(os.environ.get("WIDGET_PORT", 8080)),
        console_port=int(os.environ.get("CONSOLE_PORT", 8070)),
    )
    print("Starting the action server and the Rasa server (about a minute)...", flush=True)
    try:
        stack.start()
    except RuntimeError as e:
        print(f"Could not start the bot: {e}", file=sys.stderr)
        return 1
    url = stack.rasa_url
    channels = "\n".join(
        f"  {name + ':':<15} "
        + (f"{url}/webhooks/{name}/webhook" if is_channel_on(url, name) else f"off (see docs/channels/{name}.md)")
        for name in MESSAGING_CHANNELS
    )
    no_staff = "" if has_staff() else "; create the first account with: make create-staff USERNAME=you ROLE=admin"
    print(
        f"""
The bot is running.
  Rasa server:    {url}   (REST channel: {url}/webhooks/rest/webhook)
  Action server:  {stack.actions_url}
  Web chat demo:  {stack.widget_url}/   (the widget on a demo page; embed it with
                  <script src="{stack.widget_url}/widget/widget.js" data-bot-url="{url}" defer></script>)
  Review console: {stack.console_url}/   (for support staff{no_staff})
  Logs:           {stack.log_dir}
Messaging apps (webhook URLs; each app reaches them through your public HTTPS address):
{channels}

Chat in the terminal:   make shell     (in another terminal)
Or over HTTP:
  curl -s -X POST {url}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
       -d '{{"sender": "me", "message": "will the clip set off airport alarms?"}}'

Press Ctrl-C to stop.""",
        flush=True,
    )
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping:
            for name, p in list(stack.processes.items()):
                if p.poll() is not None:
                    print(f"The {name} process stopped (exit {p.returncode}); see {stack.log_dir}.", file=sys.stderr)
                    stopping.append(True)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
