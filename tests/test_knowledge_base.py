"""The knowledge files: validation of the real files, and each rule caught in a broken copy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from core.knowledge.build import check
from core.knowledge.source_files import read_knowledge
from core.paths import KNOWLEDGE_DIR as DEFAULT_KNOWLEDGE_DIR

SHARED_TOPICS = DEFAULT_KNOWLEDGE_DIR.parents[1] / "shared" / "knowledge-topics.md"


def test_the_knowledge_base_is_valid() -> None:
    assert check() == []


def test_every_contract_topic_has_entries() -> None:
    kf = read_knowledge()
    topics = {e.topic for e in kf.entries}
    assert set(kf.answer_topics) <= topics


def test_topics_file_matches_the_shared_contract() -> None:
    table = SHARED_TOPICS.read_text(encoding="utf-8")
    answer_part, outcome_part = table.split("## Outcomes", 1)
    contract_answers = [t for t in re.findall(r"^\| ([a-z_]+) \|", answer_part, flags=re.M) if t != "id"]
    outcome_cells = " ".join(re.findall(r"^\| ([a-z_, ]+) \|", outcome_part, flags=re.M))
    contract_outcomes = set(re.findall(r"\b([a-z_]+)\b", outcome_cells)) - {"id"}
    topics = yaml.safe_load((DEFAULT_KNOWLEDGE_DIR / "topics.yml").read_text())
    assert contract_answers == topics["answer_topics"]
    assert contract_outcomes == set(topics["outcome_topics"])


def test_no_answer_offers_the_promotional_sales_line() -> None:
    for entry in read_knowledge().entries:
        digits = re.sub(r"\D", "", entry.answer)
        assert "8778800170" not in digits, entry.id


def test_progesterone_is_presented_as_an_anecdote() -> None:
    entries = [e for e in read_knowledge().entries if e.topic == "progesterone_claim"]
    text = " ".join(e.answer.lower() for e in entries)
    assert "anecdote" in text or "personal experience" in text
    assert "not evidence" in text or "isn't evidence" in text or "is not proof" in text
    assert "doctor" in text


@pytest.fixture
def broken_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, folder)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    return folder


def _edit_entry(folder: Path, topic: str, index: int, **changes) -> None:
    path = folder / "entries" / f"{topic}.yml"
    data = yaml.safe_load(path.read_text())
    data["entries"][index].update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"sources": [{"doc": "004", "quote": "Calcifications are caused by drinking milk."}]},
            r"entries/marker_clip\.yml: entry 'marker_clip': quote not found verbatim in document '004'",
        ),
        ({"sources": [{"doc": "999", "quote": "x"}]}, r"source document '999' is not in documents.yml"),
        ({"sources": []}, r"entry 'marker_clip': no source"),
        (
            {"related": ["marker_clip.nothing_like_this"]},
            r"related entry 'marker_clip.nothing_like_this' does not exist",
        ),
        ({"concepts": ["unicorn"]}, r"concept 'unicorn' is not in vocabulary.yml"),
        ({"answer": "Call (877) 880-0170 for help."}, r"offers '\(877\) 880-0170'"),
        ({"answer": "Call 877.880.0170 for help."}, r"must never be offered"),
        ({"answer": "Call {nurse_number}."}, r"unknown placeholder"),
        ({"id": "clip_thing"}, r"id must be 'marker_clip' or start with 'marker_clip.'"),
    ],
)
def test_each_rule_names_file_entry_and_problem(broken_copy: Path, change: dict, expected: str) -> None:
    _edit_entry(broken_copy, "marker_clip", 0, **change)
    problems = check()
    assert any(re.search(expected, p) for p in problems), problems


def test_duplicate_ids_are_reported(broken_copy: Path) -> None:
    path = broken_copy / "entries" / "marker_clip.yml"
    data = yaml.safe_load(path.read_text())
    data["entries"].append(dict(data["entries"][0]))
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert any("entry 'marker_clip': id used 2 times" in p for p in check())


def test_a_missing_topic_is_reported(broken_copy: Path) -> None:
    (broken_copy / "entries" / "follow_up.yml").unlink()
    problems = check()
    assert any("topic 'follow_up' has no entry" in p for p in problems), problems


def test_quotes_tolerate_only_whitespace_differences(broken_copy: Path) -> None:
    text = (broken_copy / "sources" / "004_0ff72d5fc98a73ca.txt").read_text()
    assert re.search(r"check an\s{2,}area", text)  # a no-break space and a space in the document
    _edit_entry(
        broken_copy,
        "marker_clip",
        0,
        sources=[{"doc": "004", "quote": "they may want to check an area more carefully"}],
    )
    assert check() == []
    _edit_entry(
        broken_copy,
        "marker_clip",
        0,
        sources=[{"doc": "004", "quote": "they may want to check an area more carefully!"}],
    )
    assert check() != []


def test_a_helpline_not_in_its_cited_document_is_reported(broken_copy: Path) -> None:
    path = broken_copy / "messages.yml"
    data = yaml.safe_load(path.read_text())
    data["helpline"]["number"] = "0800 123 4567"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert any("is not the one in document '004'" in p for p in check())
