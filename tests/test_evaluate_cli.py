"""`make evaluate`'s command line: its output format and its exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evaluation.evaluate import Item, Result, judge, summarise
from stack.processes import PROJECT_ROOT, Stack


def evaluate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evaluation.evaluate", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_question_file_is_scored_with_the_summary_last(stack: Stack, tmp_path: Path) -> None:
    questions = tmp_path / "q.yml"
    questions.write_text(
        '- text: "will my clip beep at airport security?"\n  accept: [marker_clip]\n  kind: in_scope\n'
        '- text: "does it hurt?"\n  accept: [vacuum_biopsy]\n  kind: in_scope\n'
        '  context: ["What is a vacuum biopsy?"]\n'
        '- text: "what is the best pizza topping"\n  accept: [out_of_scope]\n  kind: out_of_scope\n'
    )
    result = evaluate(str(questions), "--rasa-url", stack.rasa_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4
    summary = json.loads(lines[-1])
    assert summary["n"] == 3 and summary["in_scope_n"] == 2 and summary["out_of_scope_n"] == 1
    assert set(summary) == {
        "n",
        "in_scope_n",
        "in_scope_correct",
        "in_scope_wrong_answer",
        "escalate_n",
        "escalate_correct",
        "urgent_n",
        "urgent_correct",
        "out_of_scope_n",
        "out_of_scope_correct",
        "in_scope_handoff",
        "overall_correct",
        "p50_ms",
        "p95_ms",
    }
    assert summary["p50_ms"] > 0


def test_a_malformed_file_names_the_item(tmp_path: Path) -> None:
    questions = tmp_path / "bad.yml"
    questions.write_text(
        '- text: "fine"\n  accept: [definition]\n  kind: in_scope\n- text: "broken"\n  kind: sideways\n  accept: [x]\n'
    )
    result = evaluate(str(questions))
    assert result.returncode == 2
    assert "item 2" in result.stderr and "kind" in result.stderr


def test_an_unreachable_bot_is_reported(tmp_path: Path) -> None:
    questions = tmp_path / "q.yml"
    questions.write_text('- text: "hi"\n  accept: [greet]\n  kind: in_scope\n')
    result = evaluate(str(questions), "--rasa-url", "http://192.0.2.1:5005")
    assert result.returncode == 3
    assert "cannot be reached" in result.stderr


def test_judging_follows_the_eval_format() -> None:
    item = Item(text="t", accept=("marker_clip",), kind="in_scope")
    assert judge(item, ["marker_clip.mri"]) == "right"
    assert judge(item, ["core_biopsy"]) == "wrong_answer"
    assert judge(item, ["fallback"]) == "miss"
    assert judge(item, ["helpline.personal"]) == "miss"
    assert judge(item, []) == "miss"
    escalate = Item(text="t", accept=("urgent",), kind="escalate")
    assert judge(escalate, ["urgent.physical"]) == "right"
    assert judge(escalate, ["helpline"]) == "miss"


def test_every_reply_counts_in_version_2() -> None:
    item = Item(text="t", accept=("vacuum_biopsy",), kind="in_scope")
    assert judge(item, ["vacuum_biopsy", "vacuum_biopsy", "helpline.personal"]) == "right"
    assert judge(item, ["vacuum_biopsy", "core_biopsy"]) == "wrong_answer"
    who = Item(text="t", accept=("helpline",), kind="in_scope")
    assert judge(who, ["helpline.personal"]) == "right"
    assert judge(who, ["helpline", "definition"]) == "wrong_answer"
    escalate = Item(text="t", accept=("helpline",), kind="escalate")
    assert judge(escalate, ["vacuum_biopsy", "helpline.personal"]) == "right"
    assert judge(escalate, ["vacuum_biopsy"]) == "miss"
    urgent = Item(text="t", accept=("urgent", "helpline"), kind="escalate")
    assert judge(urgent, ["helpline.personal"]) == "miss"
    assert judge(urgent, ["urgent.self_harm", "urgent.self_harm"]) == "right"
    out = Item(text="t", accept=("out_of_scope",), kind="out_of_scope")
    assert judge(out, ["out_of_scope", "helpline.personal"]) == "right"
    assert judge(out, ["fallback"]) == "right"
    assert judge(out, ["causes"]) == "miss"


def test_the_summary_reports_urgent_items_and_in_scope_hand_offs() -> None:
    answered = Item(text="a", accept=("marker_clip",), kind="in_scope")
    urgent = Item(text="u", accept=("urgent", "helpline"), kind="escalate")
    results = [
        Result(answered, ("marker_clip", "helpline.personal"), "right", 10.0),
        Result(answered, ("marker_clip",), "right", 20.0),
        Result(urgent, ("helpline.personal",), "miss", 30.0),
    ]
    summary = summarise(results)
    assert summary["in_scope_handoff"] == 0.5
    assert summary["urgent_n"] == 1 and summary["urgent_correct"] == 0.0
