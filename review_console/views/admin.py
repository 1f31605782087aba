"""Admin pages: staff accounts (create, deactivate, activate) and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from review_console import accounts, audit
from review_console.database import databases
from review_console.security import admin_only

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 100


@bp.route("/staff", methods=["GET", "POST"])
@admin_only
def staff_page() -> Any:
    message, status = "", 200
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        role = request.form.get("role", "")
        try:
            with databases.console.begin() as db:
                accounts.create_staff(db, username, request.form.get("password", ""), role)
                audit.record(db, "create_staff", g.staff.staff_id, g.staff.username, detail=f"{username} ({role})")
            message = f"Account {username} created."
        except accounts.AccountError as e:
            message, status = str(e), 400
    with databases.console.connect() as db:
        staff = accounts.staff_list(db)
    return render_template("staff.html", staff=staff, message=message), status


@bp.post("/staff/<int:staff_id>/active")
@admin_only
def staff_active(staff_id: int) -> Any:
    active = request.form.get("active") == "yes"
    if staff_id == g.staff.staff_id and not active:
        abort(400, "You cannot deactivate your own account.")
    with databases.console.begin() as db:
        accounts.set_active(db, staff_id, active)
        audit.record(
            db,
            "activate_staff" if active else "deactivate_staff",
            g.staff.staff_id,
            g.staff.username,
            detail=str(staff_id),
        )
    return redirect(url_for("admin.staff_page"), 303)


@bp.get("/audit")
@admin_only
def audit_page() -> Any:
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    conversation = request.args.get("conversation", "")[:255]
    username = request.args.get("username", "")[:80]
    with databases.console.connect() as db:
        rows = audit.entries(
            db, conversation or None, username or None, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE
        )
    return render_template(
        "audit.html", rows=rows, page=page, page_size=AUDIT_PAGE_SIZE, conversation=conversation, username=username
    )
