"""The production files in deploy/ agree with the code: the nginx configuration is the one
stack/nginx.py writes and nginx accepts it, and every environment variable the compose file and
the production endpoints use is given a value and documented."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Set

import requests
import yaml

from stack.nginx import main as write_nginx_config
from stack.nginx import nginx_config

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


def variables(path: Path) -> Set[str]:
    return set(VARIABLE.findall(path.read_text()))


def test_the_committed_nginx_config_is_the_generated_one(capsys) -> None:
    write_nginx_config([])
    assert (DEPLOY / "nginx.conf").read_text() == capsys.readouterr().out


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        nginx_config(["127.0.0.1:1", "127.0.0.1:2"], ["127.0.0.1:3"], "127.0.0.1:4", "127.0.0.1:5", run_dir=tmp_path)
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_variable_has_a_value_and_is_documented() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    example = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "example.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    set_by_compose = set(compose["x-bot"]["environment"])
    needed = variables(DEPLOY / "docker-compose.yml") | variables(DEPLOY / "endpoints.yml")
    assert needed - example - set_by_compose == set()
    readme = (DEPLOY / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z_][A-Z0-9_]*)`", readme))
    assert (needed | example) - documented == set()


def test_compose_refuses_to_start_without_its_secrets_and_passwords() -> None:
    compose = (DEPLOY / "docker-compose.yml").read_text()
    for variable in ("WIDGET_SECRET", "CHANNEL_ID_SECRET", "POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"):
        assert re.search(r"\$\{" + variable + r":\?", compose), variable
    assert yaml.safe_load(compose)["x-bot"]["environment"]["SECRETS_REQUIRED"] == "true"
    example = (DEPLOY / "example.env").read_text()
    assert "change-me" not in example


def test_compose_runs_every_part_of_the_topology() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"nginx", "rasa", "actions", "postgres", "redis", "rabbitmq", "console"} <= set(services)
    assert services["rasa"]["deploy"]["replicas"] >= 2 and services["actions"]["deploy"]["replicas"] >= 2
    endpoints = yaml.safe_load((DEPLOY / "endpoints.yml").read_text())
    assert endpoints["lock_store"]["type"].endswith("RedisLockStore")
    assert endpoints["event_broker"]["type"].endswith("ExpiringPikaEventBroker")
    assert "ports" not in services["console"]  # only through nginx
    assert endpoints["tracker_store"]["type"].endswith("MaskingSQLTrackerStore")


def image_files(context: Path) -> Set[str]:
    """The files `docker build` sends from `context`, by the Docker SDK's reading of .dockerignore."""
    from docker.utils.build import exclude_paths

    patterns = [
        line.strip()
        for line in (context / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {p for p in exclude_paths(str(context), patterns) if (context / p).is_file()}


def test_the_image_gets_no_secrets_nor_local_data(tmp_path: Path) -> None:
    shutil.copy(DEPLOY.parent / ".dockerignore", tmp_path)
    planted = {
        "deploy/.env": "WIDGET_SECRET=x",
        "deploy/example.env": "WIDGET_SECRET=",
        "deploy/Dockerfile": "FROM x",
        "var/widget_secret": "x",
        "var/tracker.db": "x",
        "var/console.db": "x",
        "var/log/unanswered.jsonl": "x",
        "models/calcifications.tar.gz": "x",
        "build/spacy_pipeline/meta.json": "{}",
        "channels/.env": "x",
        ".git/config": "x",
        "review_console/node_modules/chart.js/x.js": "x",
        "actions/__pycache__/base.cpython-310.pyc": "x",
        "actions/base.py": "x",
        "config.yml": "x",
    }
    for path, text in planted.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    assert image_files(tmp_path) == {
        ".dockerignore",
        "deploy/example.env",
        "deploy/Dockerfile",
        "actions/base.py",
        "config.yml",
    }


def test_the_image_gets_what_the_dockerfile_builds_from() -> None:
    files = image_files(DEPLOY.parent)
    for needed in (
        "requirements.lock",
        "config.yml",
        "domain.yml",
        "credentials.yml",
        "data/nlu.yml",
        "deploy/endpoints.yml",
    ):
        assert needed in files, needed
    assert any(f.startswith("knowledge/entries/") for f in files)
    assert not any(f.split("/")[0] in ("var", ".venv", "models", "build", ".git") for f in files)


class Upstream(BaseHTTPRequestHandler):
    """Stands in for the Rasa servers: 200 to every request, with the path it was asked."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = f"rasa {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


def test_production_nginx_fences_the_rest_channel_and_limits_each_address(tmp_path: Path) -> None:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    rasa = f"127.0.0.1:{upstream.server_port}"
    port = 18180
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        nginx_config(
            [rasa],
            [rasa],
            f"127.0.0.1:{port}",
            f"127.0.0.1:{port + 1}",
            run_dir=tmp_path,
            console=rasa,
            console_listen=f"127.0.0.1:{port + 2}",
        )
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        home = requests.get(url, timeout=5)
        assert home.status_code == 200 and "rasa" not in home.text.lower()
        rest = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "anyone", "message": "hi"}, timeout=5)
        assert rest.status_code == 404
        assert requests.get(f"{url}/webhooks/rest/unanswered", timeout=5).status_code == 404
        session, telegram = f"{url}/webhooks/widget/session", f"{url}/webhooks/telegram/webhook"
        sessions = [requests.post(session, json={}, timeout=5).status_code for _ in range(15)]
        assert sessions[0] == 200 and sessions[-1] == 429
        telegram = [requests.post(telegram, json={}, timeout=5).status_code for _ in range(40)]
        assert set(telegram) == {200}
        sign_in = f"http://127.0.0.1:{port + 2}/login"
        assert {requests.get(sign_in, timeout=5).status_code for _ in range(20)} == {200}  # the page itself
        attempts = [requests.post(sign_in, data={"username": "admin"}, timeout=5).status_code for _ in range(10)]
        assert attempts[:6] == [200] * 6 and attempts[-1] == 429
    finally:
        process.terminate()
        process.wait(timeout=10)
        upstream.shutdown()
