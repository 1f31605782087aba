"""Signing in and out: the sign-in form (with a CSRF token of its own in a short-lived cookie,
since there is no session yet) and the end of a session."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for

from review_console import accounts, audit
from review_console.database import databases
from review_console.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, local_path, set_cookie

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = local_path(request.values.get("next", "")) or url_for("conversations.list_page")
    error = ""
    status = 200
    if request.method == "POST":
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not accounts.csrf_matches(expected, request.form.get("csrf_token")):
            error, status = "The sign-in form expired. Please try again.", 403
        else:
            username = (request.form.get("username") or "").strip()[:80]
            with databases.console.begin() as db:
                staff_id = accounts.authenticate(db, username, request.form.get("password") or "")
                if staff_id is None:
                    audit.record(db, "sign_in_failed", None, username, detail=request.remote_addr or "")
                    error, status = "Wrong username or password, or the account is locked for now.", 401
                else:
                    token = accounts.start_session(db, staff_id)
                    audit.record(db, "sign_in", staff_id, username)
            if not error:
                response = redirect(target, 303)
                set_cookie(response, SESSION_COOKIE, token, None)
                response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
                return response
    form_token = secrets.token_urlsafe(32)
    response = make_response(render_template("login.html", csrf=form_token, error=error, next=target), status)
    set_cookie(response, LOGIN_CSRF_COOKIE, form_token, 3600)
    return response


@bp.post("/logout")
def logout() -> Any:
    with databases.console.begin() as db:
        accounts.end_session(db, g.staff.token_hash)
        audit.record(db, "sign_out", g.staff.staff_id, g.staff.username)
    response = redirect(url_for("auth.login"), 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
