"""Chooses the FallbackClassifier thresholds from data the model did not train on.

    python -m evaluation.thresholds [--folds 5]       (make thresholds)

Runs Rasa's k-fold cross-validation on data/nlu.yml with the fallback and the safety net taken
out of the pipeline, so every training example is predicted by a model that never saw it, with
its raw confidence. Prints the confidence histogram of right and wrong predictions, and for
each candidate threshold the share of knowledge questions that would be answered right, answered
wrong (a confident wrong answer) or sent to the fallback. The held-out set under tests/ is not
used here: it stays unseen until the final check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from typing import Dict, List, Optional, Tuple

import yaml

from core.intent_kinds import ASK_PERSON_INTENT, HANDOFF_INTENTS, URGENT_INTENTS
from core.topics import HELPLINE_TOPIC, URGENT_TOPIC
from stack.processes import BIN, PROJECT_ROOT

OUT = PROJECT_ROOT / "build" / "reports" / "thresholds"
# The topic each escalating intent's reply carries.
ESCALATION = {
    **{intent: HELPLINE_TOPIC for intent in (*HANDOFF_INTENTS, ASK_PERSON_INTENT)},
    **{intent: URGENT_TOPIC for intent in URGENT_INTENTS},
}


def topic_of(intent: str, answer_intents: Dict[str, str]) -> Optional[str]:
    return ESCALATION.get(intent) or answer_intents.get(intent) or (intent if intent == "out_of_scope" else None)


def cross_validate(folds: int) -> List[dict]:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    config["pipeline"] = [c for c in config["pipeline"] if not c["name"].endswith(("FallbackClassifier", "SafetyNet"))]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    subprocess.run(
        [
            str(BIN / "rasa"),
            "test",
            "nlu",
            "--nlu",
            "data/nlu.yml",
            "--config",
            str(OUT / "config.yml"),
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(OUT),
            "--successes",
            "--quiet",
        ],
        cwd=PROJECT_ROOT,
        check=True,
    )
    return read_rows()


def read_rows() -> List[dict]:
    """The out-of-fold predictions written by the last cross-validation run."""
    rows: List[dict] = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = OUT / name
        if path.exists():
            rows += json.loads(path.read_text())
    return rows


def analyse(rows: List[dict]) -> List[Tuple[float, float, float, float]]:
    intents = yaml.safe_load((PROJECT_ROOT / "knowledge" / "intents.yml").read_text())["answer_intents"]
    answer_intents = {k: v["topic"] for k, v in intents.items()}
    scored = []
    for row in rows:
        gold, pred = row["intent"], row["intent_prediction"]
        scored.append((gold, pred["name"], float(pred["confidence"] or 0.0)))
    hist: Counter = Counter()
    for gold, pred, conf in scored:
        hist[(topic_of(gold, answer_intents) == topic_of(pred, answer_intents), min(9, int(conf * 10)))] += 1
    print("confidence   right  wrong   (out-of-fold predictions)")
    for d in range(10):
        print(f"{d / 10:.1f}-{(d + 1) / 10:.1f}   {hist[(True, d)]:6d} {hist[(False, d)]:6d}")

    questions = [(g, p, c) for g, p, c in scored if g in answer_intents]
    table = []
    print("\nthreshold  answered_right  answered_wrong  to_fallback   (knowledge questions)")
    for t in [x / 20 for x in range(2, 19)]:
        right = sum(c >= t and answer_intents.get(p) == answer_intents[g] for g, p, c in questions) / len(questions)
        wrong = sum(
            c >= t and p in answer_intents and answer_intents[p] != answer_intents[g] for g, p, c in questions
        ) / len(questions)
        fallback = sum(c < t for _, _, c in questions) / len(questions)
        table.append((t, right, wrong, fallback))
        print(f"{t:9.2f}  {right:14.3f}  {wrong:14.3f}  {fallback:11.3f}")
    return table


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="analyse the last run's output again")
    args = parser.parse_args(argv)
    rows = read_rows() if args.reuse else cross_validate(args.folds)
    analyse(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
