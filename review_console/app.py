"""The review console's web application (Flask). Every page needs a signed-in member of staff;
admin pages need the admin role; every form carries its session's CSRF token. Pages are
rendered on the server with Jinja's autoescaping, so what patients wrote is shown as text."""

from __future__ import annotations

import functools
import secrets
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, List, Optional
from urllib.parse import urlsplit

import sqlalchemy as sa
import yaml
from flask import Flask, Response, abort, g, make_response, redirect, render_template, request, send_file, url_for
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from core.rasa_events import BotMessage, PatientMessage, SessionStart
from review_console import accounts, annotations, audit, conversation_list, dashboard, exports, indexer, transcripts
from review_console.database import console_engine, migrate, tracker_engine
from review_console.models import ROLES, Conversation
from review_console.settings import PROJECT_ROOT, Settings

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CHART_JS = HERE / "node_modules" / "chart.js" / "dist" / "chart.umd.js"
MAX_EXPORT_CONVERSATIONS = 5000
SIGN_IN_STYLES = "/static/console.css"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def domain_intents(domain: Path = PROJECT_ROOT / "domain.yml") -> List[str]:
    with domain.open() as f:
        return sorted(str(i) if not isinstance(i, dict) else str(next(iter(i))) for i in yaml.safe_load(f)["intents"])


def when(at: Optional[float]) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if at else ""


def local_path(target: str) -> Optional[str]:
    """`target` if it is a path on this site, else None. Browsers drop tabs and newlines and read
    a backslash as a slash, so "/%09/evil.example" (a tab once decoded) or a backslash would lead
    off the site."""
    if not target.startswith("/") or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target


def create_app(
    settings: Optional[Settings] = None, console: Optional[Engine] = None, tracker: Optional[Engine] = None
) -> Flask:
    settings = settings or Settings.from_env()
    console = console or console_engine(settings.console_db_url)
    tracker = tracker or tracker_engine(settings.tracker_db_url)
    migrate(console)
    intents = domain_intents()
    idle, longest = settings.session_idle_minutes * 60, settings.session_max_hours * 3600

    app = Flask(__name__, static_folder=str(HERE / "static"), static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, TEMPLATES_AUTO_RELOAD=False)
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals.update(ROLES=ROLES, is_patient=lambda i: isinstance(i, PatientMessage))
    app.jinja_env.globals.update(
        is_bot=lambda i: isinstance(i, BotMessage), is_session=lambda i: isinstance(i, SessionStart)
    )

    # --- sessions, CSRF, roles --------------------------------------------------------------

    @app.before_request
    def load_session() -> Optional[Response]:
        g.staff = None
        if request.endpoint == "login" or (request.endpoint == "static" and request.path == SIGN_IN_STYLES):
            return None  # the sign-in page and its style sheet; everything else needs a session
        with console.begin() as db:
            g.staff = accounts.current_session(db, request.cookies.get(SESSION_COOKIE, ""), idle, longest)
        if g.staff is None:
            if request.method == "GET" and request.endpoint is not None:
                return redirect(url_for("login", next=request.full_path if request.args else request.path), 303)
            abort(401)
        if request.method == "POST" and not accounts.csrf_matches(g.staff.csrf_token, request.form.get("csrf_token")):
            abort(
                403, "This form has expired or did not come from the console. Go back, reload the page and try again."
            )
        return None

    def admin_only(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not g.staff.is_admin:
                abort(403, "This page is for admins.")
            return view(*args, **kwargs)

        return wrapped

    @app.after_request
    def secure_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.endpoint not in ("static", "chart_js"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        return render_template("error.html", code=e.code, message=e.description), e.code

    def cookie(response: Response, name: str, value: str, max_age: Optional[int]) -> None:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="Strict", secure=settings.secure_cookies, path="/"
        )

    # --- signing in and out ---------------------------------------------------------------------

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        target = local_path(request.values.get("next", "")) or url_for("conversation_list_page")
        error = ""
        status = 200
        if request.method == "POST":
            expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
            if not accounts.csrf_matches(expected, request.form.get("csrf_token")):
                error, status = "The sign-in form expired. Please try again.", 403
            else:
                username = (request.form.get("username") or "").strip()[:80]
                with console.begin() as db:
                    staff_id = accounts.authenticate(db, username, request.form.get("password") or "")
                    if staff_id is None:
                        audit.record(db, "sign_in_failed", None, username, detail=request.remote_addr or "")
                        error, status = "Wrong username or password, or the account is locked for now.", 401
                    else:
                        token = accounts.start_session(db, staff_id)
                        audit.record(db, "sign_in", staff_id, username)
                if not error:
                    response = redirect(target, 303)
                    cookie(response, SESSION_COOKIE, token, None)
                    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
                    return response
        form_token = secrets.token_urlsafe(32)
        response = make_response(render_template("login.html", csrf=form_token, error=error, next=target), status)
        cookie(response, LOGIN_CSRF_COOKIE, form_token, 3600)
        return response

    @app.post("/logout")
    def logout() -> Any:
        with console.begin() as db:
            accounts.end_session(db, g.staff.token_hash)
            audit.record(db, "sign_out", g.staff.staff_id, g.staff.username)
        response = redirect(url_for("login"), 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- conversations ------------------------------------------------------------------------

    def fresh() -> None:
        indexer.catch_up(console, tracker, max_batches=4)

    def conversation_or_404(db: sa.engine.Connection, conversation_id: str) -> dict:
        table = Conversation.__table__
        row = db.execute(sa.select(table).where(table.c.id == conversation_id)).mappings().first()
        if row is None:
            abort(404, "There is no conversation with this id (it may have been deleted under the retention rules).")
        return dict(row)

    @app.get("/")
    def home() -> Any:
        return redirect(url_for("conversation_list_page"), 303)

    @app.get("/conversations")
    def conversation_list_page() -> Any:
        fresh()
        filters = conversation_list.Filters.from_args(request.args, settings.low_confidence)
        with console.connect() as db:
            page = conversation_list.list_page(db, filters, settings.page_size)
            menus = conversation_list.choices(db)
        status = 400 if filters.errors else 200
        return render_template("conversations.html", f=filters, page=page, menus=menus), status

    def render_transcript(conversation_id: str, error: str = "", status: int = 200) -> Any:
        with console.begin() as db:
            summary = conversation_or_404(db, conversation_id)
            audit.record(db, "view", g.staff.staff_id, g.staff.username, conversation_id)
            details = {
                "tags": annotations.conversation_tags(db, conversation_id),
                "notes": annotations.notes(db, conversation_id),
                "review": annotations.review_state(db, conversation_id),
                "flags": {f["event_id"]: f for f in annotations.flags(db, conversation_id)},
            }
        items = transcripts.load(tracker, conversation_id)
        page = render_template("transcript.html", c=summary, items=items, intents=intents, error=error, **details)
        return page, status

    @app.get("/conversations/<path:conversation_id>")
    def transcript_page(conversation_id: str) -> Any:
        fresh()
        return render_transcript(conversation_id)

    def change(conversation_id: str, action: Callable[[sa.engine.Connection], None], what: str) -> Response:
        try:
            with console.begin() as db:
                conversation_or_404(db, conversation_id)
                action(db)
                audit.record(db, what, g.staff.staff_id, g.staff.username, conversation_id)
        except annotations.AnnotationError as e:
            return render_transcript(conversation_id, str(e), 400)
        return redirect(url_for("transcript_page", conversation_id=conversation_id), 303)

    @app.post("/conversations/<path:conversation_id>/review")
    def review(conversation_id: str) -> Any:
        reviewed = request.form.get("reviewed") == "yes"
        return change(
            conversation_id,
            lambda db: annotations.set_reviewed(db, conversation_id, g.staff.staff_id, reviewed),
            "mark_reviewed" if reviewed else "mark_unreviewed",
        )

    @app.post("/conversations/<path:conversation_id>/tags")
    def add_tag(conversation_id: str) -> Any:
        name = request.form.get("tag", "")
        return change(
            conversation_id, lambda db: annotations.add_tag(db, conversation_id, g.staff.staff_id, name), "tag"
        )

    @app.post("/conversations/<path:conversation_id>/tags/<int:tag_id>/remove")
    def remove_tag(conversation_id: str, tag_id: int) -> Any:
        return change(conversation_id, lambda db: annotations.remove_tag(db, conversation_id, tag_id), "untag")

    @app.post("/conversations/<path:conversation_id>/notes")
    def add_note(conversation_id: str) -> Any:
        text = request.form.get("note", "")
        return change(
            conversation_id, lambda db: annotations.add_note(db, conversation_id, g.staff.staff_id, text), "note"
        )

    @app.post("/conversations/<path:conversation_id>/flags")
    def flag(conversation_id: str) -> Any:
        try:
            event_id = int(request.form.get("event_id", ""))
        except ValueError:
            abort(400, "No message was chosen to flag.")
        message = next(
            (
                i
                for i in transcripts.load(tracker, conversation_id)
                if isinstance(i, PatientMessage) and i.event_id == event_id and i.typed
            ),
            None,
        )
        if message is None:
            abort(400, "Only a message the patient typed in this conversation can be flagged.")
        correct = request.form.get("intent", "")
        return change(
            conversation_id,
            lambda db: annotations.flag_message(
                db, conversation_id, event_id, message.text, message.intent, correct, g.staff.staff_id, intents
            ),
            "flag",
        )

    @app.post("/conversations/<path:conversation_id>/flags/<int:flag_id>/remove")
    def unflag(conversation_id: str, flag_id: int) -> Any:
        return change(conversation_id, lambda db: annotations.unflag(db, conversation_id, flag_id), "unflag")

    # --- flagged messages and exports ---------------------------------------------------------

    @app.get("/flags")
    def flags_page() -> Any:
        with console.connect() as db:
            flagged = annotations.flags(db)
        return render_template("flags.html", flags=flagged)

    def download(body: str, name: str, kind: str) -> Response:
        response = make_response(body)
        response.headers["Content-Type"] = f"{kind}; charset=utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @app.post("/exports/nlu.yml")
    def export_nlu() -> Any:
        with console.begin() as db:
            flagged = annotations.flags(db)
            audit.record_each(
                db,
                "export_nlu",
                g.staff.staff_id,
                g.staff.username,
                sorted({f["conversation_id"] for f in flagged}),
                f"{len(flagged)} flagged message(s)",
            )
        return download(exports.nlu_yaml(flagged), "flagged_nlu.yml", "application/x-yaml")

    @app.post("/exports/conversations.<kind>")
    @admin_only
    def export_conversations(kind: str) -> Any:
        if kind not in ("csv", "json"):
            abort(404)
        fresh()
        filters = conversation_list.Filters.from_args(request.form, settings.low_confidence)
        if filters.errors:
            abort(400, "; ".join(filters.errors))
        with console.begin() as db:
            ids = conversation_list.conversation_ids(db, filters, MAX_EXPORT_CONVERSATIONS + 1)
            if len(ids) > MAX_EXPORT_CONVERSATIONS:
                abort(400, f"More than {MAX_EXPORT_CONVERSATIONS} conversations match: narrow the filters first.")
            table = Conversation.__table__
            summaries = {r["id"]: dict(r) for r in db.execute(sa.select(table).where(table.c.id.in_(ids))).mappings()}
            audit.record_each(db, f"export_{kind}", g.staff.staff_id, g.staff.username, ids)
        found = transcripts.load_many(tracker, ids)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
        if kind == "csv":
            return download(exports.conversations_csv(found), f"conversations-{stamp}.csv", "text/csv")
        body = exports.conversations_json([summaries[i] for i in ids if i in summaries], found)
        return download(body, f"conversations-{stamp}.json", "application/json")

    # --- dashboard ------------------------------------------------------------------------------

    @app.get("/dashboard")
    def dashboard_page() -> Any:
        fresh()
        try:
            days = int(request.args.get("days", "30"))
        except ValueError:
            days = 30
        days = min(max(days, 7), 365)
        with console.connect() as db:
            figures = dashboard.figures(db, days, date.today())
        return render_template("dashboard.html", figures=figures)

    @app.get("/vendor/chart.umd.js")
    def chart_js() -> Any:
        if not CHART_JS.exists():
            abort(404, "Chart.js is not installed: run `make setup`.")
        return send_file(CHART_JS, mimetype="text/javascript", max_age=86400)

    # --- admin ------------------------------------------------------------------------------------

    @app.route("/admin/staff", methods=["GET", "POST"])
    @admin_only
    def staff_page() -> Any:
        message, status = "", 200
        if request.method == "POST":
            username = (request.form.get("username") or "").strip()
            role = request.form.get("role", "")
            try:
                with console.begin() as db:
                    accounts.create_staff(db, username, request.form.get("password", ""), role)
                    audit.record(db, "create_staff", g.staff.staff_id, g.staff.username, detail=f"{username} ({role})")
                message = f"Account {username} created."
            except accounts.AccountError as e:
                message, status = str(e), 400
        with console.connect() as db:
            staff = accounts.staff_list(db)
        return render_template("staff.html", staff=staff, message=message), status

    @app.post("/admin/staff/<int:staff_id>/active")
    @admin_only
    def staff_active(staff_id: int) -> Any:
        active = request.form.get("active") == "yes"
        if staff_id == g.staff.staff_id and not active:
            abort(400, "You cannot deactivate your own account.")
        with console.begin() as db:
            accounts.set_active(db, staff_id, active)
            audit.record(
                db,
                "activate_staff" if active else "deactivate_staff",
                g.staff.staff_id,
                g.staff.username,
                detail=str(staff_id),
            )
        return redirect(url_for("staff_page"), 303)

    @app.get("/admin/audit")
    @admin_only
    def audit_page() -> Any:
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        conversation = request.args.get("conversation", "")[:255]
        username = request.args.get("username", "")[:80]
        with console.connect() as db:
            rows = audit.entries(db, conversation or None, username or None, limit=100, offset=(page - 1) * 100)
        return render_template("audit.html", rows=rows, page=page, conversation=conversation, username=username)

    return app
