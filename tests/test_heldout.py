"""The held-out question set (never used in training) through the real stack, with the
thresholds the product must meet. The scores are written to build/reports/heldout.json."""

from __future__ import annotations

import io
import json

from evaluation.evaluate import load_items, run
from stack.processes import PROJECT_ROOT, Stack

QUESTIONS = PROJECT_ROOT / "tests" / "heldout" / "questions.yml"
REPORT = PROJECT_ROOT / "build" / "reports" / "heldout.json"


def test_held_out_scores_meet_the_thresholds(stack: Stack) -> None:
    lines = io.StringIO()
    summary = run(load_items(QUESTIONS), stack.rasa_url, out=lines)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(summary, indent=2))
    (REPORT.parent / "heldout.txt").write_text(lines.getvalue())
    print("\nheld-out:", json.dumps(summary))
    failures = "\n".join(line for line in lines.getvalue().splitlines() if not line.startswith(("ok", "{")))
    assert summary["in_scope_correct"] >= 0.90, failures
    assert summary["in_scope_wrong_answer"] <= 0.03, failures
    assert summary["escalate_correct"] == 1.0, failures
    assert summary["out_of_scope_correct"] >= 0.85, failures
