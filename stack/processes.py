"""The action server and the Rasa server as child processes, with readiness checks."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from core.paths import PROJECT_ROOT
from core.settings import Settings, settings

BIN = Path(sys.executable).parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "calcifications.tar.gz"
# The `rasa` command with the project's patches of Rasa applied (rasa_patches), for training the
# project's model and for its Rasa server.
PATCHED_RASA = [sys.executable, "-m", "rasa_patches"]
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def is_up(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status < 500
    except (urllib.error.URLError, OSError, ValueError):
        return False


def is_channel_on(rasa_url: str, channel: str) -> bool:
    """Whether a messaging channel has its settings (its health route says "ok", not "off")."""
    try:
        with urllib.request.urlopen(f"{rasa_url}/webhooks/{channel}/", timeout=2) as r:
            return json.load(r).get("status") == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_up(url: str, process: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}; see {log}:\n{tail(log)}")
        if is_up(url):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {seconds:.0f}s; see {log}:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def write_endpoints(path: Path, actions_port: int, tracker_db: Path) -> Path:
    """An endpoints file like the project's, pointing at another port and tracker database."""
    with (PROJECT_ROOT / "endpoints.yml").open() as f:
        endpoints = yaml.safe_load(f)
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    endpoints["tracker_store"]["db"] = str(tracker_db)
    path.write_text(yaml.safe_dump(endpoints))
    return path


@dataclass
class Stack:
    """An action server and a Rasa server. `api_token` enables Rasa's HTTP API with that token."""

    rasa_port: int = 5005
    actions_port: int = 5055
    model: Path = DEFAULT_MODEL
    tracker_db: Path = PROJECT_ROOT / "var" / "tracker.db"
    log_dir: Path = PROJECT_ROOT / "var" / "log"
    env: Dict[str, str] = field(default_factory=dict)
    api_token: Optional[str] = None
    interface: str = "127.0.0.1"
    widget_port: Optional[int] = None  # the widget's files and demo site; None: not started
    console_port: Optional[int] = None  # the review console; None: not started
    console_db: Path = PROJECT_ROOT / "var" / "console.db"
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def console_db_url(self) -> str:
        given = settings()
        return given.console_db_url if given.given("CONSOLE_DB_URL") else f"sqlite:///{self.console_db}"

    @property
    def widget_url(self) -> str:
        return f"http://127.0.0.1:{self.widget_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    def widget_origins(self) -> List[str]:
        """The sites allowed to use the widget channel: WIDGET_ALLOWED_ORIGINS, else the demo site."""
        configured = Settings.from_env({**os.environ, **self.env}).widget_origins()
        demo = (
            [f"http://127.0.0.1:{self.widget_port}", f"http://localhost:{self.widget_port}"] if self.widget_port else []
        )
        return configured or demo

    def spawn(self, name: str, args: List[str], extra_env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **QUIET_ENV, **self.env, **(extra_env or {})}
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
            process = subprocess.Popen(
                args,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_actions(self, timeout: float = 90, name: str = "actions", port: Optional[int] = None) -> None:
        port = port or self.actions_port
        # Only the Rasa servers of this machine call it (endpoints.yml: localhost), so it listens
        # on the loopback interface alone; rasa_sdk reads the address from SANIC_HOST (default
        # every interface).
        p = self.spawn(
            name,
            [str(BIN / "rasa"), "run", "actions", "--port", str(port), "--actions", "actions"],
            {"SANIC_HOST": "127.0.0.1"},
        )
        wait_until_up(f"http://127.0.0.1:{port}/health", p, timeout, self.log_dir / f"{name}.log")

    def start_rasa(
        self, timeout: float = 180, name: str = "rasa", port: Optional[int] = None, endpoints: Optional[Path] = None
    ) -> None:
        """A Rasa server; `endpoints` defaults to the project's, pointed at this stack's action
        server and tracker database."""
        self.launch_rasa(name, port, endpoints)
        self.wait_for(name, port or self.rasa_port, timeout)

    def launch_rasa(self, name: str = "rasa", port: Optional[int] = None, endpoints: Optional[Path] = None) -> None:
        """Starts a Rasa server without waiting for it (several start faster side by side)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if endpoints is None:
            endpoints = write_endpoints(self.log_dir / "endpoints.yml", self.actions_port, self.tracker_db)
        args = [
            *PATCHED_RASA,
            "run",
            "--model",
            str(self.model),
            "--port",
            str(port or self.rasa_port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(PROJECT_ROOT / "credentials.yml"),
            "--interface",
            self.interface,
        ]
        origins = self.widget_origins()
        if origins:
            args += ["--cors", *origins]
        env = {"WIDGET_ALLOWED_ORIGINS": ",".join(origins)} if origins else {}
        if self.api_token:
            args += ["--enable-api", f"--auth-token={self.api_token}"]
            # Staff and monitoring read the unanswered counts with the same token.
            env["MONITORING_TOKEN"] = self.api_token
        self.spawn(name, args, env)

    def wait_for(self, name: str, port: int, timeout: float = 180) -> None:
        wait_until_up(f"http://127.0.0.1:{port}/", self.processes[name], timeout, self.log_dir / f"{name}.log")

    def start_widget(self, timeout: float = 30) -> None:
        bot_url = (
            f"http://{'127.0.0.1' if self.interface in ('127.0.0.1', '0.0.0.0') else self.interface}:{self.rasa_port}"
        )
        p = self.spawn(
            "widget",
            [
                sys.executable,
                "-m",
                "web_widget.serve",
                "--port",
                str(self.widget_port),
                "--interface",
                self.interface,
                "--bot-url",
                bot_url,
            ],
        )
        wait_until_up(f"{self.widget_url}/widget/widget.js", p, timeout, self.log_dir / "widget.log")

    def start_console(self, timeout: float = 60) -> None:
        """The review console, reading this stack's tracker store."""
        p = self.spawn(
            "console",
            [
                sys.executable,
                "-m",
                "review_console.serve",
                "--port",
                str(self.console_port),
                "--interface",
                self.interface,
            ],
            {
                "TRACKER_DB_URL": settings().tracker_db_url or f"sqlite:///{self.tracker_db}",
                "CONSOLE_DB_URL": self.console_db_url,
            },
        )
        wait_until_up(f"{self.console_url}/login", p, timeout, self.log_dir / "console.log")

    def start(self) -> Stack:
        try:
            if self.widget_port:
                self.start_widget()
            if self.console_port:
                self.start_console()
            self.start_actions()
            self.start_rasa()
        except BaseException:  # a failure, Ctrl-C or SIGTERM: nothing started is left running
            self.stop()
            raise
        return self

    def restart(self, name: str) -> None:
        """Starts one of the stack's processes again (after it stopped)."""
        starters = {
            "actions": self.start_actions,
            "rasa": self.start_rasa,
            "widget": self.start_widget,
            "console": self.start_console,
        }
        self.stop_process(name)
        starters[name]()

    def stop_process(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stops a process (SIGTERM: gracefully; SIGKILL: as a crash would)."""
        p = self.processes.pop(name, None)
        if p and p.poll() is None:
            os.killpg(p.pid, sig)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)


def new_token() -> str:
    return secrets.token_urlsafe(24)
