"""`make run`: starts the action server, the Rasa server, the web widget's demo site and the
review console on the embedded defaults, prints how to chat, and owns what it started: Ctrl-C or
SIGTERM at any moment (start-up included) stops every process it started; a port already in use
is reported with what holds it; a process that dies while running is restarted, with back-off,
and said so, while the others go on (the Rasa server answers with the helpline while the action
server is away)."""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import psutil

from channels.registry import guide, messaging_apps
from core.settings import settings
from stack.processes import Stack, is_channel_on

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 60.0
# a process up this long after a restart is well again: its next failure starts the back-off anew
HEALTHY_AFTER_SECONDS = 60.0


class Stopped(Exception):
    """SIGTERM, raised wherever `make run` is (start-up included), like Ctrl-C's KeyboardInterrupt."""


def has_staff(stack: Stack) -> bool:
    from review_console.accounts import any_staff
    from review_console.database import console_engine

    with console_engine(stack.console_db_url).connect() as db:
        return any_staff(db)


def stack_from_env() -> Stack:
    """The ports from RASA_PORT, ACTIONS_PORT, WIDGET_PORT and CONSOLE_PORT; the logs, the
    conversations and the console's database in RUN_DIR (default var/)."""
    given = settings()
    run_dir = given.run_dir
    return Stack(
        rasa_port=given.rasa_port,
        actions_port=given.actions_port,
        interface=given.rasa_interface,
        widget_port=given.widget_port,
        console_port=given.console_port,
        log_dir=run_dir / "log",
        tracker_db=run_dir / "tracker.db",
        console_db=run_dir / "console.db",
    )


def ports_of(stack: Stack) -> List[Tuple[str, int, str]]:
    """(process, port, the variable that moves it) for every port `make run` listens on."""
    ports = [("Rasa server", stack.rasa_port, "RASA_PORT"), ("action server", stack.actions_port, "ACTIONS_PORT")]
    if stack.widget_port:
        ports.append(("web chat demo", stack.widget_port, "WIDGET_PORT"))
    if stack.console_port:
        ports.append(("review console", stack.console_port, "CONSOLE_PORT"))
    return ports


def holder_of(port: int) -> Optional[str]:
    """What listens on `port` ("PID 123: rasa run ..."), "another process" when it cannot be
    told, None when the port is free."""
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            if connection.pid is None:
                return "another process"
            try:
                command = " ".join(psutil.Process(connection.pid).cmdline())[:120]
            except psutil.Error:
                command = "a process that has just exited"
            return f"PID {connection.pid}: {command}"
    return None


def ports_in_use(stack: Stack) -> List[str]:
    return [
        f"Port {port} ({name}) is in use by {holder}: stop it, or set {variable}=another port."
        for name, port, variable in ports_of(stack)
        if (holder := holder_of(port)) is not None
    ]


@dataclass
class Restarts:
    """When each process that died may be started again, doubling the wait each time."""

    waits: Dict[str, float] = field(default_factory=dict)
    due: Dict[str, float] = field(default_factory=dict)
    started: Dict[str, float] = field(default_factory=dict)

    def plan(self, name: str, now: float) -> float:
        if now - self.started.get(name, 0.0) > HEALTHY_AFTER_SECONDS:
            self.waits.pop(name, None)
        wait = self.waits.get(name, FIRST_RETRY_SECONDS / 2) * 2
        self.waits[name] = min(wait, LONGEST_RETRY_SECONDS)
        self.due[name] = now + self.waits[name]
        return self.waits[name]


def print_urls(stack: Stack) -> None:
    url = stack.rasa_url
    channels = "\n".join(
        f"  {name + ':':<15} "
        + (f"{url}/webhooks/{name}/webhook" if is_channel_on(url, name) else f"off (see {guide(name)})")
        for name in messaging_apps()
    )
    no_staff = "" if has_staff(stack) else "; create the first account with: make create-staff USERNAME=you ROLE=admin"
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


def keep_running(stack: Stack) -> None:
    """Until Ctrl-C or SIGTERM: restarts, with back-off, any process that stopped."""
    restarts = Restarts()
    while True:
        now = time.monotonic()
        for name, process in list(stack.processes.items()):
            if process.poll() is not None and name not in restarts.due:
                wait = restarts.plan(name, now)
                print(
                    f"The {name} process stopped (exit {process.returncode}); restarting it in {wait:g} s "
                    f"(see {stack.log_dir / (name + '.log')}).",
                    file=sys.stderr,
                    flush=True,
                )
        for name, due in list(restarts.due.items()):
            if now >= due:
                del restarts.due[name]
                try:
                    stack.restart(name)
                except RuntimeError as e:
                    print(f"The {name} process did not come back: {e}", file=sys.stderr, flush=True)
                    continue
                restarts.started[name] = time.monotonic()
                print(f"The {name} process is running again.", flush=True)
        time.sleep(0.5)


def _stop_on_sigterm(*_: object) -> None:
    raise Stopped()


def main() -> int:
    stack = stack_from_env()
    busy = ports_in_use(stack)
    if busy:
        print("\n".join(busy), file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        print("Starting the action server and the Rasa server (about a minute)...", flush=True)
        try:
            stack.start()
        except RuntimeError as e:
            print(f"Could not start the bot: {e}", file=sys.stderr)
            return 1
        print_urls(stack)
        keep_running(stack)
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        # whatever happened, nothing `make run` started outlives it
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("Stopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
