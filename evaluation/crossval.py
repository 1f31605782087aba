"""Leave-one-writer-out cross-validation: the honest measure of how the bot understands people
who did not write its training data.

    python -m evaluation.crossval [--sets dev9 dev10 ...] [--json build/reports/crossval.json]

Each development set under tests/dev*/ was written by a different writer. For each set, every
training example whose text is one of the set's judged messages is removed from data/, a model is
trained on the rest (the project's config, domain, rules and stories unchanged), and the set is
scored through the real stack with that model (eval-format version 2). A set none of whose
messages are in the training data is scored with the project's own model. The table gives each
set, the mean over the sets and the worst set; thresholds are chosen on these figures, never on
the held-out set (tests/heldout/).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

from rasa.shared.data import is_nlu_file
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.loading import load_data

from evaluation.evaluate import Item, load_items, run
from stack.processes import DEFAULT_MODEL, PATCHED_RASA, PROJECT_ROOT, Stack

DATA_DIR = PROJECT_ROOT / "data"
CONFIG = PROJECT_ROOT / "config.yml"
WORK_DIR = PROJECT_ROOT / "build" / "crossval"
REPORT_DIR = PROJECT_ROOT / "build" / "reports" / "crossval"
# A port pair of its own, so that cross-validation runs beside `make run`.
RASA_PORT, ACTIONS_PORT = 5605, 5655
# (metric, "higher" | "lower" is better, the count it is a share of): the figures of the targets.
METRICS = (
    ("in_scope_correct", "higher", "in_scope_n"),
    ("in_scope_wrong_answer", "lower", "in_scope_n"),
    ("escalate_correct", "higher", "escalate_n"),
    ("urgent_correct", "higher", "urgent_n"),
    ("out_of_scope_correct", "higher", "out_of_scope_n"),
    ("in_scope_handoff", "lower", "in_scope_n"),
)


def development_sets() -> List[Path]:
    """tests/dev*/questions.yml in their natural order (dev, dev2, ..., dev10)."""
    found = [p / "questions.yml" for p in (PROJECT_ROOT / "tests").glob("dev*") if (p / "questions.yml").is_file()]
    return sorted(found, key=lambda p: (len(p.parent.name), p.parent.name))


def normalise(text: str) -> str:
    """A message as compared with the training examples: case, punctuation and spacing aside."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@dataclass
class Fold:
    name: str
    items: List[Item]
    removed: int = 0
    model: Optional[Path] = None


def fold_data(items: Sequence[Item], data: Path, out: Path) -> int:
    """Writes the training data without the examples equal to a judged message; returns how many
    went."""
    judged: Set[str] = {normalise(i.text) for i in items}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    removed = 0
    for path in sorted(data.glob("*.yml")):
        if not is_nlu_file(str(path)):
            shutil.copy(path, out / path.name)
            continue
        training = load_data(str(path))
        kept = training.filter_training_examples(lambda m: normalise(m.get("text") or "") not in judged)
        removed += len(training.training_examples) - len(kept.training_examples)
        (out / path.name).write_text(RasaYAMLWriter().dumps(kept), encoding="utf-8")
    return removed


def train_fold(fold: Fold, data: Path, config: Path, model: Path) -> None:
    """A model trained without the fold's messages, or `model` when the fold has none of them
    (Rasa skips training when nothing changed since the last run)."""
    work = WORK_DIR / fold.name
    fold.removed = fold_data(fold.items, data, work / "data")
    if not fold.removed:
        shutil.rmtree(work)
        fold.model = model
        return
    models = work / "models"
    subprocess.run(
        [
            *PATCHED_RASA,
            "train",
            "--data",
            str(work / "data"),
            "--config",
            str(config),
            "--domain",
            str(PROJECT_ROOT / "domain.yml"),
            "--out",
            str(models),
            "--fixed-model-name",
            "fold",
            "--quiet",
        ],
        cwd=PROJECT_ROOT,
        check=True,
    )
    fold.model = models / "fold.tar.gz"


def score_fold(fold: Fold) -> Dict[str, float]:
    stack = Stack(
        rasa_port=RASA_PORT,
        actions_port=ACTIONS_PORT,
        model=fold.model,
        tracker_db=WORK_DIR / "tracker.db",
        log_dir=PROJECT_ROOT / "var" / "log" / "crossval",
    )
    stack.start()
    try:
        lines = io.StringIO()
        summary = run(fold.items, stack.rasa_url, out=lines)
    finally:
        stack.stop()
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / f"{fold.name}.txt").write_text(lines.getvalue(), encoding="utf-8")
    return summary


def table(scores: Dict[str, Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    """The sets' scores plus, for each metric, their mean and the worst set's figure (over the
    sets that have items of that kind)."""
    rows = dict(scores)
    rows["mean"], rows["worst"] = {}, {}
    for metric, better, count in METRICS:
        values = [s[metric] for s in scores.values() if s[count]]
        rows["mean"][metric] = round(statistics.mean(values), 4) if values else 0.0
        rows["worst"][metric] = (min if better == "higher" else max)(values, default=0.0)
    return rows


def print_table(rows: Dict[str, Dict[str, float]], out=sys.stdout) -> None:
    print(f"{'set':<10}" + "".join(f"{m:>22}" for m, _, _ in METRICS), file=out)
    for name, row in rows.items():
        # A set without items of a kind has no figure for it (the mean and the worst leave it out).
        cells = (f"{row[m]:.3f}" if row.get(count, 1) else "-" for m, _, count in METRICS)
        print(f"{name:<10}" + "".join(f"{c:>22}" for c in cells), file=out)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", help="development set names (default: every tests/dev*)")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="training data folder (default: data/)")
    parser.add_argument("--config", type=Path, default=CONFIG, help="NLU and policy config (default: config.yml)")
    parser.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL,
        help="the model trained on --data with --config, for the sets it has no message of",
    )
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "build" / "reports" / "crossval.json")
    args = parser.parse_args(argv)
    paths = development_sets()
    if args.sets:
        unknown = set(args.sets) - {p.parent.name for p in paths}
        if unknown:
            print(f"No such development set: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        paths = [p for p in paths if p.parent.name in args.sets]
    scores: Dict[str, Dict[str, float]] = {}
    for path in paths:
        fold = Fold(name=path.parent.name, items=load_items(path))
        train_fold(fold, args.data.resolve(), args.config.resolve(), args.model.resolve())
        scores[fold.name] = score_fold(fold)
        print(f"{fold.name}: {len(fold.items)} items, {fold.removed} training examples left out", flush=True)
        print(f"  {json.dumps(scores[fold.name])}", flush=True)
    rows = table(scores)
    print_table(rows)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(json.dumps(rows["mean"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
