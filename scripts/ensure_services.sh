#!/usr/bin/env bash
# The tests use the PostgreSQL server of these machines (127.0.0.1:5432, trust auth). Starts it
# when it is installed but stopped; says what is missing otherwise.
set -u
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is not running: starting it."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
if ! pg_up; then
  echo "PostgreSQL is needed at 127.0.0.1:5432 (trust auth for user postgres) for the tests." >&2
  echo "Install and start it (Debian: apt-get install postgresql), or set TEST_POSTGRES_URL." >&2
  exit 1
fi
