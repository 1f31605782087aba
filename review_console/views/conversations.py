"""The conversation list (filters, search, pages) and a conversation's transcript, with what staff
add to it: review state, tags, notes and flagged messages. The list and a transcript's summary
show what the indexer has read so far (review_console/indexer.py, kept up to date by its loop in
serve.py); the transcript's messages are read from Rasa's events."""

from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa
from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from core.rasa_events import PatientMessage
from review_console import annotations, audit, conversation_list, current, transcripts
from review_console.database import databases
from review_console.models import Conversation

bp = Blueprint("conversations", __name__)


def summary_or_404(db: sa.engine.Connection, conversation_id: str) -> dict:
    table = Conversation.__table__
    row = db.execute(sa.select(table).where(table.c.id == conversation_id)).mappings().first()
    if row is None:
        abort(404, "There is no conversation with this id (it may have been deleted under the retention rules).")
    return dict(row)


@bp.get("/")
def home() -> Any:
    return redirect(url_for("conversations.list_page"), 303)


@bp.get("/conversations")
def list_page() -> Any:
    settings = current.settings()
    filters = conversation_list.Filters.from_args(request.args, settings.low_confidence)
    with databases.console.connect() as db:
        page = conversation_list.list_page(db, filters, settings.page_size)
        menus = conversation_list.choices(db)
    status = 400 if filters.errors else 200
    return render_template("conversations.html", f=filters, page=page, menus=menus), status


def render_transcript(conversation_id: str, error: str = "", status: int = 200) -> Any:
    with databases.console.begin() as db:
        summary = summary_or_404(db, conversation_id)
        audit.record(db, "view", g.staff.staff_id, g.staff.username, conversation_id)
        details = {
            "tags": annotations.conversation_tags(db, conversation_id),
            "notes": annotations.notes(db, conversation_id),
            "review": annotations.review_state(db, conversation_id),
            "flags": {f["event_id"]: f for f in annotations.flags(db, conversation_id)},
        }
    items = transcripts.load(databases.tracker, conversation_id)
    page = render_template("transcript.html", c=summary, items=items, intents=current.intents(), error=error, **details)
    return page, status


@bp.get("/conversations/<path:conversation_id>")
def transcript(conversation_id: str) -> Any:
    return render_transcript(conversation_id)


def change(conversation_id: str, action: Callable[[sa.engine.Connection], None], what: str) -> Response:
    """Applies a change by staff to a conversation and records it in the audit log; bad input
    shows the transcript again with the reason."""
    try:
        with databases.console.begin() as db:
            summary_or_404(db, conversation_id)
            action(db)
            audit.record(db, what, g.staff.staff_id, g.staff.username, conversation_id)
    except annotations.AnnotationError as e:
        return render_transcript(conversation_id, str(e), 400)
    return redirect(url_for("conversations.transcript", conversation_id=conversation_id), 303)


@bp.post("/conversations/<path:conversation_id>/review")
def review(conversation_id: str) -> Any:
    reviewed = request.form.get("reviewed") == "yes"
    return change(
        conversation_id,
        lambda db: annotations.set_reviewed(db, conversation_id, g.staff.staff_id, reviewed),
        "mark_reviewed" if reviewed else "mark_unreviewed",
    )


@bp.post("/conversations/<path:conversation_id>/tags")
def add_tag(conversation_id: str) -> Any:
    name = request.form.get("tag", "")
    return change(conversation_id, lambda db: annotations.add_tag(db, conversation_id, g.staff.staff_id, name), "tag")


@bp.post("/conversations/<path:conversation_id>/tags/<int:tag_id>/remove")
def remove_tag(conversation_id: str, tag_id: int) -> Any:
    return change(conversation_id, lambda db: annotations.remove_tag(db, conversation_id, tag_id), "untag")


@bp.post("/conversations/<path:conversation_id>/notes")
def add_note(conversation_id: str) -> Any:
    text = request.form.get("note", "")
    return change(conversation_id, lambda db: annotations.add_note(db, conversation_id, g.staff.staff_id, text), "note")


@bp.post("/conversations/<path:conversation_id>/flags")
def flag(conversation_id: str) -> Any:
    try:
        event_id = int(request.form.get("event_id", ""))
    except ValueError:
        abort(400, "No message was chosen to flag.")
    message = next(
        (
            i
            for i in transcripts.load(databases.tracker, conversation_id)
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
            db, conversation_id, event_id, message.text, message.intent, correct, g.staff.staff_id, current.intents()
        ),
        "flag",
    )


@bp.post("/conversations/<path:conversation_id>/flags/<int:flag_id>/remove")
def unflag(conversation_id: str, flag_id: int) -> Any:
    return change(conversation_id, lambda db: annotations.unflag(db, conversation_id, flag_id), "unflag")
