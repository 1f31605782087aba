"""The nginx configuration in front of the Rasa servers and the action servers.

One function writes it for both places it is used: deploy/nginx.conf for docker-compose (made with
`python -m stack.nginx > deploy/nginx.conf`; a test checks the file is current) and the local
replicated stack of the tests (stack/replicas.py).

Any Rasa replica can take any turn of any conversation (the tracker is in PostgreSQL and the
conversation lock in Redis), so HTTP requests go round-robin. Socket.IO keeps a connection to one
server, so its path is sticky by client address. A replica that refuses the connection is skipped;
a POST that already reached a replica is never sent to a second one, so no message is processed
twice.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Optional, Sequence


def _servers(addresses: Sequence[str], options: str = "") -> str:
    return "\n".join(f"        server {a}{' ' + options if options else ''};" for a in addresses)


def _rate_limit_zones() -> str:
    # Per client address. Only the widget's paths are limited: the messaging apps' webhooks come
    # from a few platform addresses carrying every user of that app.
    return """    limit_req_zone $binary_remote_addr zone=widget_sessions:10m rate=10r/m;
    limit_req_zone $binary_remote_addr zone=widget_messages:10m rate=2r/s;
    # The console's sign-ins (the form's POST; an empty key is not limited): nobody guesses
    # passwords at speed, nor keeps an account locked by failing on purpose.
    map $request_method $console_sign_in {
        POST $binary_remote_addr;
        default "";
    }
    limit_req_zone $console_sign_in zone=console_sign_in:10m rate=6r/m;
    limit_req_status 429;

"""


def _public_locations() -> str:
    return """        # Rasa's own page names its version: say only that the service is up.
        location = / {
            default_type text/plain;
            return 200 "ok";
        }

        # Rasa's REST channel lets anyone post as any sender into any conversation, past the
        # widget's signed sessions: it is for the tests and the evaluation on the machine only.
        location /webhooks/rest/ {
            return 404;
        }

        location = /webhooks/widget/session {
            limit_req zone=widget_sessions burst=10 nodelay;
            proxy_pass http://rasa;
        }

        location /webhooks/widget/ {
            limit_req zone=widget_messages burst=20 nodelay;
            proxy_pass http://rasa;
        }

"""


def _console_server(console: str, listen: str) -> str:
    return f"""
    # The review console, for staff: publish it only through your own HTTPS proxy.
    upstream console {{
{_servers([console])}
    }}

    server {{
        listen {listen};

        location = /login {{
            limit_req zone=console_sign_in burst=5 nodelay;
            proxy_pass http://console;
        }}

        location / {{
            proxy_pass http://console;
        }}
    }}
"""


def nginx_config(
    rasa: Sequence[str],
    actions: Sequence[str],
    listen: str = "80",
    actions_listen: str = "5055",
    run_dir: Optional[Path] = None,
    public: bool = True,
    console: Optional[str] = None,
    console_listen: str = "8070",
) -> str:
    """The configuration; `run_dir` keeps the pid, logs and buffers of an nginx run by the tests
    (None: the standard places, logs to the container's output). `public` (production) fences
    what the public must not reach, limits each address's widget traffic and, with a `console`
    server, its sign-ins there; the tests' replicated stack turns it off to drive the bot through
    the REST channel at load."""
    if run_dir is None:
        head = "pid /tmp/nginx.pid;\nerror_log /dev/stderr warn;"
        access_log = "/dev/stdout"
        temp = "/tmp"
    else:
        # nginx started by root would run its workers as nobody, who cannot write the test's files
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        head = f"{user}pid {run_dir}/nginx.pid;\nerror_log {run_dir}/nginx-error.log warn;"
        access_log = f"{run_dir}/nginx-access.log"
        temp = str(run_dir)
    return f"""# The load balancer in front of the Rasa servers and the action servers.
# Written by stack/nginx.py (python -m stack.nginx --help); edit that, not this file.
worker_processes auto;
{head}

events {{
    worker_connections 4096;
}}

http {{
    access_log {access_log};
    client_body_temp_path {temp}/nginx-body;
    proxy_temp_path {temp}/nginx-proxy;
    fastcgi_temp_path {temp}/nginx-fastcgi;
    uwsgi_temp_path {temp}/nginx-uwsgi;
    scgi_temp_path {temp}/nginx-scgi;

    # Larger bodies get 413: no channel needs more than a few kilobytes.
    client_max_body_size 1m;
    client_body_buffer_size 1m;

    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_connect_timeout 2s;
    proxy_read_timeout 60s;
    # Only a replica that could not be reached is skipped: a POST is not re-sent once delivered.
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 3;

{_rate_limit_zones() if public else ""}    upstream rasa {{
{_servers(rasa, "max_fails=1 fail_timeout=5s")}
    }}

    upstream rasa_socketio {{
        hash $remote_addr consistent;
{_servers(rasa)}
    }}

    upstream actions {{
{_servers(actions, "max_fails=1 fail_timeout=5s")}
        keepalive 32;
    }}

    server {{
        listen {listen};

        location /socket.io/ {{
            proxy_pass http://rasa_socketio;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
        }}

{_public_locations() if public else ""}        location / {{
            proxy_pass http://rasa;
        }}
    }}

    # The action servers, for the Rasa servers only (not published outside the deployment).
    server {{
        listen {actions_listen};

        location / {{
            proxy_pass http://actions;
            proxy_set_header Connection "";
        }}
    }}
{_console_server(console, console_listen) if console and public else ""}}}
"""


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa", nargs="+", default=["rasa:5005"], help="Rasa servers (host:port)")
    parser.add_argument("--actions", nargs="+", default=["actions:5055"], help="action servers (host:port)")
    parser.add_argument("--listen", default="80")
    parser.add_argument("--actions-listen", default="5055")
    parser.add_argument("--console", default="console:8070", help="the review console (host:port)")
    parser.add_argument("--console-listen", default="8070")
    args = parser.parse_args(argv)
    config = nginx_config(
        args.rasa,
        args.actions,
        args.listen,
        args.actions_listen,
        console=args.console,
        console_listen=args.console_listen,
    )
    sys.stdout.write(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
