"""The browser library the console serves itself: Chart.js, installed from npm by `make setup`
(review_console/package-lock.json), so the pages load no script from elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, send_file

bp = Blueprint("vendor", __name__)
CHART_JS = Path(__file__).resolve().parent.parent / "node_modules" / "chart.js" / "dist" / "chart.umd.js"


@bp.get("/vendor/chart.umd.js")
def chart_js() -> Any:
    if not CHART_JS.exists():
        abort(404, "Chart.js is not installed: run `make setup`.")
    return send_file(CHART_JS, mimetype="text/javascript", max_age=86400)
