#!/usr/bin/env bash
# The tests use the servers of these machines: PostgreSQL (127.0.0.1:5432, trust auth), Redis
# (6379) and RabbitMQ (5672, guest/guest). Starts one that is installed but stopped; says what is
# missing otherwise.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 "$2"); do up "$1" && return 0; sleep 1; done; return 1; }

if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "PostgreSQL is not running: starting it."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  wait_up 5432 30
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not running: starting it."
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  wait_up 6379 15
fi
if ! up 5672 && command -v rabbitmq-server >/dev/null 2>&1; then
  echo "RabbitMQ is not running: starting it (about 20 seconds)."
  rabbitmq-server -detached || true
  wait_up 5672 60
fi

status=0
up 5432 || { echo "PostgreSQL is needed at 127.0.0.1:5432 (trust auth for user postgres); Debian: apt-get install postgresql. Or set TEST_POSTGRES_URL." >&2; status=1; }
up 6379 || { echo "Redis is needed at 127.0.0.1:6379 for the scale-out tests; Debian: apt-get install redis-server." >&2; status=1; }
up 5672 || { echo "RabbitMQ is needed at 127.0.0.1:5672 (guest/guest) for the scale-out tests; Debian: apt-get install rabbitmq-server." >&2; status=1; }
exit $status
