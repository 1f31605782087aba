"""The production files in deploy/ agree with the code: the nginx configuration is the one
stack/nginx.py writes and nginx accepts it, and every environment variable the compose file and
the production endpoints use is given a value and documented."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Set

import yaml

from stack.nginx import main as write_nginx_config
from stack.nginx import nginx_config

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::-[^}]*)?\}")


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


def test_compose_runs_every_part_of_the_topology() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"nginx", "rasa", "actions", "postgres", "redis", "rabbitmq", "console"} <= set(services)
    assert services["rasa"]["deploy"]["replicas"] >= 2 and services["actions"]["deploy"]["replicas"] >= 2
    endpoints = yaml.safe_load((DEPLOY / "endpoints.yml").read_text())
    assert endpoints["lock_store"]["type"].endswith("RedisLockStore")
    assert endpoints["event_broker"]["type"] == "pika"
    assert endpoints["tracker_store"]["type"].endswith("MaskingSQLTrackerStore")
