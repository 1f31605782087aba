"""The console's defences, registered on the app by create_app: every request but the sign-in
page's needs a staff session and every form post its session's CSRF token (`load_session`), admin
pages need the admin role (`admin_only`), every response carries the security headers
(`secure_headers`), cookies are HttpOnly and SameSite=Strict (`set_cookie`), and sign-in redirects
only to paths on this site (`local_path`)."""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from flask import Response, abort, g, redirect, request, url_for

from review_console import accounts, current
from review_console.database import databases

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
SIGN_IN_PAGE = "auth.login"
SIGN_IN_STYLES = "/static/console.css"
CACHED = ("static", "vendor.chart_js")  # endpoints whose responses browsers may keep
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def load_session() -> Optional[Response]:
    """Puts the signed-in member of staff in g.staff, or sends the request to the sign-in page
    (GET) or refuses it (401); refuses a form posted without the session's CSRF token (403)."""
    g.staff = None
    if request.endpoint == SIGN_IN_PAGE or (request.endpoint == "static" and request.path == SIGN_IN_STYLES):
        return None  # the sign-in page and its style sheet; everything else needs a session
    settings = current.settings()
    idle, longest = settings.session_idle_minutes * 60, settings.session_max_hours * 3600
    with databases.console.begin() as db:
        g.staff = accounts.current_session(db, request.cookies.get(SESSION_COOKIE, ""), idle, longest)
    if g.staff is None:
        if request.method == "GET" and request.endpoint is not None:
            return redirect(url_for(SIGN_IN_PAGE, next=request.full_path if request.args else request.path), 303)
        abort(401)
    if request.method == "POST" and not accounts.csrf_matches(g.staff.csrf_token, request.form.get("csrf_token")):
        abort(403, "This form has expired or did not come from the console. Go back, reload the page and try again.")
    return None


def admin_only(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not g.staff.is_admin:
            abort(403, "This page is for admins.")
        return view(*args, **kwargs)

    return wrapped


def secure_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint not in CACHED:
        response.headers["Cache-Control"] = "no-store"
    return response


def set_cookie(response: Response, name: str, value: str, max_age: Optional[int]) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Strict",
        secure=current.settings().secure_cookies,
        path="/",
    )


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
