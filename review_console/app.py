"""The review console's web application (Flask): `create_app` builds it from its settings, its two
databases (database.databases), its blueprints (review_console/views) and its defences
(security.py), and registers its commands (`flask --app review_console migrate`, `... staff`).
Every page needs a signed-in member of staff; admin pages need the admin role; every form carries
its session's CSRF token. Pages are rendered on the server with Jinja's autoescaping, so what
patients wrote is shown as text. The app neither migrates the console's tables nor indexes Rasa's
events: serve.py does both (the migration once at start, the indexing in its loop)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from flask import Flask, render_template
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from core.intent_kinds import bot_intents
from core.rasa_events import BotMessage, PatientMessage, SessionStart
from review_console import current, security
from review_console.database import databases
from review_console.models import ROLES
from review_console.settings import Settings
from review_console.staff import staff
from review_console.views import BLUEPRINTS

HERE = Path(__file__).resolve().parent


def when(at: Optional[float]) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if at else ""


def http_error(e: HTTPException) -> Any:
    return render_template("error.html", code=e.code, message=e.description), e.code


def create_app(
    settings: Optional[Settings] = None, console: Optional[Engine] = None, tracker: Optional[Engine] = None
) -> Flask:
    """The console on `settings` (default: from the environment), on the given engines or on
    engines opened from the settings' URLs."""
    app = Flask(__name__, static_folder=str(HERE / "static"), static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, TEMPLATES_AUTO_RELOAD=False)
    app.config[current.SETTINGS] = settings or Settings.from_env()
    app.config[current.INTENTS] = bot_intents()
    databases.init_app(app, console, tracker)

    app.jinja_env.filters["when"] = when
    app.jinja_env.globals.update(ROLES=ROLES, is_patient=lambda i: isinstance(i, PatientMessage))
    app.jinja_env.globals.update(
        is_bot=lambda i: isinstance(i, BotMessage), is_session=lambda i: isinstance(i, SessionStart)
    )

    app.before_request(security.load_session)
    app.after_request(security.secure_headers)
    app.register_error_handler(HTTPException, http_error)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.cli.add_command(staff)
    return app
