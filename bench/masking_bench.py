"""How well masking (conversation_store/masking.py) catches personal identifiers, on the team's
benchmarks bench/masking_corpus*.yml: hand-written clinic-chat messages with their identifiers
labelled, each set by a different writer who never saw the masking code, and identifier-free
messages full of traps (appointment dates, ages, "B3", the helpline's number).

    make bench-masking [VERBOSE=1]

Prints, per set and kind, the share of identifiers fully masked (every character covered), the
share of identifier-free messages changed, and the median time to mask a message."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from conversation_store.masking import identifiers, mask

CORPUS = Path(__file__).with_name("masking_corpus.yml")
CORPORA = sorted(Path(__file__).parent.glob("masking_corpus*.yml"))
TARGET_RECALL = 0.95
TARGET_FALSE_POSITIVES = 0.05


def occurrences(text: str, needle: str) -> List[Tuple[int, int]]:
    """Where `needle` stands in `text` as a whole ("Bea", not the start of "Beatrice")."""
    before = r"(?<!\w)" if needle[:1].isalnum() else ""
    after = r"(?!\w)" if needle[-1:].isalnum() else ""
    return [m.span() for m in re.finditer(before + re.escape(needle) + after, text)]


def fully_masked(text: str, span: Tuple[int, int], found: List[Tuple[int, int]]) -> bool:
    covered = {i for start, end in found for i in range(start, end)}
    return all(i in covered or text[i].isspace() for i in range(*span))


def run(corpus: Path, verbose: bool) -> Dict[str, object]:
    messages = yaml.safe_load(corpus.read_text(encoding="utf-8"))["messages"]
    caught: Dict[str, List[bool]] = defaultdict(list)
    changed, clean, timings, misses = 0, 0, [], []
    for message in messages:
        text = message["text"]
        started = time.perf_counter()
        masked = mask(text)
        timings.append(time.perf_counter() - started)
        found = [(i.start, i.end) for i in identifiers(text)]
        if not message["identifiers"]:
            clean += 1
            if masked != text:
                changed += 1
                misses.append(f"changed: {text!r} -> {masked!r}")
        for item in message["identifiers"]:
            for span in occurrences(text, item["text"]):
                ok = fully_masked(text, span, found)
                caught[item["kind"]].append(ok)
                if not ok:
                    misses.append(f"missed {item['kind']}: {item['text']!r} in {masked!r}")
    if verbose:
        print("\n".join(misses))
    recall = {kind: sum(hits) / len(hits) for kind, hits in sorted(caught.items())}
    return {
        "recall": recall,
        "spans": {kind: len(hits) for kind, hits in sorted(caught.items())},
        "identifier_free_changed": changed / clean if clean else 0.0,
        "identifier_free": clean,
        "median_ms": 1000 * statistics.median(timings),
    }


def report(corpus: Path, figures: Dict[str, object]) -> None:
    print(f"\n{corpus.name}")
    print(f"{'kind':<18}{'spans':>7}{'fully masked':>15}")
    for kind, recall in figures["recall"].items():
        flag = "" if recall >= TARGET_RECALL else f"   (target {TARGET_RECALL})"
        print(f"{kind:<18}{figures['spans'][kind]:>7}{recall:>15.3f}{flag}")
    fp, clean = figures["identifier_free_changed"], figures["identifier_free"]
    print(f"identifier-free messages changed: {fp:.3f} of {clean} (target at most {TARGET_FALSE_POSITIVES})")
    print(f"median time to mask a message: {figures['median_ms']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, action="append", help="a set to measure (default: every set)")
    parser.add_argument("--verbose", action="store_true", help="list every identifier missed and every message changed")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    mask("warm-up")  # loads the model and the recognizers before anything is timed
    figures = {}
    for corpus in args.corpus or CORPORA:
        figures[corpus.name] = run(corpus, args.verbose)
        report(corpus, figures[corpus.name])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
