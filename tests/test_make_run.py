"""`make run` owns its processes (stack/run.py), run as `make run` runs it: SIGTERM during start-up
leaves nothing running, a port in use is reported with what holds it, and an action server killed
while running is restarted while the Rasa server goes on answering."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import psutil
import pytest
import requests

from stack.processes import PROJECT_ROOT

pytestmark = pytest.mark.integration  # processes of its own

PORTS = {"RASA_PORT": 5125, "ACTIONS_PORT": 5175, "WIDGET_PORT": 8185, "CONSOLE_PORT": 8175}


class MakeRun:
    """`python -m stack.run` with its output collected line by line."""

    def __init__(self, run_dir: Path) -> None:
        env = {**os.environ, **{k: str(v) for k, v in PORTS.items()}, "RUN_DIR": str(run_dir)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stack.run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def children(self) -> List[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds:.0f}s: {what}"
        time.sleep(0.2)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture()
def make_run(tmp_path: Path) -> Iterator[Callable[[], MakeRun]]:
    started: List[MakeRun] = []

    def start() -> MakeRun:
        started.append(MakeRun(tmp_path))
        return started[-1]

    yield start
    for run in started:
        run.stop()


def test_sigterm_during_start_up_stops_everything_started(make_run: Callable[[], MakeRun]) -> None:
    run = make_run()
    # the widget, the console and the action server come up before the Rasa server
    until(lambda: listening(PORTS["ACTIONS_PORT"]), 120, "the action server started")
    children = run.children()
    assert children and not listening(PORTS["RASA_PORT"])
    run.stop()
    assert run.process.returncode == 0
    until(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in children), 30, "children gone")
    assert [port for port in PORTS.values() if listening(port)] == []


def test_a_port_in_use_is_reported_with_what_holds_it(make_run: Callable[[], MakeRun]) -> None:
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", PORTS["CONSOLE_PORT"]))
        held.listen()
        run = make_run()
        assert run.process.wait(timeout=60) == 1
        until(lambda: "in use" in run.output, 5, "the message")
    assert f"Port {PORTS['CONSOLE_PORT']} (review console) is in use by PID {os.getpid()}" in run.output
    assert "CONSOLE_PORT=another port" in run.output
    assert not run.children()


def test_a_dead_action_server_is_restarted_while_the_rasa_server_answers(make_run: Callable[[], MakeRun]) -> None:
    run = make_run()
    until(lambda: "The bot is running." in run.output, 240, "the bot started")
    actions: Dict[int, psutil.Process] = {
        p.pid: p for p in run.children() if "actions" in p.cmdline() and "run" in p.cmdline()
    }
    assert actions
    for p in actions.values():
        p.kill()
    url = f"http://127.0.0.1:{PORTS['RASA_PORT']}/webhooks/rest/webhook"
    replies = requests.post(url, json={"sender": "make-run-test", "message": "what is a biopsy?"}, timeout=30).json()
    assert replies and "0808 800 6000" in replies[0]["text"]  # the helpline while actions are away
    until(lambda: "The actions process is running again." in run.output, 120, "the action server restarted")
    assert "The actions process stopped" in run.output and "restarting it in 1 s" in run.output
    until(lambda: requests.get(f"http://127.0.0.1:{PORTS['ACTIONS_PORT']}/health", timeout=5).ok, 30, "healthy")
    assert all(p.poll() is None for p in [run.process])
    run.stop()
    assert [port for port in PORTS.values() if listening(port)] == []
