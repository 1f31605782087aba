"""Flagged messages and exports: the list of flagged messages, their export as Rasa NLU training
data, and the filtered conversations as CSV or JSON (admins only). Every export is in the audit
log, one entry per conversation."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, g, make_response, render_template, request

from review_console import annotations, audit, conversation_list, current, exports, transcripts
from review_console.database import databases
from review_console.models import Conversation
from review_console.security import admin_only

bp = Blueprint("exports", __name__)
MAX_EXPORT_CONVERSATIONS = 5000


def download(body: str, name: str, kind: str) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = f"{kind}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/flags")
def flags_page() -> Any:
    with databases.console.connect() as db:
        flagged = annotations.flags(db)
    return render_template("flags.html", flags=flagged)


@bp.post("/exports/nlu.yml")
def nlu() -> Any:
    with databases.console.begin() as db:
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


@bp.post("/exports/conversations.<kind>")
@admin_only
def conversations(kind: str) -> Any:
    if kind not in ("csv", "json"):
        abort(404)
    filters = conversation_list.Filters.from_args(request.form, current.settings().low_confidence)
    if filters.errors:
        abort(400, "; ".join(filters.errors))
    with databases.console.begin() as db:
        ids = conversation_list.conversation_ids(db, filters, MAX_EXPORT_CONVERSATIONS + 1)
        if len(ids) > MAX_EXPORT_CONVERSATIONS:
            abort(400, f"More than {MAX_EXPORT_CONVERSATIONS} conversations match: narrow the filters first.")
        table = Conversation.__table__
        summaries = {r["id"]: dict(r) for r in db.execute(sa.select(table).where(table.c.id.in_(ids))).mappings()}
        audit.record_each(db, f"export_{kind}", g.staff.staff_id, g.staff.username, ids)
    found = transcripts.load_many(databases.tracker, ids)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    if kind == "csv":
        return download(exports.conversations_csv(found), f"conversations-{stamp}.csv", "text/csv")
    body = exports.conversations_json([summaries[i] for i in ids if i in summaries], found)
    return download(body, f"conversations-{stamp}.json", "application/json")
