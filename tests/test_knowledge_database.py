"""Loading the knowledge base into SQLite and PostgreSQL, idempotently, and reading it back."""

from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import create_engine, func, select, update

from actions.answer_selection import Question, select_entry
from core.knowledge import models
from core.knowledge.build import load, main
from core.knowledge.database import session_factory
from core.knowledge.repository import KnowledgeRepository
from core.knowledge.source_files import read_knowledge
from tests.helpers.databases import temporary_postgres_database


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with temporary_postgres_database("kb_test") as url:
        yield url
        from core.knowledge.database import engine_for

        engine_for(url).dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.db'}"
    return request.getfixturevalue("postgres_url")


def _counts(url: str) -> dict:
    engine = create_engine(url, future=True)
    with engine.connect() as c:
        counts = {
            t.name: c.execute(select(func.count()).select_from(t)).scalar_one()
            for t in models.Base.metadata.sorted_tables
        }
    engine.dispose()
    return counts


def test_load_is_idempotent(db_url: str) -> None:
    kf = read_knowledge()
    load(kf, db_url, force=True)
    first = _counts(db_url)
    assert load(kf, db_url) is False, "unchanged content must not be reloaded"
    assert load(kf, db_url, force=True) is True
    assert _counts(db_url) == first
    assert first["kb_entries"] == len(kf.entries)
    assert first["kb_documents"] == 2


def test_entries_read_back_with_sources_and_related(db_url: str) -> None:
    load(read_knowledge(), db_url)
    with KnowledgeRepository(db_url) as kb:
        entry = kb.entry("marker_clip")
        assert entry is not None and entry.topic == "marker_clip"
        assert entry.sources and all(s.citation for s in entry.sources)
        assert all(kb.entry(r) for r in entry.related)
        assert kb.intent("ask_marker_clip").topic == "marker_clip"
        assert kb.documents()["004"]["kind"] == "reviewed_patient_leaflet"


def test_build_cli_reports_what_it_did(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db-url", url]) == 0
    assert "loaded" in capsys.readouterr().out
    assert main(["--db-url", url]) == 0
    assert "unchanged" in capsys.readouterr().out


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Iterator[KnowledgeRepository]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sel') / 'kb.db'}"
    load(read_knowledge(), url)
    with KnowledgeRepository(url) as repo:
        yield repo


@pytest.mark.parametrize(
    "question, expected_topic",
    [
        (Question(intent="ask_marker_clip", mentions=["airport"]), "marker_clip"),
        (Question(intent="ask_feel_pain"), "feel_pain"),
        (Question(intent="ask_feel_pain", last_topic="vacuum_biopsy"), "vacuum_biopsy"),
        (Question(intent="ask_feel_pain", last_topic="core_biopsy"), "core_biopsy"),
        (Question(intent="ask_feel_pain", mentions=["vacuum biopsy"], last_topic="core_biopsy"), "vacuum_biopsy"),
        (Question(intent="ask_more", mentions=["mammotome"], last_topic="core_biopsy"), "vacuum_biopsy"),
        (Question(intent="ask_more", mentions=["wire"]), "wire_localisation"),
        (Question(intent="ask_progesterone"), "progesterone_claim"),
        (Question(intent="ask_feel_pain", last_topic="surgical_biopsy"), "surgery_recovery"),
        (Question(intent="ask_more", mentions=["hoover one"], last_topic="core_biopsy"), "vacuum_biopsy"),
        (Question(intent="ask_helpline", mentions=["progesterone"]), "helpline"),
    ],
)
def test_the_entry_follows_intent_concepts_and_context(
    kb: KnowledgeRepository, question: Question, expected_topic: str
) -> None:
    entry = select_entry(kb, question)
    assert entry is not None and entry.topic == expected_topic


def test_a_named_concept_picks_the_specific_entry(kb: KnowledgeRepository) -> None:
    airport = select_entry(kb, Question(intent="ask_marker_clip", mentions=["airport security"]))
    mri = select_entry(kb, Question(intent="ask_marker_clip", mentions=["MRI scan"]))
    plain = select_entry(kb, Question(intent="ask_marker_clip"))
    assert "airport" in airport.answer.lower()
    assert "mri" in mri.answer.lower()
    assert plain.id == "marker_clip"


def test_tell_me_more_gives_something_not_yet_shown(kb: KnowledgeRepository) -> None:
    first = kb.entry("marker_clip")
    more = select_entry(
        kb, Question(intent="ask_more", last_topic="marker_clip", last_entry="marker_clip", shown=["marker_clip"])
    )
    assert more is not None and more.id != first.id


def test_a_follow_up_with_nothing_to_follow_is_not_guessed(kb: KnowledgeRepository) -> None:
    assert select_entry(kb, Question(intent="ask_more")) is None
    assert select_entry(kb, Question(intent="no_such_intent")) is None


def test_an_unsure_pronoun_follow_up_stays_with_the_topic(kb: KnowledgeRepository) -> None:
    from actions.answer_selection import follow_up_entry

    entry = follow_up_entry(kb, "what metal is it made of then", "marker_clip")
    assert entry is not None and entry.id == "marker_clip.titanium"
    assert follow_up_entry(kb, "and does that stay in for good", "marker_clip").topic == "marker_clip"
    assert follow_up_entry(kb, "and if I need an MRI scan one day?", "marker_clip").id == "marker_clip.mri"


def test_no_follow_up_without_a_topic_a_pronoun_or_when_long(kb: KnowledgeRepository) -> None:
    from actions.answer_selection import follow_up_entry

    assert follow_up_entry(kb, "is it titanium?", None) is None
    assert follow_up_entry(kb, "titanium?", "marker_clip") is None
    assert follow_up_entry(kb, "is it " + "very " * 20 + "long", "marker_clip") is None
    assert follow_up_entry(kb, "is it open on sundays", "helpline") is None


def test_the_repository_reads_a_new_load_at_once(tmp_path) -> None:
    """Each process answers from a snapshot of the knowledge base, read again when the content's
    hash in the database changes (a new load)."""
    url = f"sqlite:///{tmp_path / 'reload.db'}"
    load(read_knowledge(), url)
    with KnowledgeRepository(url) as kb:
        assert kb.entry("marker_clip").answer != "a new answer"
    with session_factory(url).begin() as session:
        session.execute(update(models.Entry).where(models.Entry.id == "marker_clip").values(answer="a new answer"))
        session.execute(
            update(models.Meta).where(models.Meta.key == models.CONTENT_HASH_KEY).values(value="another load")
        )
    with KnowledgeRepository(url) as kb:
        assert kb.entry("marker_clip").answer == "a new answer"
