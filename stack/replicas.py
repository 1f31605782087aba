"""The production topology of deploy/docker-compose.yml as processes on one machine: nginx in front
of several Rasa servers and several action servers, conversations in PostgreSQL, conversation
locks and the channels' shared state in Redis, events published to RabbitMQ. The Rasa servers read
deploy/endpoints.yml, as in production; this module only supplies the environment variables.

Used by the scale-out tests (tests/test_scale_out.py)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List

from stack.nginx import nginx_config
from stack.processes import PROJECT_ROOT, Stack, wait_until_up

PRODUCTION_ENDPOINTS = PROJECT_ROOT / "deploy" / "endpoints.yml"


@dataclass
class SharedServices:
    """Where the servers that every replica shares are."""

    tracker_db_url: str
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    rabbitmq_host: str = "127.0.0.1"
    rabbitmq_port: int = 5672
    rabbitmq_username: str = "guest"
    rabbitmq_password: str = "guest"
    rabbitmq_queue: str = "rasa_events"

    def env(self) -> Dict[str, str]:
        return {
            "TRACKER_DB_URL": self.tracker_db_url,
            "REDIS_HOST": self.redis_host,
            "REDIS_PORT": str(self.redis_port),
            "REDIS_PASSWORD": "",
            "REDIS_LOCK_DB": "1",
            "REDIS_STATE_DB": "1",
            "RABBITMQ_HOST": self.rabbitmq_host,
            "RABBITMQ_PORT": str(self.rabbitmq_port),
            "RABBITMQ_USERNAME": self.rabbitmq_username,
            "RABBITMQ_PASSWORD": self.rabbitmq_password,
            "RABBITMQ_QUEUE": self.rabbitmq_queue,
        }


@dataclass
class ReplicatedStack:
    """`stack` supplies the model, logs, environment and process handling; its own ports are unused."""

    stack: Stack
    services: SharedServices
    rasa_ports: List[int] = field(default_factory=lambda: [5205, 5206])
    actions_ports: List[int] = field(default_factory=lambda: [5255, 5256])
    port: int = 8280  # nginx, for the patients' requests
    actions_balancer_port: int = 5250  # nginx, for the Rasa servers' action calls

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    @staticmethod
    def rasa_name(index: int) -> str:
        return f"rasa-{index + 1}"

    @staticmethod
    def actions_name(index: int) -> str:
        return f"actions-{index + 1}"

    def start(self) -> ReplicatedStack:
        self.stack.env.update(self.services.env())
        self.stack.env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{self.actions_balancer_port}/webhook"
        try:
            for i, port in enumerate(self.actions_ports):
                self.stack.start_actions(name=self.actions_name(i), port=port)
            for i in range(len(self.rasa_ports)):  # side by side: each takes most of a minute
                self.start_rasa_replica(i, wait=False)
            for i, port in enumerate(self.rasa_ports):
                self.stack.wait_for(self.rasa_name(i), port)
            self.start_nginx()
        except Exception:
            self.stop()
            raise
        return self

    def start_rasa_replica(self, index: int, wait: bool = True) -> None:
        name, port = self.rasa_name(index), self.rasa_ports[index]
        self.stack.launch_rasa(name, port, PRODUCTION_ENDPOINTS)
        if wait:
            self.stack.wait_for(name, port)

    def start_nginx(self, timeout: float = 20) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        run_dir = self.stack.log_dir / "nginx"
        run_dir.mkdir(parents=True, exist_ok=True)
        conf = run_dir / "nginx.conf"
        conf.write_text(
            nginx_config(
                [f"127.0.0.1:{p}" for p in self.rasa_ports],
                [f"127.0.0.1:{p}" for p in self.actions_ports],
                listen=f"127.0.0.1:{self.port}",
                actions_listen=f"127.0.0.1:{self.actions_balancer_port}",
                run_dir=run_dir,
                public=False,
            )
        )
        subprocess.run([nginx, "-t", "-q", "-p", str(run_dir), "-c", str(conf)], check=True)
        process = self.stack.spawn("nginx", [nginx, "-p", str(run_dir), "-c", str(conf), "-g", "daemon off;"])
        wait_until_up(f"{self.url}/webhooks/rest/", process, timeout, self.stack.log_dir / "nginx.log")

    def stop(self) -> None:
        self.stack.stop()
