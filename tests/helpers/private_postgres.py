"""A PostgreSQL server of the test's own (initdb in a temporary folder, its own port), which a test
may stop and start again without touching the machine's shared server."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List


def _bin(program: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}")) or [shutil.which(program) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {program} is needed (Debian: apt-get install postgresql)")
    return found[-1]


class PrivatePostgres:
    def __init__(self, port: int) -> None:
        # directly in /tmp: the postgres account cannot enter pytest's private folders
        self.folder = Path(tempfile.mkdtemp(prefix=f"test-postgres-{port}-"))
        self.port = port
        self.data = self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, args: List[str]) -> None:
        # PostgreSQL refuses to run as root: the machine's postgres account runs it then
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + args, check=True, capture_output=True, timeout=60)

    def create(self) -> PrivatePostgres:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run([_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"])
        return self.start()

    def start(self) -> PrivatePostgres:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"])
        return self

    def stop(self) -> None:
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
