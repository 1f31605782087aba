"""The dashboard page: the figures of the last 7 to 365 days (review_console/dashboard.py), drawn
in the browser by static/dashboard.js with Chart.js (views/vendor.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request

from review_console import dashboard
from review_console.database import databases

bp = Blueprint("dashboard", __name__)
DEFAULT_DAYS, FEWEST_DAYS, MOST_DAYS = 30, 7, 365


@bp.get("/dashboard")
def page() -> Any:
    try:
        days = int(request.args.get("days", str(DEFAULT_DAYS)))
    except ValueError:
        days = DEFAULT_DAYS
    days = min(max(days, FEWEST_DAYS), MOST_DAYS)
    with databases.console.connect() as db:
        figures = dashboard.figures(db, days, date.today())
    return render_template("dashboard.html", figures=figures)
